// Feed session behavior. A session that is caught up takes its events from
// the hub's batches (read and prepared once for every session); one that is
// behind (a Last-Event-ID to replay, a batch that starts past its cursor)
// reads the stream itself until it has caught up. Its own reads never
// overlap (one in flight, later wake-ups coalesce into one more read), and
// nothing at or before its cursor is sent, so events go out once and in order.
#include "actors/feed_session_actor.hpp"

#include <utility>

#include "domain/feed_view.hpp"
#include "storage/store_errors.hpp"

namespace incident {
namespace {

constexpr int kPageSize = 100;

struct SessionState {
  Subscription subscription;
  EventSink sink;  // empty until the stream is open
  caf::actor storage;
  std::chrono::seconds heartbeat{15};
  std::string cursor;  // the last entry handled; empty until known
  FeedReadGate gate;
  std::shared_ptr<const FeedBatch> held;  // the latest batch that came during a read
  bool read_failed = false;               // its own read failed: try again at the next beat
};

using SessionActor = caf::stateful_actor<SessionState>;

/// Asks storage for the next page after the cursor (or for the stream's end).
void read_next(SessionActor* self) {
  auto& state = self->state;
  if (state.gate.begin()) request_feed_page(self, state.storage, state.cursor, kPageSize);
}

/// Sends a page this session read itself; false when the client has gone.
bool deliver(SessionState& state, const std::vector<FeedRecord>& records) {
  for (const auto& record : records) {
    state.cursor = record.id;
    if (record.data.empty()) continue;  // the stream's end, no event
    auto visible = feed_message_for(record.data, state.subscription.audience);
    if (!visible) continue;
    if (!state.sink(
            format_server_sent_event(FeedEvent{record.id, feed_message_type(*visible), *visible})))
      return false;
  }
  return true;
}

/// Sends the hub's batch from the cursor on; false when the client has gone.
bool deliver(SessionState& state, const FeedBatch& batch) {
  for (const auto& event : batch.events) {
    if (compare_stream_ids(event.id, state.cursor) <= 0) continue;  // sent already
    state.cursor = event.id;
    const std::string* text = event.text_for(state.subscription.audience);
    if (text && !state.sink(*text)) return false;
  }
  return true;
}

void on_batch(SessionActor* self, const std::shared_ptr<const FeedBatch>& batch) {
  auto& state = self->state;
  if (state.gate.reading) {  // applied when the read is in, if it reached the batch
    state.held = batch;
    return;
  }
  if (!state.sink) return;  // not open yet: its first read brings it up to date
  if (compare_stream_ids(state.cursor, batch->after) < 0) return read_next(self);  // a gap
  if (!deliver(state, *batch)) self->quit();
}

void on_page(SessionActor* self, const Result<std::vector<FeedRecord>>& page) {
  auto& state = self->state;
  state.gate.reading = false;
  if (!page) {
    // Storage trouble: a stream not open yet is refused; an open one keeps
    // its cursor and tries again at the next beat.
    if (state.sink) return void(state.read_failed = true);
    state.subscription.refuse(page.error());
    return self->quit();
  }
  if (!state.sink) {
    state.sink = state.subscription.open();
    if (!state.sink) return self->quit();
  }
  if (!deliver(state, *page)) return self->quit();
  bool more = page->size() == static_cast<std::size_t>(kPageSize) || state.gate.wake_pending;
  // A batch that came meanwhile continues where the read ended, or needs one
  // more read to get there; without this, lagging sessions would keep reading
  // for themselves.
  if (auto held = std::exchange(state.held, nullptr)) {
    if (!more && compare_stream_ids(state.cursor, held->after) >= 0) {
      if (!deliver(state, *held)) return self->quit();
    } else {
      more = true;
    }
  }
  if (more) read_next(self);
}

caf::behavior session_behavior(SessionActor* self, Subscription subscription, caf::actor storage,
                               std::chrono::seconds heartbeat) {
  self->state.cursor = subscription.last_event_id;
  self->state.subscription = std::move(subscription);
  self->state.storage = std::move(storage);
  self->state.heartbeat = heartbeat;
  read_next(self);
  self->delayed_send(self, heartbeat, heartbeat_atom::value);
  return {
      [=](feed_batch_atom, const std::shared_ptr<const FeedBatch>& batch) {
        on_batch(self, batch);
      },
      [=](feed_page_atom, const Result<std::vector<FeedRecord>>& page) { on_page(self, page); },
      [=](heartbeat_atom) {
        auto& state = self->state;
        if (state.sink && !state.sink(format_server_sent_event(FeedEvent{}))) return self->quit();
        // Only a session whose own read failed reads at a beat: the hub
        // retries its own failed reads, so batches are never missed, and ten
        // thousand idle sessions cost Redis nothing.
        if (std::exchange(state.read_failed, false)) read_next(self);
        self->delayed_send(self, state.heartbeat, heartbeat_atom::value);
      },
  };
}

}  // namespace

namespace {

/// The answer to one page read, sent exactly once: if the read's callback is
/// dropped unanswered (a reply handler that failed, a runner that ended), an
/// error is sent instead, so the reader's gate opens again and it retries,
/// rather than wait for a page that never comes while its streams go quiet.
class PageReply {
 public:
  explicit PageReply(caf::actor reader) : reader_(std::move(reader)) {}
  PageReply(const PageReply&) = delete;
  PageReply& operator=(const PageReply&) = delete;
  ~PageReply() {
    if (!sent_) send(storage_unavailable());
  }
  void send(Result<std::vector<FeedRecord>> page) {
    if (std::exchange(sent_, true)) return;
    caf::anon_send(reader_, feed_page_atom::value, std::move(page));
  }

 private:
  caf::actor reader_;
  bool sent_ = false;
};

}  // namespace

void request_feed_page(caf::event_based_actor* self, const caf::actor& storage,
                       const std::string& after, int count) {
  auto reply = std::make_shared<PageReply>(caf::actor_cast<caf::actor>(self));
  self->send(storage, feed_read_atom::value,
             FeedReadCommand{after, count, [reply](Result<std::vector<FeedRecord>> page) {
                               reply->send(std::move(page));
                             }});
}

caf::actor spawn_feed_session(caf::event_based_actor* hub, Subscription subscription,
                              caf::actor storage, std::chrono::seconds heartbeat) {
  return hub->spawn<caf::linked>(session_behavior, std::move(subscription), std::move(storage),
                                 heartbeat);
}

}  // namespace incident
