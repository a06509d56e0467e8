// RedisPipeline against a real redis-server: replies handed to an executor
// run there and never after stop(); a stalled Redis cannot make its queue
// grow past the bound.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "storage/redis_pipeline.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

using std::chrono::milliseconds;

/// A thread of its own that runs what it is handed, in order, like the
/// reply-runner actor.
class WorkThread {
 public:
  WorkThread() : thread_([this] { run(); }) {}
  ~WorkThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ReplyExecutor executor() {
    return [this](std::function<void()> work) {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(work));
      wake_.notify_all();
    };
  }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto work = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      work();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

class RedisPipelineTest : public StoreTest {};

TEST_F(RedisPipelineTest, RepliesHandedToAnExecutorRunThereWithTheirValues) {
  WorkThread runner;
  RedisPipeline pipeline(server_->endpoint(), milliseconds(2000), {}, runner.executor());
  std::promise<std::pair<std::thread::id, std::string>> ran;
  pipeline.submit({"ECHO", "rendered elsewhere"}, [&](const RedisValue& value) {
    ran.set_value({std::this_thread::get_id(), value.str});
  });
  auto [thread, text] = ran.get_future().get();
  EXPECT_EQ(thread, runner.id());
  EXPECT_EQ(text, "rendered elsewhere");
  pipeline.stop();
}

TEST_F(RedisPipelineTest, NoCallbackRunsOnceStopReturned) {
  WorkThread runner;
  std::atomic<bool> stopped{false};
  std::atomic<int> after_stop{0};
  {
    RedisPipeline pipeline(server_->endpoint(), milliseconds(2000), {}, runner.executor());
    // The runner is kept busy so that replies wait in it when stop() comes.
    pipeline.submit({"PING"},
                    [](const RedisValue&) { std::this_thread::sleep_for(milliseconds(300)); });
    for (int i = 0; i < 100; ++i)
      pipeline.submit({"PING"}, [&](const RedisValue&) {
        if (stopped) ++after_stop;
      });
    std::this_thread::sleep_for(milliseconds(100));  // every reply is in, waiting in the runner
    pipeline.stop();
    stopped = true;
  }
  std::this_thread::sleep_for(milliseconds(500));  // the runner drained what it held
  EXPECT_EQ(after_stop, 0) << "callbacks ran after stop() returned";
}

TEST_F(RedisPipelineTest, AStalledRedisCannotGrowTheQueuePastItsBound) {
  // Declared before the pipeline: its last callbacks run when it is destroyed.
  std::atomic<int> refused{0};
  std::string reason;
  std::mutex mutex;
  RedisPipeline pipeline(server_->endpoint(), milliseconds(5000));
  ASSERT_EQ(await_result<RedisValue>([&](auto done) {
              pipeline.submit({"PING"}, [done](const RedisValue& value) { done(value); });
            }).str,
            "PONG");
  server_->stall();
  constexpr int kCommands = 70000;
  for (int i = 0; i < kCommands; ++i)
    pipeline.submit({"PING"}, [&](const RedisValue& value) {
      if (!value.io_failure) return;
      if (++refused == 1) {
        std::lock_guard<std::mutex> lock(mutex);
        reason = value.str;
      }
    });
  // Up to one batch in flight and 65,536 waiting; the rest failed at once.
  int at_once = refused;
  server_->resume();
  EXPECT_GE(at_once, kCommands - 65536 - 512);
  EXPECT_LE(at_once, kCommands - 65536);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(reason, "too many storage commands waiting");
}

}  // namespace
}  // namespace incident::testing
