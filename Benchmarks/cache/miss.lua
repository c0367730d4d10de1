-- Every request asks a different question in the same namespace: a cache miss that embeds the
-- query, searches, goes upstream and stores the answer.
local counter = 0
local words = {"rivers", "planets", "compilers", "volcanoes", "databases", "violins", "glaciers", "routers"}
request = function()
  counter = counter + 1
  local body = string.format('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Tell me fact number %d about %s, please."}]}',
    counter, words[counter % #words + 1])
  return wrk.format("POST", "/v1/chat/completions", {["Content-Type"] = "application/json"}, body)
end
dofile("Benchmarks/cache/summary.lua")
