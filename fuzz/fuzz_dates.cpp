// Fuzzes the API's dates (domain/dates.hpp): an accepted date formats back to the same
// minute and text (seconds dropped, 'T' separator), and any minute formats without fault.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "domain/dates.hpp"
#include "fuzz/check.hpp"

using incident::Minute;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto minute = incident::parse_date(input)) {
    std::string expected(input.substr(0, 16));
    expected[10] = 'T';
    FUZZ_CHECK(incident::format_date(*minute) == expected);
  }

  // The first bytes as any minute, as stored data could hold: formatting must not fault,
  // and within the parseable years it must round-trip.
  static const Minute kLast = *incident::parse_date("9999-12-31T23:59");
  Minute minute = 0;
  if (size < sizeof minute) return 0;
  std::memcpy(&minute, data, sizeof minute);
  const std::string text = incident::format_date(minute);
  if (minute >= 0 && minute <= kLast) FUZZ_CHECK(incident::parse_date(text) == minute);
  return 0;
}
