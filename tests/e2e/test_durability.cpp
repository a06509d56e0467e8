// End-to-end: with `--fsync always`, a crash of the server together with its
// embedded redis-server (kill -9 of both, in the middle of a write load from
// several clients) loses no acknowledged write; the server restarts on the
// same data dir, serves the old incidents and new writes, and its list index
// agrees with the incidents.
//
// A kill -9 leaves the kernel's page cache intact, so this proves that the
// server acknowledges only what Redis has appended to its AOF and that Redis
// recovers from an AOF cut mid-write; what fsync itself adds (surviving a
// power loss) no process-level test can show.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "fixtures.hpp"
#include "proc_info.hpp"
#include "server_process.hpp"
#include "store_audit.hpp"
#include "tokens.hpp"
#include "write_load.hpp"

namespace e2e {
namespace {

constexpr char kSecret[] = "durability-secret";

TEST(DurabilityTest, AcknowledgedWritesSurviveAKill9OfTheServerAndItsRedis) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = kSecret;
  options.extra_args = {"--fsync", "always"};
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient api(server.client());
  LoadOptions load_options = load_options_for(api, kSecret);
  ASSERT_FALSE(HasFailure());

  WriteLoad load(load_options, server.port());
  // Progress, not a rate, is awaited: the machine may be slow and shared.
  ASSERT_TRUE(load.wait_for_acknowledged(50, 30)) << "the load made no progress\n" << server.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));

  std::vector<pid_t> redis = server.crash();
  ASSERT_EQ(redis.size(), 1u) << "the server had no embedded redis-server to kill";
  EXPECT_EQ(server.last_exit_code(), 128 + SIGKILL);
  EXPECT_FALSE(alive_as(redis[0], "redis"));
  long long acknowledged_before_crash = load.acknowledged();

  ASSERT_TRUE(server.start()) << "no restart on the same data dir after the crash\n"
                              << server.failure();
  load.set_port(server.port());
  // The load goes on against the restarted server, on the old incidents too.
  EXPECT_TRUE(load.wait_for_acknowledged(acknowledged_before_crash + 50, 30))
      << "no progress after the restart\n"
      << server.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  LoadLedger ledger = load.finish();
  std::cout << "load: " << ledger.summary() << "\n";
  EXPECT_TRUE(ledger.anomalies.empty()) << ::testing::PrintToString(ledger.anomalies);

  ApiClient restarted(server.client());
  int landed = expect_history_kept(restarted, load_options.token, ledger);
  std::cout << "writes in doubt found committed after the restart: " << landed << "\n";
  expect_indexes_match_data(restarted, load_options.token, ledger);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace e2e
