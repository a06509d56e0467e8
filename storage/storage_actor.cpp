// Storage actor behavior: each handler hands the work to a store and returns
// a promise; completions come back from the I/O thread as a deliver_atom
// closure, so promises are only ever fulfilled on the actor's own thread.
#include "storage/storage_actor.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/messages.hpp"
#include "config/log.hpp"
#include "storage/catalog_store.hpp"
#include "storage/feed_store.hpp"
#include "storage/incident_store.hpp"
#include "storage/page_fill.hpp"
#include "storage/rate_store.hpp"
#include "storage/stream_retention.hpp"
#include "storage/webhook_store.hpp"

namespace incident {
namespace {

/// Trims the change stream by age this often: between two rounds it grows by
/// what a few seconds of writes add.
constexpr std::chrono::seconds kTrimInterval{5};
using trim_stream_atom = caf::atom_constant<caf::atom("s_trim")>;

/// Unix milliseconds: what a rotation compares the previous secrets' expiries with.
std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct StorageState {
  // Stop the pipeline (running its last callbacks) while the stores it calls
  // back into still exist.
  ~StorageState() {
    if (writes) writes->stop();
    if (answers) answers->stop();
    if (pipeline) pipeline->stop();
  }
  std::shared_ptr<RedisPipeline> pipeline;  // shared with the notifier
  std::shared_ptr<RedisPipeline> answers;   // everything but incidents (may be null)
  std::shared_ptr<RedisPipeline> writes;    // writes waiting for replicas (may be null)
  std::unique_ptr<IncidentStore> incidents;
  std::unique_ptr<CatalogStore> catalog;
  std::unique_ptr<WebhookStore> webhooks;
  std::unique_ptr<FeedStore> feed;
  std::unique_ptr<RateStore> rates;
  caf::actor notifier;
  /// Set while trims fail, so that a failing trim is logged once.
  std::shared_ptr<std::atomic<bool>> trim_failing = std::make_shared<std::atomic<bool>>(false);
  StorageSettings settings;
};

using StorageActor = caf::stateful_actor<StorageState>;

/// Answers a health ping once every connection answered its PING (from
/// their threads, hence the lock).
class PingOutcome {
 public:
  PingOutcome(std::size_t pending, Reply<bool> reply)
      : pending_(pending), reply_(std::move(reply)) {}
  void settle(bool answered) {
    std::lock_guard<std::mutex> lock(mutex_);
    healthy_ = healthy_ && answered;
    if (--pending_ > 0) return;
    if (healthy_) return reply_(true);
    reply_(storage_unavailable());
  }

