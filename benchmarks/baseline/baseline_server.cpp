// The ceiling of the HTTP layer on this machine: a Pistache server configured
// like incident-api (same flags, threads, options, keep-alive) that answers a
// fixed JSON body the size of a typical incident, without actors or Redis.
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

using namespace Pistache;

/// About the size of one incident with a few events, as GET returns it.
const std::string kBody = [] {
  std::string body =
      R"({"creation_date":"2026-11-27T10:02","description":"Primary database unreachable",)"
      R"("events":[)";
  for (int i = 0; i < 4; ++i)
    body += R"({"content":"Failover step in progress, replicas catching up","creation_date":)"
            R"("2026-11-27T10:05","internal":false,"type":"comment"},)";
  body +=
      R"({"content":"{\"name\":\"Database outage\"}","creation_date":"2026-11-27T10:02",)"
      R"("internal":true,"type":"create"}],"external_link":null,"external_reference":null,)"
      R"("id":7,"investigation_date":null,"links":{"scope":"http://127.0.0.1:8080/api/scope/1",)"
      R"("self":"http://127.0.0.1:8080/api/incident/7","service":)"
      R"("http://127.0.0.1:8080/api/service/2"},"name":"Database outage","resolve_date":null,)"
      R"("scope":1,"service":2,"severity":"high","stable_date":null,)"
      R"("start_impact_date":"2026-11-27T09:58","status":"active","version":6})";
  return body;
}();

class FixedHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(FixedHandler)
  void onRequest(const Http::Request&, Http::ResponseWriter writer) override {
    writer.headers().remove("Connection");
    writer.headers().add<Http::Header::Connection>(Http::ConnectionControl::KeepAlive);
    writer.send(Http::Code::Ok, kBody, MIME(Application, Json));
  }
};

std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bind = flag(argc, argv, "--bind", "127.0.0.1");
  int port = std::atoi(flag(argc, argv, "--port", "8081").c_str());
  int threads = std::atoi(flag(argc, argv, "--threads", "2").c_str());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Http::Endpoint endpoint(Address(bind, Port(static_cast<uint16_t>(port))));
  endpoint.init(Http::Endpoint::options()
                    .threads(threads)
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(1024 * 1024 + 64 * 1024));
  endpoint.setHandler(Http::make_handler<FixedHandler>());
  endpoint.serveThreaded();
  std::cerr << "baseline listening on " << bind << ":" << port << " (" << kBody.size()
            << "-byte body)\n";
  int received = 0;
  sigwait(&signals, &received);
  endpoint.shutdown();
  return 0;
}
