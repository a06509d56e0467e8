// The change stream's retention by age against a real redis-server: entries
// older than the retention go, unless the webhook group has not read them or
// not acknowledged them yet; nothing breaks on a stream that does not exist.
#include "storage/stream_retention.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

using std::chrono::seconds;

class StreamRetentionTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // One entry per radix-tree node, so that the approximate trim is exact.
    redis({"CONFIG", "SET", "stream-node-max-entries", "1"});
  }
  void TearDown() override { redis({"CONFIG", "SET", "stream-node-max-entries", "100"}); }

  /// Entries at these milliseconds since the epoch.
  void add_at(const std::vector<long long>& milliseconds) {
    for (long long ms : milliseconds)
      redis({"XADD", keys_.change_stream(), std::to_string(ms) + "-0", "data", "{}"});
  }

  std::vector<std::string> ids() {
    std::vector<std::string> out;
    for (const auto& entry : redis({"XRANGE", keys_.change_stream(), "-", "+"}).elements)
      out.push_back(entry.elements[0].str);
    return out;
  }

  Result<StreamTrim> trim(seconds retention) {
    return await_result<Result<StreamTrim>>(
        [&](auto done) { trim_change_stream(*pipeline_, keys_, retention, done); });
  }

  long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

TEST_F(StreamRetentionTest, EntriesOlderThanTheRetentionGo) {
  long long now = now_ms();
  add_at({now - 7200'000, now - 3700'000, now - 1800'000, now - 10'000});
  auto trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->removed, 2);
  EXPECT_EQ(ids(), (std::vector<std::string>{std::to_string(now - 1800'000) + "-0",
                                             std::to_string(now - 10'000) + "-0"}));
}

TEST_F(StreamRetentionTest, WhatTheWebhookGroupHasNotReadStays) {
  long long now = now_ms();
  add_at({now - 9000'000, now - 8000'000, now - 7000'000, now - 10'000});
  // The group has read (and acknowledged) only the first entry.
  redis({"XGROUP", "CREATE", keys_.change_stream(), Keys::webhook_group(), "0"});
  auto read = redis({"XREADGROUP", "GROUP", Keys::webhook_group(), "p1", "COUNT", "1", "STREAMS",
                     keys_.change_stream(), ">"});
  ASSERT_EQ(read.elements.size(), 1u);
  redis({"XACK", keys_.change_stream(), Keys::webhook_group(),
         std::to_string(now - 9000'000) + "-0"});
  auto trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  // The last one read stays as the group's position; everything after it too.
  EXPECT_EQ(trimmed->removed, 0);
  EXPECT_EQ(ids().size(), 4u);
  // Once the group has read and acknowledged everything, age decides alone.
  auto rest = redis({"XREADGROUP", "GROUP", Keys::webhook_group(), "p1", "COUNT", "10", "STREAMS",
                     keys_.change_stream(), ">"});
  for (const auto& entry : rest.elements[0].elements[1].elements)
    redis({"XACK", keys_.change_stream(), Keys::webhook_group(), entry.elements[0].str});
  trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->removed, 3);
  EXPECT_EQ(ids(), std::vector<std::string>{std::to_string(now - 10'000) + "-0"});
}

TEST_F(StreamRetentionTest, WhatTheWebhookGroupHoldsUnacknowledgedStays) {
  long long now = now_ms();
  add_at({now - 9000'000, now - 8000'000, now - 7000'000, now - 10'000});
  redis({"XGROUP", "CREATE", keys_.change_stream(), Keys::webhook_group(), "0"});
  // Everything read; the second entry never acknowledged (a delivery in progress).
  auto read = redis({"XREADGROUP", "GROUP", Keys::webhook_group(), "p1", "COUNT", "10", "STREAMS",
                     keys_.change_stream(), ">"});
  for (const auto& entry : read.elements[0].elements[1].elements)
    if (entry.elements[0].str != std::to_string(now - 8000'000) + "-0")
      redis({"XACK", keys_.change_stream(), Keys::webhook_group(), entry.elements[0].str});
  auto trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->removed, 1);
  EXPECT_EQ(ids().front(), std::to_string(now - 8000'000) + "-0");
  EXPECT_EQ(ids().size(), 3u);
}

TEST_F(StreamRetentionTest, AGroupThatHasReadNothingKeepsEverything) {
  long long now = now_ms();
  add_at({now - 9000'000, now - 8000'000, now - 10'000});
  redis({"XGROUP", "CREATE", keys_.change_stream(), Keys::webhook_group(), "0"});
  auto trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->removed, 0);
  EXPECT_EQ(trimmed->kept_from, "0-0");
  EXPECT_EQ(ids().size(), 3u);
}

TEST_F(StreamRetentionTest, SequenceNumbersBeyondADoubleAreComparedExactly) {
  long long now = now_ms();
  // Two entries of one old millisecond, told apart only past 2^53: the group
  // read both and acknowledged the second; the first, still pending, stays.
  std::string ms = std::to_string(now - 9000'000);
  redis({"XADD", keys_.change_stream(), ms + "-9007199254740993", "data", "{}"});
  redis({"XADD", keys_.change_stream(), ms + "-9007199254740994", "data", "{}"});
  add_at({now - 10'000});
  redis({"XGROUP", "CREATE", keys_.change_stream(), Keys::webhook_group(), "0"});
  redis({"XREADGROUP", "GROUP", Keys::webhook_group(), "p1", "COUNT", "2", "STREAMS",
         keys_.change_stream(), ">"});
  redis({"XACK", keys_.change_stream(), Keys::webhook_group(), ms + "-9007199254740994"});
  auto trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->kept_from, ms + "-9007199254740993");
  EXPECT_EQ(ids().size(), 3u);
}

TEST_F(StreamRetentionTest, OtherGroupsDoNotHoldTheStream) {
  long long now = now_ms();
  add_at({now - 9000'000, now - 10'000});
  redis({"XGROUP", "CREATE", keys_.change_stream(), "alerting", "0"});
  auto trimmed = trim(seconds(3600));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->removed, 1);
}

TEST_F(StreamRetentionTest, NoStreamIsNothingToTrim) {
  redis({"DEL", keys_.change_stream()});
  auto trimmed = trim(seconds(60));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->removed, 0);
  EXPECT_EQ(redis({"EXISTS", keys_.change_stream()}).integer, 0);
}

}  // namespace
}  // namespace incident::testing
