// The receiving end of benchmarks/webhook_delivery.sh: a Pistache server that
// answers 200 to every POST at once and keeps, per delivery, the endpoint (the
// number ending the path, /hook/<n>), the webhook-id header ("msg_<stream
// id>", whose leading milliseconds are the change's commit time) and the
// arrival time, in memory. GET /count answers how many it holds; GET /dump
// answers them as lines "<endpoint> <webhook-id> <arrival, Unix µs>" and
// forgets them. Everything else is left to the script.
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace {

using namespace Pistache;

struct Delivery {
  int endpoint;
  std::string id;
  std::int64_t arrival_us;
};

std::mutex mutex;
std::vector<Delivery> deliveries;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The number ending the path ("/hook/7" → 7), -1 when there is none.
int endpoint_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 >= path.size()) return -1;
  char* end = nullptr;
  long number = std::strtol(path.c_str() + slash + 1, &end, 10);
  return *end == '\0' ? static_cast<int>(number) : -1;
}

class Receiver : public Http::Handler {
 public:
  HTTP_PROTOTYPE(Receiver)
  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    if (request.method() == Http::Method::Post) {
      std::int64_t arrival = now_us();
      auto id = request.headers().tryGetRaw("webhook-id");
      Delivery delivery{endpoint_of(request.resource()), id ? id->value() : std::string("-"),
                        arrival};
      {
        std::lock_guard<std::mutex> lock(mutex);
        deliveries.push_back(std::move(delivery));
      }
      writer.send(Http::Code::Ok);
      return;
    }
    if (request.resource() == "/count") {
      std::size_t count;
      {
        std::lock_guard<std::mutex> lock(mutex);
        count = deliveries.size();
      }
      writer.send(Http::Code::Ok, std::to_string(count) + "\n");
      return;
    }
    if (request.resource() == "/dump") {
      std::vector<Delivery> taken;
      {
        std::lock_guard<std::mutex> lock(mutex);
        taken.swap(deliveries);
      }
      std::string text;
      text.reserve(taken.size() * 48);
      for (const auto& delivery : taken)
        text += std::to_string(delivery.endpoint) + ' ' + delivery.id + ' ' +
                std::to_string(delivery.arrival_us) + '\n';
      writer.send(Http::Code::Ok, text);
      return;
    }
    writer.send(Http::Code::Not_Found);
  }
};

std::string flag(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  int port = std::atoi(flag(argc, argv, "--port", "8082").c_str());
  int threads = std::atoi(flag(argc, argv, "--threads", "1").c_str());
  deliveries.reserve(1 << 20);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Http::Endpoint endpoint(Address("127.0.0.1", Port(static_cast<uint16_t>(port))));
  // The dumps can be large: no bound on what is answered, a small one on requests.
  endpoint.init(Http::Endpoint::options()
                    .threads(threads)
                    .flags(Tcp::Options::ReuseAddr)
                    .maxRequestSize(1024 * 1024)
                    .maxResponseSize(std::numeric_limits<size_t>::max()));
  endpoint.setHandler(Http::make_handler<Receiver>());
  endpoint.serveThreaded();
  std::cerr << "webhook receiver listening on 127.0.0.1:" << port << "\n";
  int received = 0;
  sigwait(&signals, &received);
  endpoint.shutdown();
  return 0;
}
