-- One list page of 20 incidents.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200)
wrk.path = "/api/incident?per_page=20"
