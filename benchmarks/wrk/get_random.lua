-- GET of random incidents among the seeded ones: mostly cache misses.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200)
function request()
  return wrk.format("GET", "/api/incident/" .. random_incident())
end
