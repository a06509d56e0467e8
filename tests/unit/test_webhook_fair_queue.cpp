// The sender's waiting line: within a key in the order sent, across keys by
// turns, so one key's backlog never waits in front of another key's item.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "webhooks/fair_queue.hpp"

namespace incident::webhooks {
namespace {

std::vector<std::string> drain(FairQueue<std::string>& queue) {
  std::vector<std::string> out;
  while (!queue.empty()) out.push_back(queue.pop());
  return out;
}

TEST(WebhookFairQueue, OneKeyLeavesInTheOrderSent) {
  FairQueue<std::string> queue;
  for (const char* item : {"a1", "a2", "a3"}) queue.push(1, item);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.keys(), 1u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(queue.keys(), 0u);
}

TEST(WebhookFairQueue, ABacklogOfOneKeyDoesNotWaitInFrontOfAnother) {
  FairQueue<std::string> queue;
  for (int i = 1; i <= 100; ++i) queue.push(1, "a" + std::to_string(i));
  queue.push(2, "b1");
  EXPECT_EQ(queue.pop(), "a1");
  EXPECT_EQ(queue.pop(), "b1");  // one turn of key 1, then key 2's
  EXPECT_EQ(queue.pop(), "a2");
  EXPECT_EQ(queue.size(), 98u);
}

TEST(WebhookFairQueue, KeysTakeTurnsInTheOrderTheyStartedWaiting) {
  FairQueue<std::string> queue;
  queue.push(7, "a1");
  queue.push(7, "a2");
  queue.push(3, "b1");
  queue.push(9, "c1");
  queue.push(9, "c2");
  queue.push(3, "b2");
  EXPECT_EQ(queue.keys(), 3u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"a1", "b1", "c1", "a2", "b2", "c2"}));
}

TEST(WebhookFairQueue, AKeyThatRanDryJoinsAgainAtTheBack) {
  FairQueue<std::string> queue;
  queue.push(1, "a1");
  queue.push(2, "b1");
  queue.push(2, "b2");
  EXPECT_EQ(queue.pop(), "a1");
  queue.push(1, "a2");  // key 1 waits again: behind key 2, whose turn is next
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"b1", "a2", "b2"}));
}

}  // namespace
}  // namespace incident::webhooks
