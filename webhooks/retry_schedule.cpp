// Retry waits: the schedule is data (the default one, or parsed once from
// configuration), and the wait for a given attempt is a pure function of it,
// so the delivery worker keeps no timing logic of its own.
#include "webhooks/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

#include "domain/integers.hpp"

namespace incident::webhooks {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxIntervals = 32;
constexpr milliseconds kMaxInterval = std::chrono::hours(24);
// Jitter spreads retries of many subscriptions failing together (the same
// receiver down) so that they do not all come back in the same instant.
constexpr double kJitterSpread = 0.2;  // ±10%

std::optional<milliseconds> unit_of(std::string_view unit) {
  if (unit == "ms") return milliseconds(1);
  if (unit == "s") return std::chrono::seconds(1);
  if (unit == "m") return std::chrono::minutes(1);
  if (unit == "h") return std::chrono::hours(1);
  if (unit == "d") return std::chrono::hours(24);
  return std::nullopt;
}

// "<positive integer><unit>", at most a day.
std::optional<milliseconds> parse_interval(std::string_view item) {
  const auto digits = item.find_first_not_of("0123456789");
  if (digits == 0 || digits == std::string_view::npos) return std::nullopt;
  const auto count = parse_integer(item.substr(0, digits));
  const auto unit = unit_of(item.substr(digits));
  // The count is bounded before multiplying, so nothing can overflow.
  if (!count || !unit || *count < 1 || *count > kMaxInterval / *unit) return std::nullopt;
  return *unit * *count;
}

}  // namespace

RetrySchedule default_retry_schedule() {
  using namespace std::chrono_literals;
  return RetrySchedule{{5s, 5min, 30min, 2h, 5h, 10h, 10h}};
}

std::optional<RetrySchedule> parse_retry_schedule(std::string_view text) {
  RetrySchedule schedule;
  for (;;) {
    const auto comma = text.find(',');
    const auto interval = parse_interval(text.substr(0, comma));
    if (!interval || schedule.intervals.size() == kMaxIntervals) return std::nullopt;
    schedule.intervals.push_back(*interval);
    if (comma == std::string_view::npos) return schedule;
    text.remove_prefix(comma + 1);
  }
}

std::optional<milliseconds> retry_delay(const RetrySchedule& schedule, int failed_attempts,
                                        milliseconds since_first_attempt, double jitter) {
  if (schedule.intervals.empty()) return std::nullopt;
  if (failed_attempts < 1) return milliseconds(0);
  const auto index =
      std::min(static_cast<std::size_t>(failed_attempts) - 1, schedule.intervals.size() - 1);
  if (!(jitter >= 0.0)) jitter = 0.0;  // also NaN
  if (jitter >= 1.0) jitter = std::nextafter(1.0, 0.0);
  const double factor = 1.0 + kJitterSpread * (jitter - 0.5);
  const auto delay = milliseconds(static_cast<milliseconds::rep>(
      std::llround(static_cast<double>(schedule.intervals[index].count()) * factor)));
  if (since_first_attempt + delay > schedule.horizon) return std::nullopt;
  return delay;
}

}  // namespace incident::webhooks
