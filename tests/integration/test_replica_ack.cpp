// RedisPipeline with replicas and a moving primary, against real
// redis-servers: writes wait for replicas (WAIT) and are in doubt when they
// do not confirm; a replica's READONLY is a refusal nothing ran for; a new
// primary named by the locator is followed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include "storage/redis_pipeline.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

using std::chrono::milliseconds;

const Script kSetKey("return redis.call('SET', KEYS[1], ARGV[1])");
const Script kReadOnly("return redis.call('GET', KEYS[1])");
const Script kRefuse("return redis.error_reply('REFUSED on purpose')");

/// Runs a command through the pipeline and waits for its reply.
template <class Send>
RedisValue answer(Send send) {
  std::promise<RedisValue> replied;
  auto future = replied.get_future();
  send([&replied](const RedisValue& value) { replied.set_value(value); });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    throw std::runtime_error("no reply");
  return future.get();
}

/// A primary the test moves by hand, and what the pipeline told it.
class MovableLocator : public PrimaryLocator {
 public:
  explicit MovableLocator(RedisEndpoint primary) : primary_(std::move(primary)) {}
  using PrimaryLocator::primary;
  std::optional<RedisEndpoint> primary(std::uint64_t& generation) override {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = generation_;
    return primary_;
  }
  std::uint64_t generation() const override { return generation_; }
  void distrust(const RedisEndpoint& server) override {
    std::lock_guard<std::mutex> lock(mutex_);
    distrusted_.push_back(server.port);
  }
  bool verifies_role() const override { return verify_; }
  std::string describe() const override { return "test"; }

  void move_to(RedisEndpoint primary) {
    std::lock_guard<std::mutex> lock(mutex_);
    primary_ = std::move(primary);
    ++generation_;
  }
  std::vector<int> distrusted() {
    std::lock_guard<std::mutex> lock(mutex_);
    return distrusted_;
  }
  bool verify_ = false;

 private:
  std::mutex mutex_;
  RedisEndpoint primary_;
  std::atomic<std::uint64_t> generation_{1};
  std::vector<int> distrusted_;
};

/// The locator was told that `port` failed it (once or more), and of no other.
void expect_only_distrusted(MovableLocator& locator, int port) {
  std::vector<int> distrusted = locator.distrusted();
  EXPECT_FALSE(distrusted.empty());
  for (int each : distrusted) EXPECT_EQ(each, port);
}

/// A second redis-server replicating the suite's one.
class ReplicaAckTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    replica_ = std::make_unique<RedisServer>();
    const RedisEndpoint& primary = server_->endpoint();
    replica_->command({"REPLICAOF", primary.host, std::to_string(primary.port)});
    // No 5 s pause before the first full sync.
    server_->command({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});
    for (int i = 0; i < 600 && !linked(); ++i) std::this_thread::sleep_for(milliseconds(25));
    ASSERT_TRUE(linked()) << "the replica never linked";
  }
  void TearDown() override { replica_.reset(); }
  /// The primary counts the replica (which it does a little after the
  /// replica says its link is up).
  bool linked() { return server_->command({"WAIT", "1", "50"}).integer == 1; }
  /// Long enough for a busy machine's replica, when it is to confirm.
  ReplicaAck one_replica(milliseconds timeout = milliseconds(5000)) {
    return ReplicaAck{1, timeout, "test:marker"};
  }

  std::unique_ptr<RedisServer> replica_;
};

