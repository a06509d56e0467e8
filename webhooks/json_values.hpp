// Typed reads of JSON values that refuse the wrong type instead of throwing:
// a stored subscription or a change message that does not have the shape
// expected is told apart, never half read.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace incident::webhooks {

inline bool read_value(const nlohmann::json& v, std::string& out) {
  if (!v.is_string()) return false;
  out = v.get<std::string>();
  return true;
}

inline bool read_value(const nlohmann::json& v, std::int64_t& out) {
  if (!v.is_number_integer()) return false;
  out = v.get<std::int64_t>();
  return true;
}

inline bool read_value(const nlohmann::json& v, bool& out) {
  if (!v.is_boolean()) return false;
  out = v.get<bool>();
  return true;
}

template <class T>
bool read_value(const nlohmann::json& v, std::vector<T>& out) {
  if (!v.is_array()) return false;
  out.clear();
  for (const auto& element : v) {
    T value{};
    if (!read_value(element, value)) return false;
    out.push_back(std::move(value));
  }
  return true;
}

}  // namespace incident::webhooks
