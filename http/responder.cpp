// Responder: writes status, headers and body. send() only queues the bytes for
// Pistache's reactor; its promise is discarded (chaining on it from a
// non-reactor thread races inside Pistache).
#include "http/responder.hpp"

#include <pistache/http.h>
#include <pistache/peer.h>
#include <pistache/transport.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
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
  Shared(ResponseWriter w, std::shared_ptr<std::atomic<long>> counter, Pistache::Tcp::Transport* t)
      : writer(std::move(w)), in_flight(std::move(counter)), transport(t) {
    ++*in_flight;
  }
  // A reply dropped on the way (an actor that ended, a shutdown) must still
  // answer the client rather than leave it waiting.
  ~Shared() {
    if (sent.exchange(true)) return;
    --*in_flight;
    writer.headers().remove("Connection");
    writer.headers().add(std::make_shared<NamedHeader>("Connection", "keep-alive"));
    writer.send(Code::Service_Unavailable,
                R"({"message":"The request could not be completed, retry","reasons":{}})",
                MIME(Application, Json));
  }
  ResponseWriter writer;
  std::shared_ptr<std::atomic<long>> in_flight;
  Pistache::Tcp::Transport* transport;
  std::atomic<bool> sent{false};
  bool omit_body = false;
};

Responder::Responder(ResponseWriter writer, std::shared_ptr<std::atomic<long>> in_flight,
                     Pistache::Tcp::Transport* transport)
    : shared_(std::make_shared<Shared>(std::move(writer), std::move(in_flight), transport)) {}

void Responder::omit_body() const { shared_->omit_body = true; }

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
  shared_->writer.send(static_cast<Code>(response.status),
                       shared_->omit_body ? std::string() : response.body);
}

EventSink Responder::open_event_stream() const {
  if (shared_->sent.exchange(true)) return {};
  --*shared_->in_flight;  // a stream never ends by itself: do not hold a stop for it
  // Pistache's ResponseStream flushes from the calling thread, racing its
  // reactor; Transport::asyncWrite only enqueues, so the head and every chunk
  // go through it, written here by hand.
  std::weak_ptr<Pistache::Tcp::Peer> peer = shared_->writer.getPeer();
  Pistache::Tcp::Transport* transport = shared_->transport;
  auto write = [transport, peer](std::string bytes) {
    auto alive = peer.lock();
    if (!alive) return false;
    std::size_t size = bytes.size();
    transport->asyncWrite(alive->fd(), Pistache::RawBuffer(std::move(bytes), size), MSG_NOSIGNAL);
    return true;
  };
  write(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n");
  EventSink sink = [write](const FeedEvent& event) {
    std::string text = format_server_sent_event(event);
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", text.size());
    return write(size + text + "\r\n");
  };
  sink(FeedEvent{});  // a first heartbeat: the client sees the stream open at once
  return sink;
}

}  // namespace incident