TEST_F(ReplicaAckTest, AWriteConfirmedByItsReplicaIsAnsweredAsIs) {
  RedisPipeline pipeline(std::make_shared<FixedLocator>(server_->endpoint()), milliseconds(1000),
                         {}, {}, one_replica());
  RedisValue set = answer(
      [&](RedisCallback done) { pipeline.eval(kSetKey, {"test:key"}, {"kept"}, std::move(done)); });
  EXPECT_FALSE(set.io_failure) << set.str;
  EXPECT_EQ(set.str, "OK");
  EXPECT_EQ(replica_->command({"GET", "test:key"}).str, "kept");
  // A script that wrote nothing is confirmed too: the marker written before
  // the WAIT makes it cover what the script read.
  RedisValue read = answer(
      [&](RedisCallback done) { pipeline.eval(kReadOnly, {"test:key"}, {}, std::move(done)); });
  EXPECT_EQ(read.str, "kept");
  EXPECT_FALSE(read.io_failure);
  // Once per WAIT (a script Redis did not know yet takes one more batch).
  EXPECT_GE(std::atoll(server_->command({"GET", "test:marker"}).str.c_str()), 2);
}

TEST_F(ReplicaAckTest, WithTheReplicaStoppedWritesAreInDoubtAndRefusalsAreAnsweredAsIs) {
  RedisPipeline pipeline(std::make_shared<FixedLocator>(server_->endpoint()), milliseconds(1000),
                         {}, {}, one_replica(milliseconds(300)));
  replica_->stall();
  std::promise<RedisValue> written, refused;
  pipeline.eval(kSetKey, {"test:key"}, {"unconfirmed"},
                [&](const RedisValue& value) { written.set_value(value); });
  pipeline.eval(kRefuse, {}, {}, [&](const RedisValue& value) { refused.set_value(value); });
  RedisValue write = written.get_future().get(), error = refused.get_future().get();
  replica_->resume();
  // The primary has it, the replica did not say so: in doubt, never a success.
  EXPECT_TRUE(write.io_failure);
  EXPECT_FALSE(write.not_sent);
  EXPECT_EQ(server_->command({"GET", "test:key"}).str, "unconfirmed");
  // A refusal is a refusal, replicated or not.
  EXPECT_TRUE(error.is_error());
  EXPECT_FALSE(error.io_failure);
  EXPECT_NE(error.str.find("REFUSED on purpose"), std::string::npos);
}

TEST_F(ReplicaAckTest, AReplicaRefusingAWriteIsDistrustedAndTheWriteDidNotRun) {
  auto locator = std::make_shared<MovableLocator>(replica_->endpoint());
  RedisPipeline pipeline(locator, milliseconds(1000));
  RedisValue write = answer([&](RedisCallback done) {
    pipeline.eval(kSetKey, {"test:key"}, {"refused"}, std::move(done));
  });
  EXPECT_TRUE(write.io_failure);
  EXPECT_TRUE(write.not_sent) << "a READONLY refusal is safe to retry";
  expect_only_distrusted(*locator, replica_->endpoint().port);
  EXPECT_EQ(server_->command({"EXISTS", "test:key"}).integer, 0);
}

TEST_F(ReplicaAckTest, AConnectionThatFindsAReplicaWhereThePrimaryWasIsNotUsed) {
  auto locator = std::make_shared<MovableLocator>(replica_->endpoint());
  locator->verify_ = true;
  RedisPipeline pipeline(locator, milliseconds(1000));
  RedisValue ping = answer([&](RedisCallback done) { pipeline.submit({"PING"}, done); });
  EXPECT_TRUE(ping.io_failure);
  EXPECT_TRUE(ping.not_sent);
  expect_only_distrusted(*locator, replica_->endpoint().port);
}

TEST_F(ReplicaAckTest, ANewPrimaryNamedByTheLocatorIsFollowed) {
  server_->command({"SET", "test:where", "first"});
  auto other = std::make_unique<RedisServer>();
  other->command({"SET", "test:where", "second"});
  auto locator = std::make_shared<MovableLocator>(server_->endpoint());
  RedisPipeline pipeline(locator, milliseconds(1000));
  auto where = [&] {
    return answer([&](RedisCallback done) { pipeline.submit({"GET", "test:where"}, done); }).str;
  };
  EXPECT_EQ(where(), "first");
  locator->move_to(other->endpoint());
  EXPECT_EQ(where(), "second");  // the open connection was left for the new primary
  pipeline.stop();
}

}  // namespace
}  // namespace incident::testing
