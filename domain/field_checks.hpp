// Typed readers of decoded request fields, shared by every request validator.
// A reader records a reason for each bad field instead of stopping at the first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/fields.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"
#include "domain/validation.hpp"

namespace incident {

/// Reads fields from a FieldMap (the first value of each) and collects the
/// reasons of every bad one, so that a client learns all its mistakes at once.
/// Every reader returns "nothing" (nullopt or keep) for a bad field.
class FieldChecker {
 public:
  explicit FieldChecker(const FieldMap& fields) : fields_(fields) {}

  bool ok() const { return reasons_.empty(); }
  Error error(std::string message) const;
  void fail(const std::string& field, std::string why);

  /// Text of min..max code points; missing, empty, null or blank is
  /// reason::required. `trimmed` also strips surrounding spaces from the value.
  std::optional<std::string> required_text(const std::string& name, std::size_t min,
                                           std::size_t max, bool trimmed);
  /// Optional text of a create: absent and empty both mean "not set".
  std::optional<std::string> optional_text(const std::string& name, std::size_t max);
  /// Optional text of an update: absent keeps, empty or null clears, a value sets.
  FieldUpdate<std::string> updated_text(const std::string& name, std::size_t max);
  /// A required positive id, sent as text or as a JSON number.
  std::optional<Id> required_id(const std::string& name);
  /// A required enum value, parsed by `parse`.
  template <class Enum>
  std::optional<Enum> required_choice(const std::string& name,
                                      std::optional<Enum> (*parse)(std::string_view));
  /// A date: absent keeps, empty or null clears, a valid date sets.
  FieldUpdate<Minute> date(const std::string& name);
  /// A flag as HTML forms and JSON send it; absent or null is false.
  bool flag(const std::string& name);

  /// Records reason::not_url when a set link is not an absolute http(s) URL.
  bool check_url(const std::string& name, const std::optional<std::string>& link);

 private:
  // One text field as sent, classified.
  struct Text {
    enum class State { absent, empty, value, bad } state = State::absent;
    std::string value;
  };

  const FieldValue* first(const std::string& name) const;
  Text text(const std::string& name, bool trimmed);
  bool within(const std::string& name, const std::string& text, std::size_t min, std::size_t max);
  // The common head of scalar readers: nullptr when absent/blank (required reported
  // if `required`) or when the value is structured or not UTF-8 (reported).
  const FieldValue* scalar(const std::string& name, bool required);

  const FieldMap& fields_;
  Reasons reasons_;
};

template <class Enum>
std::optional<Enum> FieldChecker::required_choice(const std::string& name,
                                                  std::optional<Enum> (*parse)(std::string_view)) {
  const FieldValue* v = scalar(name, true);
  if (v == nullptr) return std::nullopt;
  // A JSON number or boolean can never be one of the choices, which are words.
  const auto value = v->kind == FieldValue::Kind::text ? parse(v->text) : std::nullopt;
  if (!value) fail(name, reason::not_choice);
  return value;
}

}  // namespace incident