 private:
  std::mutex mutex_;
  std::size_t pending_;
  bool healthy_ = true;
  Reply<bool> reply_;
};

/// Wraps `work` so that it runs inside the actor, whatever thread calls it.
std::function<void(std::function<void()>)> in_actor(StorageActor* self) {
  caf::actor handle = caf::actor_cast<caf::actor>(self);
  return [handle](std::function<void()> work) {
    caf::anon_send(handle, deliver_atom::value, std::move(work));
  };
}

/// Commits chained changes of incident `id`. Once Redis answered, on the I/O
/// thread (so in commit order), a committed change is handed to the notifier
/// for its channels, then `settled` gets the outcome (a commit that could not
/// even be queued is settled at once, on this actor's thread).
void commit_chain(StorageActor* self, Id id, const std::vector<CommitRequest>& chain,
                  std::function<void(CommitResult)> settled) {
  Keys keys(self->state.settings.key_prefix);
  std::vector<std::string> channels{keys.channel_incidents(), keys.channel_incident(id)};
  caf::actor notifier = self->state.notifier;
  self->state.incidents->commit_chain(
      chain, [notifier, channels = std::move(channels),
              settled = std::move(settled)](CommitResult result) mutable {
        if (result && result->status == CommitOutcome::Status::committed)
          caf::anon_send(notifier, publish_atom::value,
                         ChangeNotice{std::move(channels), result->feed_messages});
        settled(std::move(result));
      });
}

/// Wraps a catalog reply so that a write's change is also published.
Reply<CatalogView> publishing(const StorageState& state, Reply<CatalogView> reply) {
  caf::actor notifier = state.notifier;
  std::string channel = Keys(state.settings.key_prefix).channel_incidents();
  return [notifier, channel, reply](Result<CatalogView> result) {
    if (result && !result->feed_message.empty())
      caf::anon_send(notifier, publish_atom::value,
                     ChangeNotice{{channel}, {result->feed_message}});
    reply(std::move(result));
  };
}

void run_catalog(StorageState& state, const CatalogCommand& command) {
  using Op = CatalogCommand::Op;
  auto& store = *state.catalog;
  switch (command.op) {
    case Op::get:
      return store.get(command.kind, command.id, command.reply_one);
    case Op::list:
      return store.list(command.kind, command.page, command.reply_page);
    case Op::create:
      return store.create(command.kind, command.create, publishing(state, command.reply_one));
    case Op::update:
      return store.update(command.kind, command.id, command.update,
                          publishing(state, command.reply_one));
    case Op::remove:
      return store.remove(command.kind, command.id, publishing(state, command.reply_one));
  }
}

void run_webhook(StorageState& state, const WebhookCommand& command) {
  using Op = WebhookCommand::Op;
  auto& store = *state.webhooks;
  switch (command.op) {
    case Op::get:
      return store.get(command.id, command.reply_one);
    case Op::list:
      return store.list(command.page, command.reply_page);
    case Op::create:
      return store.create(command.subscription, command.reply_one);
    case Op::update:
      return store.update(command.id, command.change, command.reply_one);
    case Op::remove:
      return store.remove(command.id, command.reply_one);
    case Op::rotate_secret:
      return store.rotate_secret(command.id, command.secret, unix_now_ms(),
                                 command.previous_expires_ms, command.reply_one);
    case Op::deliveries:
      return store.deliveries(command.id, command.limit, command.reply_deliveries);
  }
}

caf::behavior storage_behavior(StorageActor* self, StorageSettings settings,
                               std::shared_ptr<RedisPipeline> connection, caf::actor notifier,
                               std::shared_ptr<RedisPipeline> answers,
                               std::shared_ptr<RedisPipeline> writes) {
  auto& state = self->state;
  state.pipeline = std::move(connection);
  state.answers = std::move(answers);
  state.writes = std::move(writes);
  // Lists, change-feed reads, scopes and services and rate counts: never
  // queued before an incident's load or commit, nor its reply behind theirs.
  RedisPipeline& others = state.answers ? *state.answers : *state.pipeline;
  const FeedOptions feed{settings.base_url, settings.stream_max_length, settings.origin};
  state.incidents = std::make_unique<IncidentStore>(*state.pipeline, Keys(settings.key_prefix),
                                                    feed, settings.guard);
  state.incidents->set_list_budget(settings.list_budget);
  if (settings.page_refs) state.incidents->set_page_refs(settings.page_refs);
  state.incidents->set_list_pipeline(state.answers.get());
  state.incidents->set_commit_pipeline(state.writes.get());
  state.catalog =
      std::make_unique<CatalogStore>(others, Keys(settings.key_prefix), feed, settings.guard);
  state.catalog->set_write_pipeline(state.writes.get());
  // Endpoints are read and written over one connection (the replicas' when
  // writes wait for them), so an answer never shows an edit a failover loses.
  state.webhooks = std::make_unique<WebhookStore>(state.writes ? *state.writes : others,
                                                  Keys(settings.key_prefix));
  // With writes waiting for replicas, event streams read over that same
  // connection, whose answers replicas confirm too: a stream never sends an
  // entry a failover could take back (and its retry then send again).
  state.feed =
      std::make_unique<FeedStore>(state.writes ? *state.writes : others, Keys(settings.key_prefix));
  state.rates = std::make_unique<RateStore>(others, Keys(settings.key_prefix));
  state.notifier = std::move(notifier);
  state.settings = std::move(settings);
  auto post = in_actor(self);
  if (state.settings.stream_retention.count() > 0) self->send(self, trim_stream_atom::value);
  return {
      [=](trim_stream_atom) {
        auto& state = self->state;
        // A failed trim is tried again at the next round; said once, not every 5 s.
        trim_change_stream(
            state.answers ? *state.answers : *state.pipeline, Keys(state.settings.key_prefix),
            state.settings.stream_retention,
            [failing = state.trim_failing,
             metrics = state.settings.metrics](Result<StreamTrim> trimmed) {
              if (metrics && trimmed.ok())
                metrics->feed.stream_trimmed.add(static_cast<std::uint64_t>(trimmed->removed));
              if (metrics && !trimmed.ok()) metrics->feed.stream_trim_failures.add();
              if (trimmed.ok()) return void(failing->store(false));
              if (!failing->exchange(true))
                log_warning("the change stream could not be trimmed by age (" +
                            trimmed.error().message + "); trying again every 5 s");
            });
        self->delayed_send(self, kTrimInterval, trim_stream_atom::value);
      },
      [=](deliver_atom, const std::function<void()>& work) { work(); },
      // Incident actors: the answer goes straight from the I/O thread to
      // them, without a detour through this actor's mailbox.
      [=](load_atom, Id id, const caf::actor& reply_to, bool confirmed) {
        self->state.incidents->load(
            id,
            [reply_to](LoadResult result) {
              caf::anon_send(reply_to, loaded_atom::value, std::move(result));
            },
            confirmed);
      },
      [=](commit_atom, const std::vector<CommitRequest>& chain, const caf::actor& reply_to) {
        const CommitRequest& last = chain.back();
        Id id = last.after ? last.after->id : last.before->id;
        commit_chain(self, id, chain, [reply_to, id](CommitResult result) {
          caf::anon_send(reply_to, committed_atom::value, id, std::move(result));
        });
      },
      [=](reserve_ids_atom, Id count) {
        auto promise = self->make_response_promise<IdResult>();
        self->state.incidents->reserve_ids(count, [post, promise](IdResult result) mutable {
          post([promise, result]() mutable { promise.deliver(std::move(result)); });
        });
        return promise;
      },
      [=](list_atom, const ListCommand& command) {
        fill_page(*self->state.incidents, command.page, command.filter, command.renderer,
                  command.reply);
      },
      [=](catalog_atom, const CatalogCommand& command) { run_catalog(self->state, command); },
      [=](webhook_atom, const WebhookCommand& command) { run_webhook(self->state, command); },
      [=](rate_atom, const RateCommand& command) {
        self->state.rates->count(command.client, command.window_start, command.window_end,
                                 command.now, command.reply);
      },
      [=](feed_read_atom, const FeedReadCommand& command) {
        if (!command.after_id.empty())
          return self->state.feed->read_after(command.after_id, command.count, command.reply);
        self->state.feed->newest_id([reply = command.reply](Result<std::string> newest) {
          if (!newest) return reply(newest.error());
          reply(std::vector<FeedRecord>{FeedRecord{*newest, ""}});
        });
      },
      [=](ping_atom, const Reply<bool>& reply) {
        // Both connections must answer: each reconnects on its own after an
        // outage, and a health check that passed while one of them still
        // held a dead connection would invite requests that fail.
        std::vector<RedisPipeline*> connections{self->state.pipeline.get()};
        if (self->state.answers) connections.push_back(self->state.answers.get());
        // The writes connection is only nudged to reconnect: its PING may
        // queue behind a WAIT for replicas that are down, while reads, and
        // so this process, are healthy.
        if (self->state.writes) self->state.writes->submit({"PING"}, [](const RedisValue&) {});
        auto outcome = std::make_shared<PingOutcome>(connections.size(), reply);
        for (RedisPipeline* connection : connections)
          connection->submit(
              {"PING"}, [outcome](const RedisValue& value) { outcome->settle(!value.is_error()); });
      },
  };
}

}  // namespace

caf::actor spawn_storage(caf::actor_system& system, StorageSettings settings,
                         std::shared_ptr<RedisPipeline> connection, caf::actor notifier,
                         std::shared_ptr<RedisPipeline> answers,
                         std::shared_ptr<RedisPipeline> writes) {
  return system.spawn(storage_behavior, std::move(settings), std::move(connection),
                      std::move(notifier), std::move(answers), std::move(writes));
}

}  // namespace incident
