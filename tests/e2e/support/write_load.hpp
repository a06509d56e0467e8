// A concurrent load on the incident API: several client threads, each on its
// own keep-alive connection, creating incidents, changing their status and
// severity, commenting them and (optionally) reading, while a test crashes,
// stops or restarts the server. Every answer is recorded in a LoadLedger.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api_client.hpp"
#include "write_ledger.hpp"

namespace e2e {

struct LoadOptions {
  std::string token;  // with incident_api
  long long scope = 0;
  long long service = 0;
  int threads = 4;
  bool reads = false;  // mix GETs of incidents and list pages in with the writes
  /// Retry as a careful client does: creates carry an Idempotency-Key and
  /// writes an If-Match, and a write in doubt (503, 502, 504, a broken
  /// connection) is sent again until it is answered; a 412 then says an
  /// earlier attempt was kept. So nothing stays in doubt, unless a write
  /// could not be settled `settle_seconds` after the load was told to stop.
  bool retry_in_doubt = false;
  int settle_seconds = 60;
};

/// A token (issued with `secret`) and a fresh scope and service to write in;
/// empty or zero fields (and a test failure) when the server refuses them.
LoadOptions load_options_for(const ApiClient& api, const std::string& secret);

class WriteLoad {
 public:
  /// Starts the threads against 127.0.0.1:port.
  WriteLoad(LoadOptions options, int port);
  ~WriteLoad();  // finish() if not done
  WriteLoad(const WriteLoad&) = delete;
  WriteLoad& operator=(const WriteLoad&) = delete;

  /// Points the threads at a restarted server.
  void set_port(int port) { port_ = port; }
  /// Writes acknowledged so far (creates included), to wait for progress.
  long long acknowledged() const { return acknowledged_; }
  /// Waits up to `seconds` until at least `count` writes were acknowledged.
  bool wait_for_acknowledged(long long count, int seconds) const;
  /// Lets each thread finish its request in progress, joins them, merges their ledgers.
  LoadLedger finish();

 private:
  class Worker;

  LoadOptions options_;  // the workers hold a reference to it
  std::atomic<int> port_;
  std::atomic<bool> stop_{false};
  std::atomic<long long> acknowledged_{0};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace e2e
