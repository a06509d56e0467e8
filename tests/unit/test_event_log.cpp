// EventLog: newest first, copies share their older events, and equality,
// indexing and release behave like a vector's, at any length.
#include <gtest/gtest.h>

#include <thread>

#include "domain/event_log.hpp"

namespace incident {
namespace {

Event comment(int n) { return Event{"comment", "note " + std::to_string(n), n % 2 == 0, n}; }

TEST(EventLog, ListsEventsNewestFirst) {
  EventLog log;
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(log.begin(), log.end());
  for (int n = 1; n <= 3; ++n) log.push_front(comment(n));
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.front(), comment(3));
  EXPECT_EQ(log.back(), comment(1));
  EXPECT_EQ(log[1], comment(2));
  std::vector<Event> seen(log.begin(), log.end());
  EXPECT_EQ(seen, (std::vector<Event>{comment(3), comment(2), comment(1)}));
  EXPECT_EQ(log, (EventLog{comment(3), comment(2), comment(1)}));
  EXPECT_EQ(EventLog::from_newest_first({comment(3), comment(2), comment(1)}), log);
}

TEST(EventLog, ACopyGrowsApartFromItsOriginal) {
  EventLog original{comment(1)};
  EventLog copy = original;
  copy.push_front(comment(2));
  EXPECT_EQ(original.size(), 1u);
  EXPECT_EQ(original.front(), comment(1));
  EXPECT_EQ(copy.size(), 2u);
  EXPECT_EQ(copy.back(), comment(1));
  EXPECT_NE(copy, original);
}

TEST(EventLog, EstimatesItsBytesFromEveryEventsTextsAndFollowsMovesAndCopies) {
  EventLog log;
  EXPECT_EQ(log.approximate_bytes(), 0u);
  log.push_front(Event{"comment", std::string(10000, 'a'), false, 1});
  std::size_t one = log.approximate_bytes();
  // The content, and the event's JSON text (which holds the content again).
  EXPECT_GT(one, 20000u);
  EXPECT_LT(one, 21000u);
  log.push_front(Event{"comment", std::string(50000, 'b'), false, 2});
  EXPECT_GT(log.approximate_bytes(), one + 100000);
  EventLog copy = log;
  EXPECT_EQ(copy.approximate_bytes(), log.approximate_bytes());
  EventLog moved = std::move(copy);
  EXPECT_EQ(moved.approximate_bytes(), log.approximate_bytes());
  EXPECT_EQ(copy.approximate_bytes(), 0u);  // NOLINT(bugprone-use-after-move): moved from
}

TEST(EventLog, ComparesEventByEventWhetherOrNotNodesAreShared) {
  EventLog shared{comment(1)};
  EventLog a = shared, b = shared;
  a.push_front(comment(2));
  b.push_front(comment(2));
  EXPECT_EQ(a, b);  // distinct heads, shared tail
  EventLog c{comment(2), comment(1)};
  EXPECT_EQ(a, c);  // nothing shared
  EventLog d{comment(2), comment(5)};
  EXPECT_NE(a, d);
  EXPECT_NE(a, EventLog{comment(2)});
}

TEST(EventLog, ReleasesAMillionEventsWithoutRecursing) {
  auto log = std::make_unique<EventLog>();
  for (int n = 0; n < 1'000'000; ++n) log->push_front(Event{"comment", "", false, n});
  EventLog kept = *log;  // a copy holds every node: dropping the original frees none
  log.reset();
  EXPECT_EQ(kept.size(), 1'000'000u);
  EXPECT_EQ(kept.back().creation_date, 0);
  kept = EventLog{};  // the last holder frees them all, one at a time
  EXPECT_TRUE(kept.empty());
}

TEST(EventLog, CopiesAreReadAndDroppedFromManyThreadsAtOnce) {
  EventLog log;
  for (int n = 0; n < 1000; ++n) log.push_front(comment(n));
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([log, t]() mutable {
      for (int round = 0; round < 200; ++round) {
        EventLog mine = log;
        mine.push_front(comment(t));
        std::size_t count = 0;
        for (const Event& event : mine) count += event.type == "comment";
        ASSERT_EQ(count, 1001u);
      }
    });
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(log.size(), 1000u);
}

}  // namespace
}  // namespace incident
