// When a failed webhook delivery is tried again: a schedule of waits (the
// Standard Webhooks one by default, or one an operator configures) with a
// little jitter, and a horizon after which the message is given up.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace incident::webhooks {

struct RetrySchedule {
  /// The wait after the 1st, 2nd, ... failure; the last one repeats.
  std::vector<std::chrono::milliseconds> intervals;
  /// No attempt starts later than this after the first one.
  std::chrono::milliseconds horizon{std::chrono::hours(24)};
};

/// The Standard Webhooks recommendation after the first attempt: 5s, 5m, 30m,
/// 2h, 5h, 10h, 10h (the horizon of 24h ends it before the last).
RetrySchedule default_retry_schedule();

/// Comma-separated waits such as "1s,2s,5s" or "500ms,1m,2h,1d": a positive
/// integer then a unit (ms, s, m, h, d), each at most 24h, 1 to 32 of them,
/// no spaces or empty items. nullopt for anything else. The horizon is the
/// default one.
std::optional<RetrySchedule> parse_retry_schedule(std::string_view text);

/// The wait before the next attempt after `failed_attempts` failures:
/// intervals[failed_attempts - 1], the last interval past the end, spread by
/// up to ±10% with `jitter` in [0, 1) (0.5 is the interval exactly; a value
/// outside is clamped). 0 for `failed_attempts` < 1 (the first attempt goes
/// at once). nullopt when the schedule is empty or the attempt would start
/// more than `horizon` after the first one (`since_first_attempt` is the time
/// from that to now): the message has then failed for good.
std::optional<std::chrono::milliseconds> retry_delay(const RetrySchedule& schedule,
                                                     int failed_attempts,
                                                     std::chrono::milliseconds since_first_attempt,
                                                     double jitter);

}  // namespace incident::webhooks
