-- The same question every time: an exact-key hit.
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Can you explain what a memory leak is?"}]}'
dofile("Benchmarks/cache/summary.lua")
