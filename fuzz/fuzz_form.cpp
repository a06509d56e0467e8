// Fuzzes form bodies and query strings (url_decode, parse_urlencoded): no crash, and
// decoding never grows text, since every byte or %XX escape yields at most one byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/check.hpp"
#include "http/body_parser.hpp"

using incident::FieldValue;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::string decoded = incident::url_decode(input);
  FUZZ_CHECK(decoded.size() <= input.size());
  // Without '%' or '+' there is nothing to decode.
  FUZZ_CHECK(input.find_first_of("%+") != std::string_view::npos || decoded == input);

  // Names and values are disjoint pieces of the input; each '&'-separated pair is one value.
  std::size_t bytes = 0, values = 0;
  for (const auto& [name, list] : incident::parse_urlencoded(input)) {
    bytes += name.size();
    for (const FieldValue& value : list) {
      FUZZ_CHECK(value.kind == FieldValue::Kind::text);
      bytes += value.text.size();
      ++values;
    }
  }
  FUZZ_CHECK(bytes <= input.size());
  FUZZ_CHECK(values <= static_cast<std::size_t>(std::count(input.begin(), input.end(), '&')) + 1);
  return 0;
}
