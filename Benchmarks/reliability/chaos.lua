-- wrk script for the reliability benchmarks: POST chat completions, every other one streamed;
-- optional Poisson arrivals at a fixed rate (as Benchmarks/overhead/chat.lua); prints a JSON line.
-- Usage: wrk -t1 -cC -dD -s chaos.lua URL -- [RATE_PER_SECOND] [CONNECTIONS]
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
local json_body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France? Answer in one sentence."}],"max_tokens":64}'
local stream_body = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"What is the capital of France? Answer in one sentence."}],"max_tokens":64}'
local streamed = os.getenv("DEJA_STREAM_SHARE") ~= "0"
local n = 0
local interval_ms = 0

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  local rate = tonumber(args[1] or "0")
  if rate and rate > 0 then interval_ms = tonumber(args[2]) * 1000 / rate end
end

function request()
  n = n + 1
  local body = (streamed and n % 2 == 0) and stream_body or json_body
  return wrk.format(nil, nil, nil, body)
end

function delay()
  if interval_ms <= 0 then return 0 end
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
