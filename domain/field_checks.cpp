// Typed readers of decoded request fields: the JSON kind rules, UTF-8 and
// length checks live here once, so every request shape applies them alike.
#include "domain/field_checks.hpp"

#include <charconv>

#include "domain/dates.hpp"
#include "domain/utf8.hpp"

namespace incident {
namespace {

constexpr const char* kNotValid = "Not a valid value.";
constexpr const char* kNotSingle = "Expected one value, not a list.";
constexpr std::string_view kSpace = " \t\r\n\f\v";

std::string_view trim(std::string_view text) {
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Null and empty text both mean "no value": JSON clients send null where form
// clients send an empty field.
bool is_blank(const FieldValue& v) {
  return v.kind == FieldValue::Kind::null || (v.kind == FieldValue::Kind::text && v.text.empty());
}

// A JSON number is true unless it is zero; anything unparsable is not a flag.
std::optional<bool> number_flag(const std::string& text) {
  double number = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, number);
  if (parsed.ec != std::errc() || parsed.ptr != end) return std::nullopt;
  return number != 0;
}

// The words HTML checkboxes and humans use; "" is an unchecked box.
std::optional<bool> word_flag(const std::string& text) {
  const std::string word = lower(text);
  if (word == "1" || word == "true" || word == "on" || word == "yes" || word == "y") return true;
  if (word.empty() || word == "0" || word == "false" || word == "off" || word == "no" ||
      word == "n") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

Error FieldChecker::error(std::string message) const {
  return Error{ErrorKind::invalid, std::move(message), reasons_};
}

void FieldChecker::fail(const std::string& field, std::string why) {
  reasons_[field].push_back(std::move(why));
}

const FieldValue* FieldChecker::first(const std::string& name) const {
  const auto it = fields_.find(name);
  return it == fields_.end() || it->second.empty() ? nullptr : &it->second.front();
}

FieldChecker::Text FieldChecker::text(const std::string& name, bool trimmed) {
  const FieldValue* v = first(name);
  if (v == nullptr) return {};
  if (v->kind == FieldValue::Kind::null) return Text{Text::State::empty, {}};
  const char* why = nullptr;
  if (v->listed) {
    why = kNotSingle;
  } else if (v->kind == FieldValue::Kind::structured) {
    why = kNotValid;
  } else if (v->kind != FieldValue::Kind::text) {
    why = reason::not_string;  // a JSON number or boolean where a string belongs
  } else if (!is_valid_utf8(v->text)) {
    why = reason::not_utf8;
  }
  if (why != nullptr) {
    fail(name, why);
    return Text{Text::State::bad, {}};
  }
  std::string value(trimmed ? trim(v->text) : std::string_view(v->text));
  if (value.empty()) return Text{Text::State::empty, {}};
  return Text{Text::State::value, std::move(value)};
}

bool FieldChecker::within(const std::string& name, const std::string& text, std::size_t min,
                          std::size_t max) {
  // Limits count code points, as users count characters, not bytes.
  const std::size_t length = utf8_length(text);
  if (length < min) {
    fail(name, "Field must be at least " + std::to_string(min) + " characters long.");
  } else if (length > max) {
    fail(name, "Field must be at most " + std::to_string(max) + " characters long.");
  }
  return length >= min && length <= max;
}

const FieldValue* FieldChecker::scalar(const std::string& name, bool required) {
  const FieldValue* v = first(name);
  if (v == nullptr || is_blank(*v)) {
    if (required) fail(name, reason::required);
    return nullptr;
  }
  if (v->kind == FieldValue::Kind::structured || v->listed) {
    fail(name, v->listed ? kNotSingle : kNotValid);
    return nullptr;
  }
  if (!is_valid_utf8(v->text)) {
    fail(name, reason::not_utf8);
    return nullptr;
  }
  return v;
}

std::optional<std::string> FieldChecker::required_text(const std::string& name, std::size_t min,
                                                       std::size_t max, bool trimmed) {
  Text t = text(name, trimmed);
  if (t.state == Text::State::value && trim(t.value).empty()) t.state = Text::State::empty;
  if (t.state == Text::State::absent || t.state == Text::State::empty) {
    fail(name, reason::required);
  }
  if (t.state != Text::State::value || !within(name, t.value, min, max)) return std::nullopt;
  return std::move(t.value);
}

std::optional<std::string> FieldChecker::optional_text(const std::string& name, std::size_t max) {
  Text t = text(name, false);
  if (t.state != Text::State::value || !within(name, t.value, 0, max)) return std::nullopt;
  return std::move(t.value);
}

FieldUpdate<std::string> FieldChecker::updated_text(const std::string& name, std::size_t max) {
  Text t = text(name, false);
  if (t.state == Text::State::empty) return FieldUpdate<std::string>::clear();
  if (t.state != Text::State::value || !within(name, t.value, 0, max)) return {};
  return FieldUpdate<std::string>::set(std::move(t.value));
}

std::optional<Id> FieldChecker::required_id(const std::string& name) {
  const FieldValue* v = scalar(name, true);
  if (v == nullptr) return std::nullopt;
  const bool numeric = v->kind == FieldValue::Kind::text || v->kind == FieldValue::Kind::number;
  const std::optional<Id> id = numeric ? parse_id(v->text) : std::nullopt;
  if (!id) fail(name, reason::not_integer);
  return id;
}

FieldUpdate<Minute> FieldChecker::date(const std::string& name) {
  const FieldValue* raw = first(name);
  if (raw == nullptr) return FieldUpdate<Minute>::keep();
  if (is_blank(*raw)) return FieldUpdate<Minute>::clear();
  const FieldValue* v = scalar(name, false);
  if (v == nullptr) return FieldUpdate<Minute>::keep();
  const auto minute = v->kind == FieldValue::Kind::text ? parse_date(v->text) : std::nullopt;
  if (!minute) {
    fail(name, reason::not_date);
    return FieldUpdate<Minute>::keep();
  }
  return FieldUpdate<Minute>::set(*minute);
}

bool FieldChecker::flag(const std::string& name) {
  const FieldValue* v = scalar(name, false);
  if (v == nullptr) return false;
  const auto value =
      v->kind == FieldValue::Kind::number ? number_flag(v->text) : word_flag(v->text);
  if (!value) fail(name, reason::not_boolean);
  return value.value_or(false);
}

bool FieldChecker::check_url(const std::string& name, const std::optional<std::string>& link) {
  if (!link || is_http_url(*link)) return true;
  fail(name, reason::not_url);
  return false;
}

}  // namespace incident
