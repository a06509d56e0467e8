// Retry schedules: the Standard Webhooks default, parsing configured ones, and
// the wait before each attempt with its jitter and the horizon that ends it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "webhooks/retry_schedule.hpp"

namespace incident::webhooks {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

RetrySchedule schedule_of(std::vector<milliseconds> intervals, milliseconds horizon = 24h) {
  return RetrySchedule{std::move(intervals), horizon};
}

TEST(WebhookRetrySchedule, TheDefaultIsTheStandardWebhooksOne) {
  const RetrySchedule schedule = default_retry_schedule();
  EXPECT_EQ(schedule.intervals, (std::vector<milliseconds>{5s, 5min, 30min, 2h, 5h, 10h, 10h}));
  EXPECT_EQ(schedule.horizon, milliseconds(24h));
  EXPECT_EQ(RetrySchedule{}.horizon, milliseconds(24h));
}

TEST(WebhookRetrySchedule, ParsesEveryUnit) {
  const auto schedule = parse_retry_schedule("500ms,1s,2m,3h,1d");
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->intervals, (std::vector<milliseconds>{500ms, 1s, 2min, 3h, 24h}));
  EXPECT_EQ(schedule->horizon, milliseconds(24h));
  EXPECT_EQ(parse_retry_schedule("1s,2s,5s")->intervals, (std::vector<milliseconds>{1s, 2s, 5s}));
  EXPECT_EQ(parse_retry_schedule("7s")->intervals, std::vector<milliseconds>{7s});
  EXPECT_EQ(parse_retry_schedule("007s")->intervals, std::vector<milliseconds>{7s});
}

TEST(WebhookRetrySchedule, EachIntervalIsAtMostADay) {
  for (const char* text : {"1d", "24h", "1440m", "86400s", "86400000ms"})
    EXPECT_EQ(parse_retry_schedule(text)->intervals, std::vector<milliseconds>{24h}) << text;
  for (const char* text : {"2d", "25h", "1441m", "86401s", "86400001ms", "1s,86401s",
                           "99999999999999999999999d", "9223372036854775807ms"})
    EXPECT_EQ(parse_retry_schedule(text), std::nullopt) << text;
}

TEST(WebhookRetrySchedule, TakesOneToThirtyTwoIntervals) {
  std::string text = "1s";
  for (int i = 1; i < 32; ++i) text += ",1s";
  const auto schedule = parse_retry_schedule(text);
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->intervals.size(), 32u);
  EXPECT_EQ(parse_retry_schedule(text + ",1s"), std::nullopt);
  EXPECT_EQ(parse_retry_schedule(""), std::nullopt);
}

TEST(WebhookRetrySchedule, RefusesAnythingElse) {
  for (const char* text : {"0s",  "1s,0ms", "-1s",    "+1s", "1",    "s",    "1 s",   " 1s",
                           "1s ", "1s, 2s", "1s,,2s", ",1s", "1s,",  "1S",   "1sec",  "1.5s",
                           "1y",  "1w",     "1us",    "ms",  "1ms2", "1m s", "1h;2h", "\xd9\xa1s"})
    EXPECT_EQ(parse_retry_schedule(text), std::nullopt) << text;
}

TEST(WebhookRetryDelay, WaitsTheIntervalOfTheFailureCount) {
  const RetrySchedule schedule = default_retry_schedule();
  const std::vector<milliseconds> expected{5s, 5min, 30min, 2h, 5h, 10h};
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(retry_delay(schedule, static_cast<int>(i + 1), 0ms, 0.5), expected[i]) << i;
}

TEST(WebhookRetryDelay, RepeatsTheLastIntervalPastTheEnd) {
  const RetrySchedule schedule = schedule_of({1s, 2s, 5s});
  EXPECT_EQ(retry_delay(schedule, 3, 0ms, 0.5), milliseconds(5s));
  EXPECT_EQ(retry_delay(schedule, 4, 0ms, 0.5), milliseconds(5s));
  EXPECT_EQ(retry_delay(schedule, 1000, 0ms, 0.5), milliseconds(5s));
  EXPECT_EQ(retry_delay(schedule, std::numeric_limits<int>::max(), 0ms, 0.5), milliseconds(5s));
}

TEST(WebhookRetryDelay, JitterSpreadsTheWaitByTenPercentAtMost) {
  const RetrySchedule schedule = schedule_of({10s});
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 0.0), milliseconds(9s));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 0.25), milliseconds(9500));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 0.5), milliseconds(10s));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 0.75), milliseconds(10500));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 0.999999), milliseconds(11s));
  for (double jitter = 0.0; jitter < 1.0; jitter += 0.01) {
    const auto delay = retry_delay(schedule, 1, 0ms, jitter);
    ASSERT_TRUE(delay);
    EXPECT_GE(*delay, milliseconds(9s)) << jitter;
    EXPECT_LE(*delay, milliseconds(11s)) << jitter;
  }
}

TEST(WebhookRetryDelay, JitterOutsideItsRangeIsClamped) {
  const RetrySchedule schedule = schedule_of({10s});
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, -3.0), milliseconds(9s));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 1.0), milliseconds(11s));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, 42.0), milliseconds(11s));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, std::nan("")), milliseconds(9s));
  EXPECT_EQ(retry_delay(schedule, 1, 0ms, std::numeric_limits<double>::infinity()),
            milliseconds(11s));
}

TEST(WebhookRetryDelay, GivesUpWhenTheAttemptWouldComeAfterTheHorizon) {
  const RetrySchedule schedule = schedule_of({1h}, 3h);
  EXPECT_EQ(retry_delay(schedule, 2, 2h, 0.5), milliseconds(1h));  // exactly at the horizon
  EXPECT_EQ(retry_delay(schedule, 2, 2h + 1ms, 0.5), std::nullopt);
  EXPECT_EQ(retry_delay(schedule, 2, 2h, 0.6), std::nullopt);               // jitter pushes it past
  EXPECT_EQ(retry_delay(schedule, 2, 2h, 0.4), milliseconds(58min + 48s));  // 0.98 h
  EXPECT_EQ(retry_delay(schedule, 9, 5h, 0.5), std::nullopt);
}

TEST(WebhookRetryDelay, TheDefaultScheduleEndsWithinADay) {
  // 5s + 5m + 30m + 2h + 5h + 10h = 17h35m5s; the next 10h would end after 24h.
  const RetrySchedule schedule = default_retry_schedule();
  milliseconds elapsed{0};
  int failures = 0;
  while (const auto delay = retry_delay(schedule, failures + 1, elapsed, 0.5)) {
    elapsed += *delay;
    ++failures;
  }
  EXPECT_EQ(failures, 6);
  EXPECT_EQ(elapsed, milliseconds(17h + 35min + 5s));
}

TEST(WebhookRetryDelay, TheFirstAttemptGoesAtOnceAndAnEmptyScheduleNeverRetries) {
  EXPECT_EQ(retry_delay(default_retry_schedule(), 0, 0ms, 0.5), milliseconds(0));
  EXPECT_EQ(retry_delay(default_retry_schedule(), -1, 0ms, 0.5), milliseconds(0));
  EXPECT_EQ(retry_delay(RetrySchedule{}, 1, 0ms, 0.5), std::nullopt);
}

}  // namespace
}  // namespace incident::webhooks
