// Runs the real incident-api binary as a child process for black-box tests:
// a free loopback port, a private temp data dir, a captured log, and a clean stop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http_client.hpp"

namespace e2e {

struct ServerOptions {
  std::string binary;                                    // path to incident-api
  std::string secret;                                    // PM_SECRET_KEY
  std::vector<std::pair<std::string, std::string>> env;  // extra variables
  std::vector<std::string> extra_args;
  int startup_timeout_seconds = 30;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();  // stops the server and removes the temp dir
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Starts the binary on a fresh port (keeping the data dir of an earlier
  /// run) and waits until GET /health answers 200. On failure, `failure()`
  /// says why and the server log is included.
  bool start();

  /// SIGTERM, then up to 10 s for it to exit, then SIGKILL. Returns the exit
  /// code, 128+signal if a signal ended it, or -1 if it had to be killed.
  int stop();

  /// Sends sig to the server process only (not to its Redis).
  void signal(int sig) const;

  /// Waits up to `limit` for the server to exit by itself; its exit code as
  /// stop() reports it, or nullopt while it still runs.
  std::optional<int> wait_for_exit(std::chrono::milliseconds limit);

  /// A crash of the server and its embedded Redis together: the server is
  /// frozen (SIGSTOP, so it can neither restart its Redis nor stop it
  /// cleanly), its redis-server children get SIGKILL, then it does. Returns
  /// the redis-server pids it killed.
  std::vector<pid_t> crash();

  /// redis-server processes still alive that work in this server's data dir
  /// (the embedded ones, wherever they were reparented).
  std::vector<pid_t> redis_in_data_dir() const;

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  HttpClient client() const { return HttpClient("127.0.0.1", port_); }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& failure() const { return failure_; }
  /// How the last run ended (as stop() reports it); -1 while unknown.
  int last_exit_code() const { return exit_code_; }
  /// Everything the server wrote to stdout and stderr so far.
  std::string log() const;

 private:
  pid_t spawn();
  bool wait_until_healthy();

  ServerOptions options_;
  std::string root_;      // mkdtemp dir holding data/ and server.log
  std::string data_dir_;  // root_/data
  std::string log_path_;  // root_/server.log
  std::string failure_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
};

/// A loopback TCP port that was free a moment ago (bind to 0, read, close).
int free_port();

/// Path of the binary under test: $E2E_INCIDENT_API_BINARY, else the path
/// compiled in as INCIDENT_API_BINARY.
std::string incident_api_binary();

}  // namespace e2e
