-- Creation of incidents (form body, as the reference clients post it).
dofile(os.getenv("WRK_DIR") .. "/common.lua")
expect(302)
wrk.method = "POST"
wrk.path = "/api/incident/create"
wrk.headers = auth_headers
wrk.body = "scope=1&service=1&severity=high&name=Benchmark+incident&description=load"
