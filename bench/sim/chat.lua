-- wrk script: POST a small chat completion, rotating over the accounts sim-0 .. sim-(N-1).
-- ACCOUNTS and STREAM come from the environment (see bench/sim/run.sh).
local accounts = tonumber(os.getenv("ACCOUNTS") or "4")
local stream = os.getenv("STREAM") == "1"
local body = '{"model":"qwen3-max","max_tokens":16,"stream":' .. tostring(stream) ..
  ',"messages":[{"role":"user","content":"Say hello to the pool."}]}'
local requests = {}

init = function(args)
  for i = 0, accounts - 1 do
    requests[i + 1] = wrk.format("POST", "/v1/chat/completions",
      {["Authorization"] = "Bearer sim-" .. i, ["Content-Type"] = "application/json"}, body)
  end
end

local n = 0
request = function()
  n = n + 1
  return requests[(n % accounts) + 1]
end

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("requests/s: %.0f\n", summary.requests / seconds))
  io.write(string.format("requests: %d, errors: connect %d read %d write %d status %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
