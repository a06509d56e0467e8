// Dates of the API: strict parsing of the accepted input formats and formatting
// at minute precision, with calendar arithmetic that needs no locale or timegm.
#include "domain/dates.hpp"

#include <chrono>
#include <cstdio>

namespace incident {
namespace {

constexpr Minute kMinutesPerDay = 24 * 60;

struct Civil {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic
// Gregorian date, exact for every year and independent of the C library.
std::int64_t days_from_civil(const Civil& c) {
  const std::int64_t y = c.year - (c.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (c.month + 9) % 12;  // March is month 0
  const std::int64_t doy = (153 * mp + 2) / 5 + c.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The inverse of days_from_civil.
Civil civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return Civil{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads `count` ASCII digits at `pos`; -1 when any of them is not a digit.
int digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Floor division, so that minutes before the epoch still map to the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

std::optional<Minute> parse_date(std::string_view text) {
  // Layout: YYYY-MM-DD?HH:MM with '?' one of 'T' and ' ', then optionally :SS.
  if (text.size() != 16 && text.size() != 19) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[13] != ':') return std::nullopt;
  if (text[10] != 'T' && text[10] != ' ') return std::nullopt;
  if (text.size() == 19) {
    const int second = text[16] == ':' ? digits_at(text, 17, 2) : -1;
    if (second < 0 || second > 59) return std::nullopt;  // read, checked, then dropped
  }
  const int year = digits_at(text, 0, 4);
  const int month = digits_at(text, 5, 2);
  const int day = digits_at(text, 8, 2);
  const int hour = digits_at(text, 11, 2);
  const int minute = digits_at(text, 14, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > days_in_month(year, month)) return std::nullopt;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  return days_from_civil(Civil{year, month, day}) * kMinutesPerDay + hour * 60 + minute;
}

std::string format_date(Minute minute) {
  const std::int64_t days = floor_div(minute, kMinutesPerDay);
  const std::int64_t in_day = (minute % kMinutesPerDay + kMinutesPerDay) % kMinutesPerDay;
  const Civil c = civil_from_days(days);
  const int hour = static_cast<int>(in_day / 60), minute_of_hour = static_cast<int>(in_day % 60);
  if (c.year >= 0 && c.year <= 9999) {  // every real date: digits written directly (hot path)
    char text[] = "0000-00-00T00:00";
    auto two = [&](int at, int value) {
      text[at] = static_cast<char>('0' + value / 10);
      text[at + 1] = static_cast<char>('0' + value % 10);
    };
    two(0, static_cast<int>(c.year / 100));
    two(2, static_cast<int>(c.year % 100));
    two(5, c.month);
    two(8, c.day);
    two(11, hour);
    two(14, minute_of_hour);
    return std::string(text, sizeof text - 1);
  }
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02dT%02d:%02d", static_cast<long long>(c.year),
                c.month, c.day, hour, minute_of_hour);
  return buffer;
}

Minute now_minute() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::floor<std::chrono::minutes>(since_epoch).count();
}

}  // namespace incident
