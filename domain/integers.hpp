// The one decimal parser of the server, and the one bound on ids: every
// integer read from a client, a header, a URI or Redis goes through here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/incident.hpp"

namespace incident {

/// The largest id: the largest integer a JSON number (a double) holds exactly,
/// so clients in any language read every id as it is.
constexpr Id kMaxId = 9'007'199'254'740'991;  // 2^53 - 1

/// A decimal integer: an optional '-' (when `allow_negative`) then digits
/// only, no spaces, no '+'. A value too large for 64 bits saturates at the
/// largest (or smallest) one, above any bound a caller checks: it never
/// overflows. nullopt when not digits.
std::optional<std::int64_t> parse_integer(std::string_view text, bool allow_negative = false);

/// An integer in [min, max], or nullopt.
std::optional<std::int64_t> parse_integer_in(std::string_view text, std::int64_t min,
                                             std::int64_t max);

/// An id: an integer in [1, kMaxId].
std::optional<Id> parse_id(std::string_view text);

}  // namespace incident
