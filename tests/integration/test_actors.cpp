// The actor pipeline (registry -> incident actor -> storage actor) against a
// real redis-server: concurrent writes to one incident are serialized and all
// kept, and a change made by another process is merged, never overwritten.
#include <caf/all.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "actors/messages.hpp"
#include "actors/notifier_actor.hpp"
#include "actors/ready_incidents.hpp"
#include "actors/registry_actor.hpp"
#include "storage/storage_actor.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

/// One server process's worth of actors.
struct Process {
  Process(caf::actor_system& system, const RedisEndpoint& endpoint, ActorLimits limits = {}) {
    auto connection = std::make_shared<RedisPipeline>(endpoint, std::chrono::milliseconds(2000));
    notifier = spawn_notifier(system, connection);
    static int processes = 0;  // each its own origin, as separate processes have
    storage = spawn_storage(
        system,
        StorageSettings{"pm", "", 1000000, "process-" + std::to_string(++processes), nullptr,
                        kDefaultListBudget, std::chrono::seconds(0), nullptr, nullptr},
        connection, notifier);
    registry = spawn_registry(system, storage, limits);
  }
  ~Process() {
    for (const auto& actor : {registry, storage, notifier})
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }
  caf::actor notifier, storage, registry;
};

class ActorsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    create_scope_and_service();
  }

  Result<Incident> create_via(const Process& process, const std::string& name) {
    return await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, create_atom::value,
                     CreateCommand{CreateRequest{name, {}, {}, {}, Severity::high, 1, 1, {}},
                                   std::nullopt, done});
    });
  }

  Result<Incident> update_via(const Process& process, Id id, UpdateRequest request) {
    return await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, update_atom::value, id,
                     UpdateCommand{request, std::nullopt, done});
    });
  }

  static UpdateRequest rename_to(const Incident& current, const std::string& name,
                                 Severity severity) {
    UpdateRequest request;
    request.name = name;
    request.severity = severity;
    request.status = current.status;
    request.scope = current.scope;
    request.service = current.service;
    return request;
  }

  caf::actor_system_config config_;
  caf::actor_system system_{config_};
};

