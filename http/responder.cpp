// Responder: writes status, headers and body. send() only queues the bytes for
// Pistache's reactor; its promise is discarded (chaining on it from a
// non-reactor thread races inside Pistache).
#include "http/responder.hpp"

#include <pistache/http.h>

#include <atomic>
#include <functional>

namespace incident {
namespace {

using namespace Pistache::Http;

/// A header of any name: Pistache writes only typed headers, and keeps the
/// first one of each name (so replacing means removing first).
class NamedHeader : public Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  uint64_t hash() const override { return std::hash<std::string>{}(name_); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string name_;
  std::string value_;
};

void put_header(Header::Collection& headers, const std::string& name, const std::string& value) {
  headers.remove(name);
  headers.add(std::make_shared<NamedHeader>(name, value));
}

}  // namespace

struct Responder::Shared {
  Shared(ResponseWriter w, std::shared_ptr<std::atomic<long>> counter)
      : writer(std::move(w)), in_flight(std::move(counter)) {
    ++*in_flight;
  }
  ~Shared() {
    if (!sent) --*in_flight;
  }
  ResponseWriter writer;
  std::shared_ptr<std::atomic<long>> in_flight;
  std::atomic<bool> sent{false};
};

Responder::Responder(ResponseWriter writer, std::shared_ptr<std::atomic<long>> in_flight)
    : shared_(std::make_shared<Shared>(std::move(writer), std::move(in_flight))) {}

void Responder::send(const ApiResponse& response) const {
  if (shared_->sent.exchange(true)) return;
  --*shared_->in_flight;
  auto& headers = shared_->writer.headers();
  // HTTP/1.1 connections persist unless the client says otherwise; Pistache
  // would otherwise announce "Close" and make clients reconnect every time.
  put_header(headers, "Connection", "keep-alive");
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Type") {
      shared_->writer.setMime(Mime::MediaType::fromString(value));
    } else {
      put_header(headers, name, value);
    }
  }
  shared_->writer.send(static_cast<Code>(response.status), response.body);
}

}  // namespace incident
