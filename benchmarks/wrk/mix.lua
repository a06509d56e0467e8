-- 80% reads of random incidents, 20% comments on random incidents.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(200, 302)
function request()
  if math.random() < 0.8 then
    return wrk.format("GET", "/api/incident/" .. random_incident())
  end
  return wrk.format("POST", "/api/incident/" .. random_incident() .. "/comment", auth_headers,
                    "comment=Mixed+load")
end
