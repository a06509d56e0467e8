-- Shared by every scenario (loaded with dofile): counts the responses whose
-- status the scenario does not expect, and prints one RESULT line of figures.
local expected_statuses = {}
local threads = {}
unexpected = 0
acknowledged = 0

function expect(...)
  for _, status in ipairs({...}) do expected_statuses[status] = true end
end

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + 7919 * (thread_number or 1))
end

function response(status, headers, body)
  if expected_statuses[status] then
    acknowledged = acknowledged + 1
  else
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local bad, acked = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("unexpected")
    acked = acked + thread:get("acknowledged")
  end
  local errors = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "rps": %.1f, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "unexpected": %d, "acknowledged": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, bad, acked))
end

-- A random existing incident id (the seeded ones are 1..INCIDENTS).
incident_count = tonumber(os.getenv("INCIDENTS") or "100000")
function random_incident() return math.random(1, incident_count) end

auth_headers = {
  ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or ""),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
