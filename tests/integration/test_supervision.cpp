// Supervision of the singleton actors against a real redis-server: killing any
// one of them is reported (so the process stops with a failure status) and
// fails the health check; a deliberate stop is not reported; an incident actor
// whose storage never answers gives up within its bound instead of waiting forever.
#include <caf/all.hpp>
#include <future>
#include <mutex>

#include "actors/catalog_actor.hpp"
#include "actors/feed_hub_actor.hpp"
#include "actors/messages.hpp"
#include "actors/notifier_actor.hpp"
#include "actors/registry_actor.hpp"
#include "actors/reply_runner_actor.hpp"
#include "actors/supervisor_actor.hpp"
#include "storage/storage_actor.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kHealthBound{500};

/// What the supervisor reported, waited for from the test's thread.
class EndReports {
 public:
  UnexpectedEnd callback() {
    return [this](const std::string& name, const std::string&) {
      std::lock_guard<std::mutex> lock(mutex_);
      names_.push_back(name);
      changed_.notify_all();
    };
  }
  /// The names reported once `count` arrived or `limit` passed.
  std::vector<std::string> wait_for(std::size_t count, milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, limit, [&] { return names_.size() >= count; });
    return names_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> names_;
};

/// A whole process's singletons under one supervisor.
struct Singletons {
  Singletons(caf::actor_system& system, const RedisEndpoint& endpoint, EndReports& reports) {
    auto connection = std::make_shared<RedisPipeline>(endpoint, milliseconds(1000));
    caf::actor replies = spawn_reply_runner(system);
    auto answers = std::make_shared<RedisPipeline>(endpoint, milliseconds(1000), ConnectCheck{},
                                                   run_replies_in(replies));
    named.push_back({"notifier", spawn_notifier(system, connection)});
    named.push_back(
        {"storage",
         spawn_storage(system,
                       StorageSettings{"pm", "", 1000, "test", nullptr, kDefaultListBudget,
                                       std::chrono::seconds(0), nullptr, nullptr},
                       connection, named[0].actor, answers)});
    named.push_back({"reply runner", replies});
    caf::actor storage = named[1].actor;
    named.push_back({"registry", spawn_registry(system, storage, ActorLimits{})});
    named.push_back({"catalog", spawn_catalog(system, storage)});
    named.push_back({"feed hub", spawn_feed_hub(system, storage, std::chrono::seconds(15))});
    supervisor = spawn_supervisor(system, named, reports.callback(), kHealthBound);
  }
  ~Singletons() {
    caf::anon_send(supervisor, stop_atom::value);
    for (const auto& each : named) caf::anon_send_exit(each.actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  }
  Result<bool> health() {
    return await_result<Result<bool>>(
        [&](auto done) { caf::anon_send(supervisor, ping_atom::value, Reply<bool>(done)); });
  }
  std::vector<WatchedActor> named;
  caf::actor supervisor;
};

class SupervisionTest : public StoreTest {
 protected:
  caf::actor_system_config config_;
  caf::actor_system system_{config_};
};

TEST_F(SupervisionTest, EverySingletonThatDiesIsReportedAndFailsTheHealthCheck) {
  for (const char* victim :
       {"storage", "notifier", "registry", "catalog", "feed hub", "reply runner"}) {
    EndReports reports;
    Singletons process(system_, server_->endpoint(), reports);
    ASSERT_TRUE(process.health().ok()) << "before killing the " << victim;
    for (const auto& each : process.named)
      if (each.name == victim) caf::anon_send_exit(each.actor, caf::exit_reason::kill);
    auto reported = reports.wait_for(1, milliseconds(5000));
    ASSERT_EQ(reported.size(), 1u) << "the " << victim << " died unnoticed";
    EXPECT_EQ(reported[0], victim);
    auto started = std::chrono::steady_clock::now();
    auto health = process.health();
    EXPECT_FALSE(health.ok()) << "health still passes without the " << victim;
    EXPECT_LT(std::chrono::steady_clock::now() - started, kHealthBound * 4);
  }
}

TEST_F(SupervisionTest, ADeliberateStopIsNotReported) {
  EndReports reports;
  {
    Singletons process(system_, server_->endpoint(), reports);
    ASSERT_TRUE(process.health().ok());
  }
  EXPECT_TRUE(reports.wait_for(1, milliseconds(500)).empty());
}

/// A storage that loads `stored` but stalls on a commit: it answers it (as
/// committed) only after `stall`, and, like the real one, answers everything
/// in the order it was sent, so loads sent meanwhile wait behind it.
struct StallingStorage {
  Incident stored;
  bool stalled = false;
  std::vector<std::pair<caf::actor, Id>> waiting_loads;
};

caf::behavior stalling_storage(caf::stateful_actor<StallingStorage>* self, Incident stored,
                               milliseconds stall) {
  self->state.stored = std::move(stored);
  auto answer_load = [=](const caf::actor& to) {
    caf::anon_send(to, loaded_atom::value, LoadResult{std::optional<Incident>{self->state.stored}});
  };
  return {
      [=](load_atom, Id id, const caf::actor& reply_to, bool) {
        if (self->state.stalled) {
          self->state.waiting_loads.emplace_back(reply_to, id);
        } else {
          answer_load(reply_to);
        }
      },
      [=](commit_atom, const std::vector<CommitRequest>& chain, const caf::actor& reply_to) {
        self->state.stalled = true;
        self->delayed_send(self, stall, reply_to, chain.back().after->version);
      },
      [=](const caf::actor& reply_to, std::int64_t version) {  // the stall is over
        CommitOutcome outcome;
        outcome.status = CommitOutcome::Status::committed;
        caf::anon_send(reply_to, committed_atom::value, self->state.stored.id,
                       CommitResult{outcome});
        self->state.stored.version = version;  // it was kept after all
        self->state.stalled = false;
        for (const auto& [to, id] : self->state.waiting_loads) answer_load(to);
        self->state.waiting_loads.clear();
      },
  };
}

/// A registry whose storage stalls every commit for `stall`; both end with it.
struct OverStallingStorage {
  OverStallingStorage(caf::actor_system& system, const Incident& stored, milliseconds stall,
                      const ActorLimits& limits)
      : storage(system.spawn(stalling_storage, stored, stall)),
        registry(spawn_registry(system, storage, limits)) {}
  ~OverStallingStorage() {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  }
  caf::actor storage, registry;
};

TEST_F(SupervisionTest, ACommitAnsweredTooLateIs503AndItsLateAnswerReachesNoOne) {
  create_scope_and_service();
  Incident stored = create("Commit acknowledged late");
  // Given up on at the first sweep (every quarter bound) past its bound: by
  // 1.25 s. The stall outlasts that, and ends before the next load, taking off
  // 1 s in at the earliest, can be given up on (2 s in at the earliest).
  ActorLimits limits;
  limits.flight_bound = milliseconds(1000);
  OverStallingStorage stalled(system_, stored, milliseconds(1700), limits);
  const caf::actor& registry = stalled.registry;
  auto started = std::chrono::steady_clock::now();
  auto comment = await_result<Result<Incident>>([&](auto done) {
    caf::anon_send(registry, comment_atom::value, stored.id,
                   CommentCommand{CommentRequest{"lost on the way", false}, std::nullopt, done});
  });
  ASSERT_FALSE(comment.ok());
  EXPECT_EQ(comment.error().kind, ErrorKind::unavailable);
  EXPECT_NE(comment.error().message.find("may or may not"), std::string::npos)
      << comment.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1650));
  // The actor dropped its cache: the read loads again, behind the stalled
  // commit, whose late "committed" must not be taken for the load's answer.
  auto read = await_result<Result<Incident>>(
      [&](auto done) { caf::anon_send(registry, get_atom::value, stored.id, GetCommand{done}); });
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->version, stored.version + 1) << "the write was kept after all, and is shown";
}

