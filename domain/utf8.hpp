// UTF-8 checks: the API rejects invalid UTF-8 anywhere in its input.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace incident {

/// True when text is well-formed UTF-8 (no overlongs, surrogates or code
/// points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// The number of code points of well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

}  // namespace incident
