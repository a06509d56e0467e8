#include "domain/integers.hpp"

#include <limits>

namespace incident {
namespace {

constexpr std::int64_t kSaturated = std::numeric_limits<std::int64_t>::max();

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text, bool allow_negative) {
  const bool negative = allow_negative && !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    // Saturates (and stays) at the largest value rather than overflow.
    value = value > (kSaturated - 9) / 10 ? kSaturated : value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> parse_integer_in(std::string_view text, std::int64_t min,
                                             std::int64_t max) {
  auto value = parse_integer(text, min < 0);
  if (!value || *value < min || *value > max) return std::nullopt;
  return value;
}

std::optional<Id> parse_id(std::string_view text) { return parse_integer_in(text, 1, kMaxId); }

}  // namespace incident
