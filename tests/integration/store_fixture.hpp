// Shared fixture of the integration tests: one redis-server for the whole run,
// flushed before each test, plus blocking helpers over the callback stores.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "domain/dates.hpp"
#include "domain/lifecycle.hpp"
#include "redis_server.hpp"
#include "storage/catalog_store.hpp"
#include "storage/incident_store.hpp"

namespace incident::testing {

/// Waits for a callback-style store operation and returns its result.
template <class T, class Start>
T await_result(Start start) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    throw std::runtime_error("store operation did not complete");
  return future.get();
}

inline Minute parse_date_or_die(const char* text) {
  auto minute = parse_date(text);
  if (!minute) throw std::invalid_argument(text);
  return *minute;
}

class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  /// Creates scope and service 1 so that incidents may refer to them.
  void create_scope_and_service();
  /// Commits a freshly created incident and returns it.
  Incident create(const std::string& name, Severity severity = Severity::high,
                  std::optional<std::string> external_reference = std::nullopt);
  CommitResult commit(const CommitRequest& request);
  std::optional<Incident> load(Id id);
  RedisValue redis(const std::vector<std::string>& argv) { return server_->command(argv); }
  bool in_index(const std::string& key, const Incident& incident);
  long long stream_length() { return redis({"XLEN", keys_.change_stream()}).integer; }

  static std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisPipeline> pipeline_;
  std::unique_ptr<IncidentStore> incidents_;
  std::unique_ptr<CatalogStore> catalog_;
  Keys keys_{"pm"};
};

}  // namespace incident::testing
