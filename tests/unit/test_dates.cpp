// Dates: the accepted input formats, calendar validity and the output format.
// Minutes since the epoch are compared against values computed by hand.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "domain/dates.hpp"

namespace incident {
namespace {

constexpr Minute kDay = 24 * 60;

TEST(ParseDate, ReadsTheEpochAsMinuteZero) { EXPECT_EQ(parse_date("1970-01-01T00:00"), Minute{0}); }

TEST(ParseDate, AcceptsTheTSeparator) { EXPECT_EQ(parse_date("1970-01-02T01:02"), kDay + 62); }

TEST(ParseDate, AcceptsASpaceSeparator) { EXPECT_EQ(parse_date("1970-01-02 01:02"), kDay + 62); }

TEST(ParseDate, AcceptsAndDropsSecondsWithEitherSeparator) {
  EXPECT_EQ(parse_date("1970-01-02T01:02:59"), kDay + 62);
  EXPECT_EQ(parse_date("1970-01-02 01:02:00"), kDay + 62);
}

TEST(ParseDate, KnowsAKnownInstant) {
  // 2026-11-27T10:02Z is 1795773720 seconds after the epoch.
  EXPECT_EQ(parse_date("2026-11-27T10:02"), Minute{1795773720 / 60});
}

TEST(ParseDate, AcceptsFebruary29OfLeapYears) {
  EXPECT_TRUE(parse_date("2024-02-29T00:00"));
  EXPECT_TRUE(parse_date("2000-02-29T00:00"));  // divisible by 400
}

TEST(ParseDate, RejectsFebruary29OfCommonYears) {
  EXPECT_FALSE(parse_date("2026-02-29T00:00"));
  EXPECT_FALSE(parse_date("2100-02-29T00:00"));  // divisible by 100, not by 400
}

TEST(ParseDate, AcceptsTheLastDayOfEveryMonth) {
  const char* last_days[] = {"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
                             "2026-05-31", "2026-06-30", "2026-07-31", "2026-08-31",
                             "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"};
  for (const char* day : last_days) {
    EXPECT_TRUE(parse_date(std::string(day) + "T23:59")) << day;
  }
}

TEST(ParseDate, AcceptsTheWholeYearRange) {
  EXPECT_TRUE(parse_date("1970-01-01T00:00"));
  EXPECT_TRUE(parse_date("9999-12-31T23:59"));
}

class ParseDateRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseDateRejects, AnythingButTheAcceptedFormats) {
  EXPECT_EQ(parse_date(GetParam()), std::nullopt) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    BadDates, ParseDateRejects,
    ::testing::Values("", "2026", "2026-11-27", "2026-11-27T10", "2026-11-27T10:0",
                      "2026-11-27T10:02:0", "2026-11-27T10:02:001", "2026-11-27T10:02Z",
                      "2026-11-27T10:02+01:00", "2026-11-27T10:02:00Z", "2026-11-27T10:02:00.5",
                      "2026/11/27T10:02", "2026-11-27t10:02", "2026-11-27_10:02",
                      "2026-11-27  10:02", " 2026-11-27T10:02", "2026-11-27T10:02 ",
                      "26-11-27T10:02", "02026-11-27T10:02", "2026-1-27T10:02", "2026-11-7T10:02",
                      "2026-11-27T1:02", "2026-11-27T10:2", "2026-13-01T00:00", "2026-00-10T00:00",
                      "2026-11-00T00:00", "2026-11-31T00:00", "2026-04-31T00:00",
                      "2026-11-27T24:00", "2026-11-27T10:60", "2026-11-27T10:02:60",
                      "1969-12-31T23:59", "0000-01-01T00:00", "+026-11-27T10:02",
                      "2026-+1-27T10:02", "2026-11-27T-1:02", "2026-11-27T10.02",
                      "abcd-ef-ghTij:kl", "2026-11-27T10:02:aa", "2026-11-27T10-02",
                      "2026-11-27T10:02;00", "\xef\xbc\x92\x30\x32\x36-11-27T10:02"));

TEST(FormatDate, WritesMinutePrecisionWithATSeparator) {
  EXPECT_EQ(format_date(0), "1970-01-01T00:00");
  EXPECT_EQ(format_date(kDay + 62), "1970-01-02T01:02");
}

TEST(FormatDate, PadsEveryPartWithZeros) {
  EXPECT_EQ(format_date(*parse_date("2026-01-05T03:07")), "2026-01-05T03:07");
}

TEST(FormatDate, WritesMinutesBeforeTheEpochOnThePreviousDay) {
  EXPECT_EQ(format_date(-1), "1969-12-31T23:59");
}

TEST(FormatDate, RoundTripsEveryDayOfALeapYearAndItsNeighbours) {
  // Walk 2023-01-01 .. 2025-12-31 one day (plus a few minutes) at a time.
  const Minute start = *parse_date("2023-01-01T00:00");
  for (Minute day = 0; day < 3 * 366; ++day) {
    const Minute minute = start + day * kDay + (day % 1440);
    const std::string text = format_date(minute);
    ASSERT_EQ(parse_date(text), minute) << text;
  }
}

TEST(FormatDate, WritesYearsOutsideFourDigitsWithoutOverflowing) {
  // Not reachable through the API (parse_date accepts 0000..9999), but stored
  // or computed minutes of any size must still print.
  EXPECT_EQ(format_date(*parse_date("9999-12-31T23:59") + 1), "10000-01-01T00:00");
  const Minute year_zero = -719528LL * 24 * 60;  // 0000-01-01T00:00
  EXPECT_EQ(format_date(year_zero), "0000-01-01T00:00");
  EXPECT_EQ(format_date(year_zero - 1), "-001-12-31T23:59");
  EXPECT_FALSE(format_date(std::numeric_limits<Minute>::max()).empty());
  EXPECT_FALSE(format_date(std::numeric_limits<Minute>::min()).empty());
}

TEST(FormatDate, RoundTripsTheLastMinuteOfTheRange) {
  const Minute last = *parse_date("9999-12-31T23:59");
  EXPECT_EQ(format_date(last), "9999-12-31T23:59");
}

TEST(NowMinute, IsTheCurrentTimeTruncatedToTheMinute) {
  const auto before = std::chrono::system_clock::now();
  const Minute now = now_minute();
  const auto after = std::chrono::system_clock::now();
  const auto as_minutes = [](auto t) {
    return std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count();
  };
  EXPECT_GE(now, as_minutes(before));
  EXPECT_LE(now, as_minutes(after));
}

}  // namespace
}  // namespace incident
