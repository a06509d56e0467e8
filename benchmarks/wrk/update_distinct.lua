-- Updates spread over the seeded incidents, each one a real change.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(302)
local counter = 0
function request()
  counter = counter + 1
  local body = "scope=1&service=1&severity=low&status=investigating&name=Updated+" ..
               thread_number .. "-" .. counter
  return wrk.format("POST", "/api/incident/" .. random_incident() .. "/update", auth_headers, body)
end
