-- One list page of the query in LIST_PATH (benchmarks/list_scale.sh), e.g.
-- "/api/incident?per_page=20&severity=high". Anything but 200 is counted, and
-- a STATUSES line tells which statuses came instead.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200)
wrk.path = os.getenv("LIST_PATH") or "/api/incident?per_page=20"

status_4xx, status_5xx, status_other, last_bad = 0, 0, 0, 0
local count_expected = response
function response(status, headers, body)
  count_expected(status, headers, body)
  if status == 200 then return end
  last_bad = status
  if status >= 500 then status_5xx = status_5xx + 1
  elseif status >= 400 then status_4xx = status_4xx + 1
  else status_other = status_other + 1 end
end

local print_result = done
function done(summary, latency, requests)
  print_result(summary, latency, requests)
  local t = {status_4xx = 0, status_5xx = 0, status_other = 0, last_bad = 0}
  for _, thread in ipairs(threads_for_statuses) do
    for name, _ in pairs(t) do
      if name == "last_bad" then
        if thread:get(name) ~= 0 then t.last_bad = thread:get(name) end
      else
        t[name] = t[name] + thread:get(name)
      end
    end
  end
  io.write(string.format('STATUSES {"4xx": %d, "5xx": %d, "other": %d, "last": %d}\n',
                         t.status_4xx, t.status_5xx, t.status_other, t.last_bad))
end

threads_for_statuses = {}
local register = setup
function setup(thread)
  register(thread)
  table.insert(threads_for_statuses, thread)
end