TEST_F(ActorsTest, TheStorageActorTrimsTheStreamByAgeAndCountsWhatWent) {
  redis({"CONFIG", "SET", "stream-node-max-entries", "1"});  // the approximate trim is exact
  redis({"DEL", keys_.change_stream()});  // the scope and service made by SetUp are newer
  long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  for (long long ms : {now - 7200'000, now - 3700'000, now - 10'000})
    redis({"XADD", keys_.change_stream(), std::to_string(ms) + "-0", "data", "{}"});
  auto metrics = std::make_shared<metrics::Metrics>(std::vector<std::string>{}, "test");
  StorageSettings settings{
      "pm",    "",     1000000, "trimmer", nullptr, kDefaultListBudget, std::chrono::seconds(0),
      nullptr, nullptr};
  settings.stream_retention = std::chrono::seconds(3600);
  settings.metrics = metrics;
  auto connection = std::make_shared<RedisPipeline>(server_->endpoint(), std::chrono::seconds(2));
  auto notifier = spawn_notifier(system_, connection);
  auto storage = spawn_storage(system_, settings, connection, notifier);
  // The first trim runs as the actor starts.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (metrics->feed.stream_trimmed.value() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(metrics->feed.stream_trimmed.value(), 2u);
  EXPECT_EQ(metrics->feed.stream_trim_failures.value(), 0u);
  EXPECT_EQ(redis({"XLEN", keys_.change_stream()}).integer, 1);
  for (const auto& actor : {storage, notifier})
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  redis({"CONFIG", "SET", "stream-node-max-entries", "100"});
}

TEST_F(ActorsTest, ConcurrentCommentsOnOneIncidentAreAllKept) {
  Process process(system_, server_->endpoint());
  auto created = create_via(process, "Hot incident");
  ASSERT_TRUE(created.ok());
  constexpr int kComments = 60;
  std::vector<std::future<Result<Incident>>> replies;
  for (int i = 0; i < kComments; ++i) {
    auto promise = std::make_shared<std::promise<Result<Incident>>>();
    replies.push_back(promise->get_future());
    caf::anon_send(
        process.registry, comment_atom::value, created->id,
        CommentCommand{CommentRequest{"comment " + std::to_string(i), i % 2 == 0}, std::nullopt,
                       [promise](Result<Incident> r) { promise->set_value(r); }});
  }
  for (auto& reply : replies) ASSERT_TRUE(reply.get().ok());
  auto stored = load(created->id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->version, 1 + kComments);
  EXPECT_EQ(stored->events.size(), 1u + kComments);
}

TEST_F(ActorsTest, AChangeByAnotherProcessIsMergedNotOverwritten) {
  Process a(system_, server_->endpoint());
  Process b(system_, server_->endpoint());
  auto created = create_via(a, "Shared incident");
  ASSERT_TRUE(created.ok());
  // Process B renames; process A still caches version 1 and changes severity.
  ASSERT_TRUE(update_via(b, created->id, rename_to(*created, "Renamed by B", Severity::high)).ok());
  auto ours = update_via(a, created->id, rename_to(*created, "Renamed by B", Severity::critical));
  ASSERT_TRUE(ours.ok());
  auto stored = load(created->id);
  EXPECT_EQ(stored->name, "Renamed by B");
  EXPECT_EQ(stored->severity, Severity::critical);
  EXPECT_EQ(stored->version, 3);
  EXPECT_EQ(stored->events.size(), 3u);
}

TEST_F(ActorsTest, IfMatchIsJudgedOnTheStoredVersionNotAStaleCache) {
  Process a(system_, server_->endpoint());
  Process b(system_, server_->endpoint());
  auto created = create_via(a, "Conditional across processes");
  ASSERT_TRUE(update_via(b, created->id, rename_to(*created, "Changed by B", Severity::high)).ok());
  // A still caches version 1; the client rightly believes version 2 is current.
  auto ours = await_result<Result<Incident>>([&](auto done) {
    caf::anon_send(a.registry, update_atom::value, created->id,
                   UpdateCommand{rename_to(*created, "Changed by B", Severity::low), 2, done});
  });
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  EXPECT_EQ(ours->version, 3);
}

TEST_F(ActorsTest, IfMatchIsCheckedAgainstTheStoredVersion) {
  Process process(system_, server_->endpoint());
  auto created = create_via(process, "Conditional incident");
  auto refused = await_result<Result<Incident>>([&](auto done) {
    caf::anon_send(process.registry, update_atom::value, created->id,
                   UpdateCommand{rename_to(*created, "Never applied", Severity::low), 7, done});
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::precondition_failed);
  EXPECT_EQ(load(created->id)->name, "Conditional incident");
}

/// Waits (bounded) until at most `expected` actors run; returns the last count.
std::size_t wait_for_running(caf::actor_system& system, std::size_t expected) {
  for (int attempt = 0; attempt < 200 && system.registry().running() > expected; ++attempt)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  return system.registry().running();
}

TEST_F(ActorsTest, TheIncidentActorCacheIsBoundedAndEvictedIncidentsStillAnswer) {
  Process process(system_, server_->endpoint(), ActorLimits{5, std::chrono::seconds(300)});
  std::size_t baseline = system_.registry().running();
  std::vector<Id> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(create_via(process, "Cached " + std::to_string(i))->id);
  for (Id id : ids) {
    auto read = await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, get_atom::value, id, GetCommand{done});
    });
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->id, id);
  }
  EXPECT_LE(wait_for_running(system_, baseline + 5), baseline + 5);
}

TEST_F(ActorsTest, TheCacheIsBoundedInBytesAndRetiresTheLeastRecentlyUsed) {
  ActorLimits limits;
  limits.capacity = 100;             // never reached here: the bytes bind first
  limits.cache_bytes = 1024 * 1024;  // a long history is about 600 KB cached
  Process process(system_, server_->endpoint(), limits);
  std::size_t baseline = system_.registry().running();
  const std::string long_note(300000, 'n');
  std::vector<Id> ids;
  for (int i = 0; i < 12; ++i) {
    Id id = create_via(process, "Long history " + std::to_string(i))->id;
    auto commented = await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, comment_atom::value, id,
                     CommentCommand{CommentRequest{long_note, false}, std::nullopt, done});
    });
    ASSERT_TRUE(commented.ok()) << commented.error().message;
    ids.push_back(id);
  }
  for (Id id : ids) {
    auto read = await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, get_atom::value, id, GetCommand{done});
    });
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->id, id);
    EXPECT_EQ(read->events.front().content, long_note);
  }
  // Twelve would be cached by count; by bytes, the one read last and at most
  // two before it (each route retires one while the total is over budget).
  EXPECT_LE(wait_for_running(system_, baseline + 3), baseline + 3);
}

