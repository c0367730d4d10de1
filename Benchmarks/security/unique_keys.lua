-- wrk script: POST a small chat completion with a fresh X-Idempotency-Key on every request, so
-- the idempotency store receives one new record per request. Prints a JSON summary line.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":128}'
local counter = 0
local thread_id = 0
function setup(thread) thread_id = thread_id + 1; thread:set("tid", thread_id) end
function request()
  counter = counter + 1
  return wrk.format(nil, nil, {["X-Idempotency-Key"] = "bench-" .. (tid or 0) .. "-" .. counter}, nil)
end
function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
