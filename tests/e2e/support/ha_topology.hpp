// The high-availability topology of scripts/ha-local.sh (a Redis primary and
// two replicas, three sentinels, incident-api processes behind HAProxy),
// started for a test and driven by it: which server is the primary, kill -9
// and restart of a Redis, SIGSTOP of replicas, HAProxy's view of the APIs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace e2e {

class HaTopology {
 public:
  /// Starts the script with these incident-api arguments; failure() says
  /// why it did not become ready (the script's output included).
  explicit HaTopology(std::vector<std::string> api_args);
  ~HaTopology();  // SIGTERM to the script; kills the Redis it restarted
  HaTopology(const HaTopology&) = delete;
  HaTopology& operator=(const HaTopology&) = delete;

  bool ready() const { return ready_; }
  const std::string& failure() const { return failure_; }

  int proxy_port() const { return proxy_port_; }
  const std::vector<int>& api_ports() const { return api_ports_; }
  const std::vector<pid_t>& api_pids() const { return api_pids_; }
  const std::vector<int>& redis_ports() const { return redis_ports_; }
  const std::string& secret() const { return secret_; }
  const std::string& dir() const { return dir_; }

  /// The port the sentinels name as the primary (the first that answers),
  /// 0 when none does.
  int primary_port() const;
  /// Waits up to `limit` until the sentinels name a primary other than
  /// `old_port`; its port, or 0.
  int wait_for_new_primary(int old_port, std::chrono::milliseconds limit) const;
  /// ROLE's first element ("master", "slave"), "" when unreachable.
  std::string role_of(int redis_port) const;
  /// A replica linked to its primary (master_link_status:up).
  bool replica_linked(int redis_port) const;

  /// SIGKILL to the Redis on that port (its pid from its pid file).
  void kill_redis(int redis_port);
  /// Starts it again from its configuration file (as a child of the test).
  bool restart_redis(int redis_port);
  /// SIGSTOP / SIGCONT to the Redis on that port.
  void pause_redis(int redis_port, bool paused);

  /// HAProxy's operational state of each API server, by port: true when up.
  std::map<int, bool> proxy_servers_up() const;

  /// The tail of every log in the state directory, for failure messages.
  std::string logs() const;

 private:
  pid_t redis_pid(int redis_port) const;

  std::string dir_;
  pid_t script_pid_ = -1;
  bool ready_ = false;
  std::string failure_;
  int proxy_port_ = 0;
  std::string proxy_socket_;
  std::vector<int> api_ports_, redis_ports_, sentinel_ports_;
  std::vector<pid_t> api_pids_;
  std::vector<std::string> redis_confs_;
  std::string secret_;
  std::vector<pid_t> restarted_;  // Redis processes this test started
};

/// Every entry of a stream on the Redis at `port`: (id, its "data" field).
std::vector<std::pair<std::string, std::string>> stream_entries(int port, const std::string& key);

/// One command to the Redis (or sentinel) on a loopback port; the reply as
/// text: a string, an integer, or an array's elements joined by spaces; ""
/// when unreachable.
std::string redis_text(int port, const std::vector<std::string>& argv);

}  // namespace e2e