TEST_F(ActorsTest, AnActorHandedAnotherIncidentFinishesItsOwnFirstAndMixesNothingUp) {
  // Two actors for six incidents: actors are handed new incidents all the
  // time, mostly while their previous incident's commits are in flight.
  Process process(system_, server_->endpoint(), ActorLimits{2, std::chrono::seconds(300)});
  std::size_t baseline = system_.registry().running();
  std::vector<Id> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(create_via(process, "Shared actor " + std::to_string(i))->id);
  constexpr int kComments = 600;
  std::mutex mutex;
  std::condition_variable all_answered;
  int answered = 0;
  std::map<Id, int> acknowledged;
  std::vector<std::string> mix_ups;
  for (int n = 0; n < kComments; ++n) {
    Id id = ids[(n * 7 + n / 6) % ids.size()];
    std::string words = "note " + std::to_string(n) + " for " + std::to_string(id);
    Reply<Incident> done = [&, id, words](Result<Incident> result) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!result || result->id != id || result->events.front().content != words)
        mix_ups.push_back(words + ": " + (result ? std::to_string(result->id) : "error"));
      else
        ++acknowledged[id];
      if (++answered == kComments) all_answered.notify_one();
    };
    if (n % 5 == 4) {  // reads in between, answered by whichever actor holds the incident
      caf::anon_send(process.registry, get_atom::value, id, GetCommand{[&, id](Result<Incident> r) {
                       std::lock_guard<std::mutex> lock(mutex);
                       if (!r || r->id != id) mix_ups.push_back("read of " + std::to_string(id));
                       if (++answered == kComments) all_answered.notify_one();
                     }});
      continue;
    }
    caf::anon_send(process.registry, comment_atom::value, id,
                   CommentCommand{CommentRequest{words, false}, std::nullopt, done});
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(all_answered.wait_for(lock, std::chrono::seconds(30),
                                      [&] { return answered == kComments; }));
  }
  EXPECT_TRUE(mix_ups.empty()) << mix_ups.size() << " mixed up, first: " << mix_ups.front();
  for (Id id : ids) {
    auto stored = load(id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->version, 1 + acknowledged[id]) << "incident " << id;
    EXPECT_EQ(stored->events.size(), static_cast<std::size_t>(1 + acknowledged[id]));
  }
  EXPECT_LE(wait_for_running(system_, baseline + 2), baseline + 2);
}

TEST_F(ActorsTest, AnUpdateHandedOverWithItsIncidentIsRefusedAsAnUpdate) {
  // One actor for two incidents: the update of the evicted one travels with
  // the rebind, and is still refused in the update's own words.
  Process process(system_, server_->endpoint(), ActorLimits{1, std::chrono::seconds(300)});
  auto first = create_via(process, "Evicted");
  auto second = create_via(process, "Cached");
  ASSERT_TRUE(first.ok() && second.ok());
  UpdateRequest to_unknown_scope = rename_to(*first, "Moved", Severity::low);
  to_unknown_scope.scope = 999;
  auto refused = update_via(process, first->id, to_unknown_scope);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::invalid);
  EXPECT_EQ(refused.error().message, "Incident update failed");
  EXPECT_EQ(refused.error().reasons.at("scope"), std::vector<std::string>{"Scope not found."});
  auto renamed = update_via(process, second->id, rename_to(*second, "Renamed", Severity::low));
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->id, second->id);
  EXPECT_EQ(renamed->name, "Renamed");
  EXPECT_EQ(load(first->id)->name, "Evicted");
}

TEST_F(ActorsTest, IdleIncidentActorsAreRetiredAndComeBackOnDemand) {
  Process process(system_, server_->endpoint(), ActorLimits{100, std::chrono::seconds(1)});
  std::size_t baseline = system_.registry().running();
  auto created = create_via(process, "Soon idle");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(wait_for_running(system_, baseline), baseline);
  auto renamed = update_via(process, created->id, rename_to(*created, "Back again", Severity::low));
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->version, 2);
}

