// The recency order behind the bounded incident-actor cache.
#include <gtest/gtest.h>

#include "actors/lru_order.hpp"

namespace incident {
namespace {

TEST(LruOrder, KeepsUpToItsCapacityWithoutEvicting) {
  LruOrder<int> order(3);
  EXPECT_FALSE(order.touch(1));
  EXPECT_FALSE(order.touch(2));
  EXPECT_FALSE(order.touch(3));
  EXPECT_EQ(order.size(), 3u);
}

TEST(LruOrder, EvictsTheLeastRecentlyUsedKey) {
  LruOrder<int> order(2);
  order.touch(1);
  order.touch(2);
  order.touch(1);  // 2 is now the oldest
  EXPECT_EQ(order.touch(3), 2);
  EXPECT_EQ(order.touch(4), 1);
  EXPECT_EQ(order.size(), 2u);
}

TEST(LruOrder, AnErasedKeyNoLongerCountsNorGetsEvicted) {
  LruOrder<int> order(2);
  order.touch(1);
  order.touch(2);
  order.erase(1);
  EXPECT_FALSE(order.touch(3));
  EXPECT_EQ(order.touch(4), 2);
  order.erase(42);  // unknown keys are ignored
  EXPECT_EQ(order.size(), 2u);
}

TEST(LruOrder, AZeroCapacityStillHoldsOneKey) {
  LruOrder<int> order(0);
  EXPECT_FALSE(order.touch(1));
  EXPECT_EQ(order.touch(2), 1);
}

}  // namespace
}  // namespace incident

namespace incident {
namespace {

TEST(LruOrder, TakesTheKeysUnusedSinceACutoffOldestFirst) {
  using namespace std::chrono_literals;
  LruOrder<int> order(10);
  auto start = std::chrono::steady_clock::time_point{} + 1h;
  order.touch(1, start);
  order.touch(2, start + 10s);
  order.touch(3, start + 20s);
  order.touch(1, start + 30s);  // used again: no longer the oldest
  EXPECT_EQ(order.take_unused_since(start + 15s), 2);
  EXPECT_FALSE(order.take_unused_since(start + 15s)) << "3 was used after the cutoff";
  EXPECT_EQ(order.take_unused_since(start + 25s), 3);
  EXPECT_FALSE(order.take_unused_since(start + 25s));
  EXPECT_EQ(order.size(), 1u);
  EXPECT_EQ(order.take_unused_since(start + 31s), 1);
  EXPECT_FALSE(order.take_unused_since(start + 1h));
}

}  // namespace
}  // namespace incident
