-- The baseline server: the same GET, answered without actors or Redis.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200)
wrk.path = "/api/incident/1"
