-- wrk script: POST a small chat completion; optional fixed rate; prints a JSON summary line.
-- Usage: wrk -t1 -cC -dD -s chat.lua URL -- [RATE_PER_SECOND]
-- With a rate, every connection waits a random, exponentially distributed time with mean C/RATE
-- seconds between requests, so arrivals are a Poisson process at RATE (open-loop approximation:
-- valid while the latency is far below the interval, which the report checks). A fixed wait would
-- keep the C connections in step: the load would arrive as bursts of C simultaneous requests.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is the capital of France? Answer in one sentence."}],"temperature":0.2,"max_tokens":128}'

-- DEJA_KEY: send it as the client key (the gateway's authentication step is then measured too).
local key = os.getenv("DEJA_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end

local interval_ms = 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  local rate = tonumber(args[1] or "0")
  if rate and rate > 0 then
    interval_ms = tonumber(args[2]) * 1000 / rate
  end
end

function delay()
  if interval_ms <= 0 then return 0 end
  -- wrk takes whole milliseconds: round, so the mean stays at interval_ms.
  return math.floor(-math.log(1 - math.random()) * interval_ms + 0.5)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"errors":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, seconds, summary.requests / seconds,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
