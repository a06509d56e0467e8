-- GET of one incident, always the same (served from its actor's cache).
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200)
wrk.path = "/api/incident/" .. os.getenv("HOT_ID")
