-- wrk script for the reliability benchmarks: POST chat completions, every other one streamed;
-- optional Poisson arrivals at a fixed rate; prints a JSON line. The arrivals (init, delay) and
-- the summary (done) are Benchmarks/overhead/chat.lua's; only the bodies differ.
-- Usage (from the package root): wrk -t1 -cC -dD -s Benchmarks/reliability/chaos.lua URL -- [RATE_PER_SECOND] [CONNECTIONS]
dofile("Benchmarks/overhead/chat.lua")

local json_body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is the capital of France? Answer in one sentence."}],"max_tokens":64}'
local stream_body = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"What is the capital of France? Answer in one sentence."}],"max_tokens":64}'
local streamed = os.getenv("DEJA_STREAM_SHARE") ~= "0"
local n = 0

function request()
  n = n + 1
  local body = (streamed and n % 2 == 0) and stream_body or json_body
  return wrk.format(nil, nil, nil, body)
end
