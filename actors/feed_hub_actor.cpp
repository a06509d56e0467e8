// Feed hub behavior. Every time the stream moves, the hub reads the new
// entries once (one read, however many sessions), prepares each for both
// audiences once (one parse), and hands the same batch to every session,
// which only writes the bytes its audience may see. Sessions are linked, so
// they end with the hub; ended sessions are dropped.
#include "actors/feed_hub_actor.hpp"

#include <unordered_set>

#include "actors/feed_session_actor.hpp"
#include "actors/messages.hpp"

namespace incident {
namespace {

constexpr int kPageSize = 100;
/// After a failed read, the hub reads again this much later, moved or not:
/// sessions rely on its batches and do not poll.
constexpr auto kRetryAfterFailure = std::chrono::seconds(1);

struct HubState {
  caf::actor storage;
  std::chrono::seconds heartbeat{15};
  std::unordered_set<caf::actor> sessions;
  std::string cursor;  // the last entry handed to the sessions; empty until known
  std::shared_ptr<metrics::FeedMetrics> metrics;
  FeedReadGate gate;
};

using HubActor = caf::stateful_actor<HubState>;

/// Reads what the stream gained since the cursor (or, first, where it ends).
void read_live(HubActor* self) {
  auto& state = self->state;
  if (state.sessions.empty() && !state.gate.reading) {
    state.cursor.clear();  // nobody to read for: learn the end afresh when someone comes
    return;
  }
  if (state.gate.begin()) request_feed_page(self, state.storage, state.cursor, kPageSize);
}

void hand_out(HubActor* self, const Result<std::vector<FeedRecord>>& page) {
  auto& state = self->state;
  state.gate.reading = false;
  if (!page) {  // storage trouble: try again soon, whether the stream moves or not
    self->delayed_send(self, kRetryAfterFailure, feed_atom::value);
    return;
  }
  if (state.cursor.empty()) {
    if (!page->empty()) state.cursor = page->front().id;  // the end, no entry
  } else if (!page->empty()) {
    auto batch = std::make_shared<FeedBatch>();
    batch->after = state.cursor;
    for (const auto& record : *page)  // an entry without a message is not an event
      if (!record.data.empty()) batch->events.push_back(prepare_feed_event(record.id, record.data));
    state.cursor = page->back().id;
    std::shared_ptr<const FeedBatch> shared = std::move(batch);
    for (const auto& session : state.sessions) self->send(session, feed_batch_atom::value, shared);
  }
  if ((page->size() == static_cast<std::size_t>(kPageSize)) || state.gate.wake_pending)
    read_live(self);
}

/// Forgets an ended session; false when `source` was none of them.
bool forget_session(HubActor* self, const caf::actor_addr& source) {
  auto& state = self->state;
  for (auto it = state.sessions.begin(); it != state.sessions.end(); ++it)
    if (it->address() == source) {
      state.sessions.erase(it);
      if (state.metrics) state.metrics->sse_sessions.add(-1);
      return true;
    }
  return false;
}

caf::behavior hub_behavior(HubActor* self, caf::actor storage, std::chrono::seconds heartbeat,
                           std::shared_ptr<metrics::FeedMetrics> metrics) {
  self->state.storage = std::move(storage);
  self->state.heartbeat = heartbeat;
  self->state.metrics = std::move(metrics);
  self->set_down_handler([=](const caf::down_msg& down) { forget_session(self, down.source); });
  // A session ends normally when its client leaves, or abnormally when it
  // fails; either way it is that session's end, not the hub's.
  self->set_exit_handler([=](const caf::exit_msg& exit) {
    if (forget_session(self, exit.source)) return;
    if (exit.reason != caf::exit_reason::normal) self->quit(exit.reason);
  });
  return {
      [=](subscribe_atom, const Subscription& subscription) {
        auto session =
            spawn_feed_session(self, subscription, self->state.storage, self->state.heartbeat);
        self->monitor(session);
        self->state.sessions.insert(session);
        if (self->state.metrics) {
          self->state.metrics->sse_sessions.add(1);
          self->state.metrics->sse_opened.add();
        }
        if (self->state.cursor.empty()) read_live(self);
      },
      [=](feed_atom) { read_live(self); },  // the stream grew
      [=](feed_page_atom, const Result<std::vector<FeedRecord>>& page) { hand_out(self, page); },
      [=](ping_atom, const Reply<bool>& reply) { reply(true); },
  };
}

}  // namespace

caf::actor spawn_feed_hub(caf::actor_system& system, caf::actor storage,
                          std::chrono::seconds heartbeat,
                          std::shared_ptr<metrics::FeedMetrics> metrics) {
  return system.spawn(hub_behavior, std::move(storage), heartbeat, std::move(metrics));
}

}  // namespace incident
