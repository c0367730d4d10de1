-- The stored question re-spaced differently every time (4^7 variants): not an exact key and not
-- in the embedding memo, so each request embeds, searches, verifies and hits semantically.
local counter = 0
local words = {"Can", "you", "explain", "what", "a", "memory", "leak", "is?"}
local gaps = {" ", "  ", "   ", "    "}
request = function()
  local n = counter
  counter = counter + 1
  local text = words[1]
  for i = 2, #words do
    text = text .. gaps[(n % 4) + 1] .. words[i]
    n = math.floor(n / 4)
  end
  local body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"' .. text .. '"}]}'
  return wrk.format("POST", "/v1/chat/completions", {["Content-Type"] = "application/json"}, body)
end
dofile("Benchmarks/cache/summary.lua")
