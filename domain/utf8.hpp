// UTF-8 checks: the API rejects invalid UTF-8 anywhere in its input.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace incident {

/// True when text is well-formed UTF-8 (no overlongs, surrogates or code
/// points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// The length of the well-formed sequence starting at text[at] (1 to 4), or
/// 0 when an ill-formed one starts there. `at` must be inside text.
std::size_t utf8_sequence_at(std::string_view text, std::size_t at);

/// The number of code points of well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

}  // namespace incident
