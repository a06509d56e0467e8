// A request body or query string, decoded: each field name maps to its values
// (a repeated form field is a list) and remembers the JSON type it came as.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace incident {

struct FieldValue {
  /// How the value was sent: form bodies and query strings only give text.
  enum class Kind { text, number, boolean, null, structured };
  std::string text;  // the value as text ("" for null; unused for structured)
  Kind kind = Kind::text;
  /// One element of a JSON array: right where a field may repeat (a token's
  /// permissions), refused where one value belongs.
  bool listed = false;
};

using FieldMap = std::map<std::string, std::vector<FieldValue>>;

/// Convenience for tests and form parsers: one text value per field.
inline void add_text(FieldMap& fields, const std::string& name, std::string value) {
  fields[name].push_back(FieldValue{std::move(value), FieldValue::Kind::text});
}

}  // namespace incident
