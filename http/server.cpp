// Pistache glue. Pistache resets its Request when onRequest returns, so
// everything a handler needs is copied into an ApiRequest first.
#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "config/log.hpp"
#include "http/body_parser.hpp"
#include "http/error_mapping.hpp"
#include "http/routes.hpp"

namespace incident {
namespace {

using namespace Pistache;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

ApiRequest copy_request(const Http::Request& request) {
  ApiRequest out;
  out.method = Http::methodString(request.method());
  out.path = request.resource();
  for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it)
    add_text(out.query, url_decode(it->first), url_decode(it->second));
  for (const auto& header : request.headers().list()) {
    std::ostringstream value;
    header->write(value);
    out.headers[lowercase(header->name())] = value.str();
  }
  for (const auto& [name, raw] : request.headers().rawList())
    out.headers[lowercase(name)] = raw.value();
  out.body = request.body();
  return out;
}

constexpr std::size_t kMaxHeaders = 100;
constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
constexpr std::size_t kMaxAllHeaderBytes = 64 * 1024;

/// 431 when a header is over 8 KiB, all of them over 64 KiB, or more than 100.
bool headers_too_large(const ApiRequest& request, std::size_t count) {
  std::size_t total = 0;
  for (const auto& [name, value] : request.headers) {
    std::size_t size = name.size() + value.size();
    if (size > kMaxHeaderBytes) return true;
    total += size;
  }
  return count > kMaxHeaders || total > kMaxAllHeaderBytes;
}

class ApiHandler : public Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)

  ApiHandler(std::shared_ptr<const App> app, std::shared_ptr<std::atomic<long>> in_flight,
             std::shared_ptr<std::atomic<bool>> draining)
      : app_(std::move(app)), in_flight_(std::move(in_flight)), draining_(std::move(draining)) {}

  void onRequest(const Http::Request& request, Http::ResponseWriter writer) override {
    Responder responder(std::move(writer), in_flight_, transport());
    if (request.method() == Http::Method::Head) responder.omit_body();
    if (*draining_)
      return responder.send(error_response(Error{ErrorKind::unavailable, "Shutting down", {}}));
    try {
      ApiRequest copied = copy_request(request);
      std::size_t count = request.headers().list().size() + request.headers().rawList().size();
      if (headers_too_large(copied, count))
        return responder.send(json_response(
            431, {{"message", "Request headers too large"},
                  {"reasons", {{"headers", {"At most 100 headers of 8 KiB, 64 KiB in all."}}}}}));
      dispatch(*app_, copied, responder);
    } catch (const std::exception& e) {
      log_error(std::string("unhandled exception in request: ") + e.what());
      responder.send(json_response(500, {{"message", "Internal error"}, {"reasons", {}}}));
    }
  }

 private:
  std::shared_ptr<const App> app_;
  std::shared_ptr<std::atomic<long>> in_flight_;
  std::shared_ptr<std::atomic<bool>> draining_;
};

}  // namespace

HttpServer::HttpServer(std::shared_ptr<const App> app)
    : app_(std::move(app)),
      in_flight_(std::make_shared<std::atomic<long>>(0)),
      draining_(std::make_shared<std::atomic<bool>>(false)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  const Settings& settings = app_->settings;
  Address address(settings.bind, Port(static_cast<uint16_t>(settings.port)));
  endpoint_ = std::make_unique<Http::Endpoint>(address);
  // Headers may take up to 64 KiB beyond the body limit.
  auto options = Http::Endpoint::options()
                     .threads(settings.threads)
                     .flags(Tcp::Options::ReuseAddr)
                     .maxRequestSize(settings.max_body_bytes + 64 * 1024)
                     .maxResponseSize(256 * 1024 * 1024);
  endpoint_->init(options);
  endpoint_->setHandler(std::make_shared<ApiHandler>(app_, in_flight_, draining_));
  endpoint_->serveThreaded();
}

void HttpServer::drain(std::chrono::milliseconds limit) {
  *draining_ = true;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (*in_flight_ > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void HttpServer::stop() {
  if (endpoint_) endpoint_->shutdown();
  endpoint_.reset();
}

}  // namespace incident
