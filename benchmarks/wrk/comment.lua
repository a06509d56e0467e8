-- Comments on random incidents.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(302)
function request()
  return wrk.format("POST", "/api/incident/" .. random_incident() .. "/comment", auth_headers,
                    "comment=Still+investigating&internal=0")
end
