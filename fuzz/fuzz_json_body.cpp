// Fuzzes JSON object bodies (parse_json_object, and parse_body with a JSON Content-Type).
// nlohmann's lexer is strict RFC 8259, so whatever it accepts decodes to well-formed
// UTF-8: every name and text value must pass is_valid_utf8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/utf8.hpp"
#include "fuzz/check.hpp"
#include "http/body_parser.hpp"

using incident::FieldValue;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto fields = incident::parse_json_object(input);
  const auto typed = incident::parse_body(std::string("Application/JSON; charset=utf-8"), input);
  FUZZ_CHECK(fields.ok() == typed.ok());
  if (!fields) return 0;
  FUZZ_CHECK(fields->size() == typed->size());

  for (const auto& [name, list] : *fields) {
    FUZZ_CHECK(incident::is_valid_utf8(name));
    for (const FieldValue& value : list) {
      FUZZ_CHECK(incident::is_valid_utf8(value.text));
      switch (value.kind) {
        case FieldValue::Kind::null:
        case FieldValue::Kind::structured:
          FUZZ_CHECK(value.text.empty());
          break;
        case FieldValue::Kind::boolean:
          FUZZ_CHECK(value.text == "true" || value.text == "false");
          break;
        case FieldValue::Kind::number:
          FUZZ_CHECK(!value.text.empty());
          break;
        case FieldValue::Kind::text:
          break;
      }
    }
  }
  return 0;
}
