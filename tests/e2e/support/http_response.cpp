// Lookups on a received HTTP response; kept apart from the socket code so the
// assertions' helpers stay readable.
#include "http_response.hpp"

#include <cctype>

namespace e2e {

bool same_header_name(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::optional<std::string> Response::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (same_header_name(key, name)) return value;
  }
  return std::nullopt;
}

std::string Response::header_or_empty(const std::string& name) const {
  return header(name).value_or("");
}

std::vector<std::string> Response::all_headers(const std::string& name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (same_header_name(key, name)) values.push_back(value);
  }
  return values;
}

nlohmann::json Response::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

bool Response::is_json() const {
  std::string type = header_or_empty("Content-Type");
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type.rfind("application/json", 0) == 0;
}

std::string Response::describe() const {
  // Long bodies (lists) would drown the failure message: keep the head.
  constexpr std::size_t kMax = 2000;
  std::string shown = body.size() > kMax ? body.substr(0, kMax) + "..." : body;
  return "HTTP " + std::to_string(status) + " " + shown;
}

}  // namespace e2e
