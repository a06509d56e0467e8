#include "http/responder.hpp"

#include "domain/feed_view.hpp"
#include "http/admission.hpp"
#include "http/connection.hpp"
#include "http/error_mapping.hpp"
#include "http/response_bytes.hpp"

namespace incident {

struct Responder::Shared {
  Shared(std::shared_ptr<Connection> c, std::uint64_t s, Framing f, std::shared_ptr<Admission> a,
         std::int64_t bytes)
      : connection(std::move(c)), slot(s), framing(f), admission(std::move(a)), body_bytes(bytes) {
    admission->enter(body_bytes);
  }
  // A reply dropped on the way (an actor that ended, a shutdown) must still
  // answer the client rather than leave it waiting, or every later answer on
  // its connection with it.
  ~Shared() {
    if (sent.exchange(true)) return;
    admission->leave(body_bytes);
    connection->fill(slot,
                     bytes_of(error_response(Error{
                         ErrorKind::unavailable, "The request could not be completed, retry", {}})),
                     !framing.keep_alive);
  }
  /// The response as written, with the headers added to every answer.
  std::string bytes_of(const ApiResponse& response) const {
    if (extra_headers.empty())
      return response_bytes(response, framing.keep_alive, framing.omit_body);
    ApiResponse extended = response;
    extended.headers.insert(extended.headers.end(), extra_headers.begin(), extra_headers.end());
    return response_bytes(extended, framing.keep_alive, framing.omit_body);
  }
  std::shared_ptr<Connection> connection;
  std::uint64_t slot;
  Framing framing;
  std::shared_ptr<Admission> admission;
  std::int64_t body_bytes;
  std::atomic<bool> sent{false};
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

Responder::Responder(std::shared_ptr<Connection> connection, std::uint64_t slot, Framing framing,
                     std::shared_ptr<Admission> admission, std::int64_t body_bytes)
    : shared_(std::make_shared<Shared>(std::move(connection), slot, framing, std::move(admission),
                                       body_bytes)) {}

void Responder::add_headers(std::vector<std::pair<std::string, std::string>> headers) const {
  shared_->extra_headers.insert(shared_->extra_headers.end(), headers.begin(), headers.end());
}

void Responder::send(const ApiResponse& response) const {
  if (shared_->sent.exchange(true)) return;
  shared_->admission->leave(shared_->body_bytes);
  shared_->connection->fill(shared_->slot, shared_->bytes_of(response),
                            !shared_->framing.keep_alive);
}

EventSink Responder::open_event_stream() const {
  if (shared_->sent.exchange(true)) return {};
  // A stream never ends by itself: it holds no stop and no request bound.
  shared_->admission->leave(shared_->body_bytes);
  std::weak_ptr<Connection> connection = shared_->connection;
  bool chunked = !shared_->framing.http10;
  shared_->connection->fill_stream(shared_->slot,
                                   event_stream_head(chunked, shared_->framing.keep_alive));
  EventSink sink = [connection, chunked](const std::string& text) {
    auto alive = connection.lock();
    return alive && alive->stream(chunked ? chunk_bytes(text) : text);
  };
  // A first heartbeat: the client sees the stream open at once.
  sink(format_server_sent_event(FeedEvent{}));
  return sink;
}

}  // namespace incident
