-- Every connection updates the same incident: the worst case for one actor.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(302)
local counter = 0
local path = "/api/incident/" .. os.getenv("HOT_ID") .. "/update"
function request()
  counter = counter + 1
  local body = "scope=1&service=1&severity=high&status=active&name=Hot+" ..
               thread_number .. "-" .. counter
  return wrk.format("POST", path, auth_headers, body)
end
