// A request as the handlers see it: copied out of Pistache (whose Request is
// reset when onRequest returns) with lowercase header names.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/fields.hpp"

namespace incident {

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;
  FieldMap query;
  std::map<std::string, std::string> headers;  // lowercase name -> value
  std::string body;
  std::string peer_address;  // the client's IP address

  std::optional<std::string> header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

/// What a handler answers; the server writes it.
struct ApiResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace incident
