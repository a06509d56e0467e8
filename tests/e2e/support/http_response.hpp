// An HTTP response as the e2e tests see it: status, headers (repeatable, looked
// up case-insensitively) and the body, with a JSON view of the body.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace e2e {

/// Header fields in the order sent; a name may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;  // 0 when no response could be read at all
  Headers headers;
  std::string body;

  /// The first header of that name (case-insensitive), if any.
  std::optional<std::string> header(const std::string& name) const;
  /// The value of header(name), or "" when absent: handy in assertions.
  std::string header_or_empty(const std::string& name) const;
  /// Every header of that name, in order.
  std::vector<std::string> all_headers(const std::string& name) const;
  /// The body parsed as JSON; a discarded value when it is not JSON.
  nlohmann::json json() const;
  /// True when Content-Type says application/json (parameters allowed).
  bool is_json() const;
  /// "status + body" for failure messages.
  std::string describe() const;
};

/// Case-insensitive ASCII comparison of header names.
bool same_header_name(const std::string& a, const std::string& b);

}  // namespace e2e
