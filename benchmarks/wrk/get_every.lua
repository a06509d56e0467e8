-- GET of every seeded incident in turn (ids 1..INCIDENTS, then again): each is
-- read at least once when the run makes INCIDENTS requests or more.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200)
local next_id = 0
function request()
  next_id = next_id % incident_count + 1
  return wrk.format("GET", "/api/incident/" .. next_id)
end