TEST_F(ActorsTest, AnUnknownIncidentIsNotFound) {
  Process process(system_, server_->endpoint());
  auto missing = await_result<Result<Incident>>([&](auto done) {
    caf::anon_send(process.registry, get_atom::value, Id{4242}, GetCommand{done});
  });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

/// Waits (bounded) until `ready` shows `id` at `version` (0: shows nothing);
/// returns the version shown last (0: none).
std::int64_t wait_for_shown(const ReadyIncidents& ready, Id id, std::int64_t version) {
  std::int64_t shown = 0;
  for (int attempt = 0; attempt < 400; ++attempt) {
    auto found = ready.find(id);
    shown = found ? found->version : 0;
    if (shown == version) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return shown;
}

ActorLimits showing_in(const std::shared_ptr<ReadyIncidents>& ready, std::size_t capacity = 100) {
  ActorLimits limits;
  limits.capacity = capacity;
  limits.ready = ready;
  return limits;
}

class ReadyIncidentsTest : public ActorsTest {
 protected:
  Result<Incident> get_via(const Process& process, Id id) {
    return await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, get_atom::value, id, GetCommand{done});
    });
  }
  /// Creates an incident through `process` and reads it once, so that its
  /// actor shows it in `ready` (call inside ASSERT_NO_FATAL_FAILURE).
  void create_shown(const Process& process, const ReadyIncidents& ready, const std::string& name,
                    Incident& created) {
    auto result = create_via(process, name);
    ASSERT_TRUE(result.ok());
    created = *result;
    ASSERT_TRUE(get_via(process, created.id).ok());
    ASSERT_EQ(wait_for_shown(ready, created.id, 1), 1);
  }
  /// Sends a comment now; its answer comes later.
  std::future<Result<Incident>> comment_later(const Process& process, Id id,
                                              const std::string& text) {
    auto answered = std::make_shared<std::promise<Result<Incident>>>();
    caf::anon_send(process.registry, comment_atom::value, id,
                   CommentCommand{CommentRequest{text, false}, std::nullopt,
                                  [answered](Result<Incident> r) { answered->set_value(r); }});
    return answered->get_future();
  }
  Result<Incident> comment_via(const Process& process, Id id, const std::string& text) {
    return await_result<Result<Incident>>([&](auto done) {
      caf::anon_send(process.registry, comment_atom::value, id,
                     CommentCommand{CommentRequest{text, false}, std::nullopt, done});
    });
  }
};

TEST_F(ReadyIncidentsTest, AReaderNeverSeesAVersionOlderThanOneAcknowledged) {
  auto ready = std::make_shared<ReadyIncidents>();
  Process process(system_, server_->endpoint(), showing_in(ready));
  auto created = create_via(process, "Shown while idle");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(ready->find(created->id), nullptr);  // not read yet: not shown
  ASSERT_TRUE(get_via(process, created->id).ok());
  EXPECT_EQ(wait_for_shown(*ready, created->id, 1), 1);
  // A reader (an HTTP thread) looks all the time while comments are
  // acknowledged one after the other: what it finds is never older than the
  // last acknowledged when it looked.
  std::atomic<std::int64_t> acknowledged{1};
  std::atomic<bool> done{false}, stale{false};
  std::atomic<int> found{0};
  std::thread reader([&] {
    while (!done) {
      std::int64_t floor = acknowledged.load();
      if (auto shown = ready->find(created->id)) {
        ++found;
        if (shown->version < floor) stale = true;
      }
    }
  });
  for (int i = 0; i < 40; ++i) {
    auto commented = comment_via(process, created->id, "comment " + std::to_string(i));
    ASSERT_TRUE(commented.ok());
    acknowledged = commented->version;
    if (i % 4 == 0) {
      ASSERT_TRUE(get_via(process, created->id).ok());
    }
  }
  ASSERT_TRUE(get_via(process, created->id).ok());
  EXPECT_EQ(wait_for_shown(*ready, created->id, 41), 41);
  done = true;
  reader.join();
  EXPECT_FALSE(stale.load());
  EXPECT_GT(found.load(), 0);
}

TEST_F(ReadyIncidentsTest, NothingIsShownWhileACommitIsInFlight) {
  auto ready = std::make_shared<ReadyIncidents>();
  Process process(system_, server_->endpoint(), showing_in(ready));
  Incident created;
  ASSERT_NO_FATAL_FAILURE(create_shown(process, *ready, "Commented while paused", created));
  // Redis holds writes for a while: the comment's commit stays in flight.
  redis({"CLIENT", "PAUSE", "1000", "WRITE"});  // within the pipeline's 2 s timeout
  auto answer = comment_later(process, created.id, "while paused");
  // Once Redis runs it, the change may be read from the stream before the
  // actor hears back: version 1 must not be shown from the moment it is sent.
  EXPECT_EQ(wait_for_shown(*ready, created.id, 0), 0);
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto commented = answer.get();
  ASSERT_TRUE(commented.ok());
  EXPECT_EQ(commented->version, 2);
  // Shown again once read again (an incident only written is never shown;
  // the actor answers a commit before it looks at what it shows).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ready->find(created.id), nullptr);
  ASSERT_TRUE(get_via(process, created.id).ok());
  EXPECT_EQ(wait_for_shown(*ready, created.id, 2), 2);
}

