// Builders shared by the unit tests: valid request fields, incidents in a given
// state and JSON-typed values, so each test states only what it varies.
#pragma once

#include <string>

#include "domain/fields.hpp"
#include "domain/incident.hpp"
#include "domain/result.hpp"

namespace incident::test {

/// Replaces a field with one text value.
inline void set_text(FieldMap& fields, const std::string& name, std::string value) {
  fields[name] = {FieldValue{std::move(value), FieldValue::Kind::text}};
}

/// Replaces a field with one value of a JSON kind (as a JSON body decodes it).
inline void set_kind(FieldMap& fields, const std::string& name, FieldValue::Kind kind,
                     std::string text = "") {
  fields[name] = {FieldValue{std::move(text), kind}};
}

/// The fields of a minimal valid create.
inline FieldMap create_fields() {
  FieldMap fields;
  set_text(fields, "name", "Database outage");
  set_text(fields, "severity", "high");
  set_text(fields, "scope", "1");
  set_text(fields, "service", "2");
  return fields;
}

/// The fields of a minimal valid update.
inline FieldMap update_fields() {
  FieldMap fields = create_fields();
  set_text(fields, "status", "active");
  return fields;
}

/// `count` copies of a string (one code point when it is one character).
inline std::string repeat(const std::string& unit, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += unit;
  return out;
}

/// The reasons of a failed result, or an empty map when it succeeded.
template <class T>
Reasons reasons_of(const Result<T>& result) {
  return result.ok() ? Reasons{} : result.error().reasons;
}

}  // namespace incident::test
