#include "http/responder.hpp"

#include "domain/feed_view.hpp"
#include "http/admission.hpp"
#include "http/connection.hpp"
#include "http/error_mapping.hpp"
#include "http/request_observer.hpp"
#include "http/response_bytes.hpp"

namespace incident {

struct Responder::Shared {
  Shared(std::shared_ptr<Connection> c, std::uint64_t s, Framing f, std::shared_ptr<Admission> a,
         std::int64_t bytes, RequestTrace t, std::shared_ptr<const RequestObserver> o)
      : connection(std::move(c)),
        slot(s),
        framing(f),
        admission(std::move(a)),
        body_bytes(bytes),
        trace(std::move(t)),
        observer(std::move(o)) {
    admission->enter(body_bytes);
    extra_headers.emplace_back("X-Request-Id", trace.id);
  }
  // A reply dropped on the way (an actor that ended, a shutdown) must still
  // answer the client rather than leave it waiting, or every later answer on
  // its connection with it.
  ~Shared() {
    if (sent.exchange(true)) return;
    admission->leave(body_bytes);
    write(error_response(
        Error{ErrorKind::unavailable, "The request could not be completed, retry", {}}));
  }
  /// Queues the response, with the headers added to every answer, and tells the observer.
  void write(const ApiResponse& response) {
    std::string bytes =
        response_bytes(response, framing.keep_alive, framing.omit_body, extra_headers);
    std::size_t size = bytes.size();
    connection->fill(slot, std::move(bytes), !framing.keep_alive);
    if (observer) observer->finished(trace, response.status, size);
  }
  std::shared_ptr<Connection> connection;
  std::uint64_t slot;
  Framing framing;
  std::shared_ptr<Admission> admission;
  std::int64_t body_bytes;
  RequestTrace trace;
  std::shared_ptr<const RequestObserver> observer;
  std::atomic<bool> sent{false};
  HeaderList extra_headers;
};

Responder::Responder(std::shared_ptr<Connection> connection, std::uint64_t slot, Framing framing,
                     std::shared_ptr<Admission> admission, std::int64_t body_bytes,
                     RequestTrace trace, std::shared_ptr<const RequestObserver> observer)
    : shared_(std::make_shared<Shared>(std::move(connection), slot, framing, std::move(admission),
                                       body_bytes, std::move(trace), std::move(observer))) {}

void Responder::set_token(const std::string& name) const { shared_->trace.token = name; }

const RequestTrace& Responder::trace() const { return shared_->trace; }

void Responder::add_headers(std::vector<std::pair<std::string, std::string>> headers) const {
  shared_->extra_headers.insert(shared_->extra_headers.end(), headers.begin(), headers.end());
}

void Responder::send(const ApiResponse& response) const {
  if (shared_->sent.exchange(true)) return;
  shared_->admission->leave(shared_->body_bytes);
  shared_->write(response);
}

EventSink Responder::open_event_stream() const {
  if (shared_->sent.exchange(true)) return {};
  // A stream never ends by itself: it holds no stop and no request bound.
  shared_->admission->leave(shared_->body_bytes);
  std::weak_ptr<Connection> connection = shared_->connection;
  bool chunked = !shared_->framing.http10;
  std::string head =
      event_stream_head(chunked, shared_->framing.keep_alive, shared_->extra_headers);
  std::size_t head_bytes = head.size();
  shared_->connection->fill_stream(shared_->slot, std::move(head));
  // Logged once it is open: a stream has no end to wait for.
  if (shared_->observer) shared_->observer->finished(shared_->trace, 200, head_bytes);
  EventSink sink = [connection, chunked](const std::string& text) {
    auto alive = connection.lock();
    return alive && alive->stream(chunked ? chunk_bytes(text) : text);
  };
  // A first heartbeat: the client sees the stream open at once.
  sink(format_server_sent_event(FeedEvent{}));
  return sink;
}

}  // namespace incident