TEST_F(ReadyIncidentsTest, ADeletedIncidentIsNoLongerShownOnceTheDeleteIsAcknowledged) {
  auto ready = std::make_shared<ReadyIncidents>();
  Process process(system_, server_->endpoint(), showing_in(ready));
  Incident created;
  ASSERT_NO_FATAL_FAILURE(create_shown(process, *ready, "Soon deleted", created));
  auto deleted = await_result<Result<Incident>>([&](auto done) {
    caf::anon_send(process.registry, delete_atom::value, created.id,
                   DeleteCommand{std::nullopt, done});
  });
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(ready->find(created.id), nullptr);
  EXPECT_FALSE(get_via(process, created.id).ok());
  EXPECT_EQ(ready->find(created.id), nullptr);
}

TEST_F(ReadyIncidentsTest, AChangeByAnotherProcessTakesTheShownVersionBack) {
  auto ready_a = std::make_shared<ReadyIncidents>();
  Process a(system_, server_->endpoint(), showing_in(ready_a));
  Process b(system_, server_->endpoint());
  Incident created;
  ASSERT_NO_FATAL_FAILURE(create_shown(a, *ready_a, "Changed elsewhere", created));
  ASSERT_TRUE(update_via(b, created.id, rename_to(created, "Renamed by B", Severity::low)).ok());
  // A's feed follower notes the change before it tells A's actors, and A's
  // actor, still holding version 1, cannot show it again meanwhile.
  ready_a->note_committed(created.id, 2);
  EXPECT_EQ(ready_a->find(created.id), nullptr);
  // A change it already holds makes the actor look again at what it shows,
  // and version 1 is not shown again.
  caf::anon_send(a.registry, feed_atom::value,
                 std::vector<FeedEntry>{FeedEntry{"0-0", "incident.created", created.id, 1}});
  auto stale = get_via(a, created.id);  // behind the feed message: answered from the actor
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->version, 1);
  EXPECT_EQ(ready_a->find(created.id), nullptr);
  caf::anon_send(a.registry, feed_atom::value,
                 std::vector<FeedEntry>{FeedEntry{"0-1", "incident.updated", created.id, 2}});
  // The actor drops version 1; the next read loads version 2 and shows it.
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto read = get_via(a, created.id);
    ASSERT_TRUE(read.ok());
    if (read->version == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(wait_for_shown(*ready_a, created.id, 2), 2);
  EXPECT_EQ(ready_a->find(created.id)->name, "Renamed by B");
}

TEST_F(ReadyIncidentsTest, AnIncidentEvictedOrForgottenIsNoLongerShown) {
  auto ready = std::make_shared<ReadyIncidents>();
  Process process(system_, server_->endpoint(), showing_in(ready, 1));
  auto first = create_via(process, "First");
  auto second = create_via(process, "Second");
  ASSERT_TRUE(get_via(process, first->id).ok());
  ASSERT_EQ(wait_for_shown(*ready, first->id, 1), 1);
  // One actor in all: the second incident's read takes it from the first.
  ASSERT_TRUE(get_via(process, second->id).ok());
  EXPECT_EQ(wait_for_shown(*ready, second->id, 1), 1);
  EXPECT_EQ(ready->find(first->id), nullptr);
  // A failover or an emptied Redis while a commit is in flight: what the
  // commit stored (in the old data set) is not shown after it.
  redis({"CLIENT", "PAUSE", "1000", "WRITE"});
  auto answer = comment_later(process, second->id, "across a failover");
  EXPECT_EQ(wait_for_shown(*ready, second->id, 0), 0);  // the commit left
  ready->clear();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  ASSERT_TRUE(answer.get().ok());
  // Read again: the actor would show what the commit stored, read before the clear.
  ASSERT_TRUE(get_via(process, second->id).ok());
  ASSERT_TRUE(get_via(process, second->id).ok());
  EXPECT_EQ(ready->find(second->id), nullptr);
  caf::anon_send(process.registry, forget_all_atom::value);
  ASSERT_TRUE(get_via(process, first->id).ok());
  EXPECT_EQ(wait_for_shown(*ready, first->id, 1), 1);
  EXPECT_EQ(ready->size(), 1u);
}

}  // namespace
}  // namespace incident::testing
