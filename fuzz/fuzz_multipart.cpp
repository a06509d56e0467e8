// Fuzzes multipart/form-data bodies. The input's first line is the boundary and the rest
// the body, so seeds stay readable while the fuzzer mutates both; the same body also goes
// through parse_body, whose Content-Type parameter parsing then reads the boundary.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/check.hpp"
#include "http/body_parser.hpp"

using incident::FieldValue;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string boundary(input.substr(0, newline));
  const std::string_view body = input.substr(newline + 1);

  const auto fields = incident::parse_multipart(body, boundary);
  if (fields) {
    // Part names and contents are disjoint pieces of the body.
    std::size_t bytes = 0;
    for (const auto& [name, list] : *fields) {
      FUZZ_CHECK(!name.empty());
      bytes += name.size();
      for (const FieldValue& value : list) {
        FUZZ_CHECK(value.kind == FieldValue::Kind::text);
        bytes += value.text.size();
      }
    }
    FUZZ_CHECK(bytes <= body.size());
  }

  (void)incident::parse_body("multipart/form-data; boundary=" + boundary, body);
  return 0;
}
