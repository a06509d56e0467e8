// One Redis connection driven by its own I/O thread: commands submitted from
// any thread are queued and written in batches, so many are in flight at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "storage/primary_locator.hpp"
#include "storage/redis_endpoint.hpp"
#include "storage/redis_value.hpp"

struct redisContext;

namespace incident {

/// A Lua script, addressed by its SHA1 so it is sent in full only when Redis
/// does not know it yet.
struct Script {
  explicit Script(std::string source);
  std::string source;
  std::string sha1;
};

using RedisCallback = std::function<void(const RedisValue&)>;

/// Runs a reply's callback elsewhere than on the I/O thread (an actor's
/// mailbox), so what a reply leads to (decoding, rendering a page, a whole
/// handler) never holds up the replies behind it.
using ReplyExecutor = std::function<void(std::function<void()>)>;

/// Runs on each new connection, on the I/O thread, before any command is
/// written to it; false drops the connection (tried again after the backoff).
using ConnectCheck = std::function<bool(redisContext*)>;

/// Writes count as done only once this many replicas confirm they hold
/// them (WAIT), within `timeout`.
struct ReplicaAck {
  int replicas = 0;
  std::chrono::milliseconds timeout{1000};
  /// Incremented before each WAIT: WAIT covers this connection's writes
  /// only, and a script that wrote nothing (an idempotent retry finding the
  /// write of an earlier attempt, made on another connection) must not be
  /// confirmed before what it read is replicated. Replication is in order,
  /// so a write now covers everything the primary held before it.
  std::string marker_key;
};

class RedisPipeline {
 public:
  /// Connects lazily, to wherever `locator` says the primary is; `timeout`
  /// bounds connecting and every reply. With an `executor`, callbacks run
  /// through it instead of on the I/O thread. With `ack`, each batch is
  /// followed by a WAIT, and every reply that is not an error is delivered
  /// only once enough replicas confirmed (else as an io_failure: a write may
  /// or may not survive a failover). So what such a pipeline answers, writes
  /// and reads alike, is replicated; WAIT holds the connection until the
  /// replicas answer, so loads belong elsewhere.
  /// `metrics`, when given, counts its commands, round trips, errors and connections.
  RedisPipeline(std::shared_ptr<PrimaryLocator> locator, std::chrono::milliseconds timeout,
                ConnectCheck check = {}, ReplyExecutor executor = {}, ReplicaAck ack = {},
                std::shared_ptr<metrics::PipelineMetrics> metrics = nullptr);
  RedisPipeline(RedisEndpoint endpoint, std::chrono::milliseconds timeout, ConnectCheck check = {},
                ReplyExecutor executor = {});
  ~RedisPipeline();
  RedisPipeline(const RedisPipeline&) = delete;
  RedisPipeline& operator=(const RedisPipeline&) = delete;

  /// Queues a command. The callback runs once, on the I/O thread (keep it
  /// short) or through the executor, with the reply or an io_failure value.
  void submit(std::vector<std::string> argv, RedisCallback callback);

  /// Runs a script (EVALSHA, falling back to EVAL when Redis lost it). The
  /// script must outlive the call (scripts are static).
  void eval(const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
            RedisCallback callback);

  /// Runs the commands as one MULTI/EXEC transaction: the callback gets
  /// EXEC's array of their replies (or the error that aborted it). For reads
  /// that must see one state of several keys, this costs Redis less than a
  /// script, which converts every reply to Lua values and back.
  void transaction(std::vector<std::vector<std::string>> commands, RedisCallback callback);

  /// Fails what is queued and joins the I/O thread. Once it returns, no
  /// callback runs any more: those still waiting in the executor are dropped,
  /// and one running there is waited for. So whatever the callbacks use may
  /// be destroyed right after.
  void stop();

 private:
  struct Command {
    std::vector<std::string> argv;
    const Script* script = nullptr;  // for an EVALSHA: what to send if Redis lost it
    RedisCallback callback;
    /// A transaction's commands, sent between MULTI and EXEC (argv unused).
    std::vector<std::vector<std::string>> queued;
  };

  /// Queues a command, or fails it at once when stopping.
  void enqueue(Command command);

  void run();
  /// The next commands to send (empty once stopping and drained); `stopping`
  /// tells whether a stop came.
  std::vector<Command> take_batch(bool& stopping);
  bool ensure_connected();
  void execute(std::vector<Command>& batch);
  static std::size_t replies_of(const Command& command);
  static void write(const Command& command, std::string& out);
  /// Reads the command's replies; false when the connection failed.
  bool read_reply(const Command& command, RedisValue& value);
  /// Reads a WAIT's reply: true when enough replicas confirmed; `replica`
  /// is set when the server refused WAIT as a replica.
  bool replicas_confirmed(bool& connection_ok, bool& replica);
  /// The connection failed (or reached a server that is no primary): the
  /// locator is told, and the next batch connects anew.
  void drop_connection();
  void disconnect();
  void run_callback(Command& command, RedisValue value);

  std::shared_ptr<PrimaryLocator> locator_;
  std::chrono::milliseconds timeout_;
  ConnectCheck check_;
  ReplyExecutor executor_;
  ReplicaAck ack_;
  RedisEndpoint connected_to_;
  std::uint64_t connected_generation_ = 0;
  bool replicas_short_ = false;  // the last WAIT came back short (logged once)
  /// Callbacks handed to the executor run only while it is open.
  struct ExecutorGate {
    std::shared_mutex mutex;
    bool open = true;
  };
  std::shared_ptr<ExecutorGate> gate_ = std::make_shared<ExecutorGate>();
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point next_connect_attempt_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Command> queue_;
  bool stopping_ = false;
  std::shared_ptr<metrics::PipelineMetrics> metrics_;
  std::thread thread_;
};

}  // namespace incident
