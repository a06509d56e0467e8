// Writes JSON text straight into a string, for the paths every request takes
// (incidents, change-feed messages): no document is built first. The output
// is what nlohmann::json::dump() prints for the same values, so both can serve
// one API: compact, strings escaped the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace incident {

class JsonText {
 public:
  JsonText& begin_object();
  JsonText& end_object();
  JsonText& begin_array();
  JsonText& end_array();
  /// The next member's name; its value follows.
  JsonText& key(std::string_view name);
  /// Ill-formed UTF-8 is written as U+FFFD, as nlohmann's `replace` handler does.
  JsonText& string(std::string_view text);
  JsonText& integer(std::int64_t number);
  JsonText& boolean(bool flag);
  JsonText& null();
  /// A value that is JSON text already (e.g. a dumped document).
  JsonText& raw(std::string_view json);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  /// Writes the comma a value or member needs after a sibling.
  void separate();

  std::string out_;
  bool after_value_ = false;
};

}  // namespace incident