TEST_F(SupervisionTest, RequestsPastTheBoundOfOneIncidentAre503AtOnce) {
  create_scope_and_service();
  Incident stored = create("Hot incident");
  ActorLimits limits;
  limits.flight_bound = milliseconds(20000);
  limits.max_waiting = 8;
  OverStallingStorage stalled(system_, stored, milliseconds(3000), limits);
  const caf::actor& registry = stalled.registry;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Result<Incident>> answers;
  Reply<Incident> collect = [&](Result<Incident> result) {
    std::lock_guard<std::mutex> lock(mutex);
    answers.push_back(std::move(result));
    changed.notify_all();
  };
  constexpr int kComments = 20;
  for (int n = 0; n < kComments; ++n)
    caf::anon_send(
        registry, comment_atom::value, stored.id,
        CommentCommand{CommentRequest{"note " + std::to_string(n), false}, std::nullopt, collect});
  // The first commit stalls with one write; seven more wait; the other twelve
  // are refused long before the stall ends.
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, milliseconds(2000), [&] { return answers.size() >= 12; }))
        << answers.size() << " answered before the stall ended";
    EXPECT_EQ(answers.size(), 12u);
    for (const auto& answer : answers) {
      ASSERT_FALSE(answer.ok());
      EXPECT_EQ(answer.error().kind, ErrorKind::unavailable);
      EXPECT_EQ(answer.error().message, "Server busy");
      EXPECT_EQ(answer.error().reasons.count("request"), 1u);
    }
    ASSERT_TRUE(
        changed.wait_for(lock, milliseconds(10000), [&] { return answers.size() == kComments; }));
    for (std::size_t i = 12; i < answers.size(); ++i)
      EXPECT_TRUE(answers[i].ok()) << "write " << i << " waited within the bound";
  }
}

}  // namespace
}  // namespace incident::testing
