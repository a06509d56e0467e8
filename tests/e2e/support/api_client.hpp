// The API as tests call it: GET and POST (form, multipart, JSON) with an
// optional bearer token and extra headers, over the plain HTTP client.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "form_encoding.hpp"
#include "http_client.hpp"

namespace e2e {

class ApiClient {
 public:
  explicit ApiClient(HttpClient http) : http_(std::move(http)) {}

  Response get(const std::string& target, const std::string& token = "",
               const Headers& extra = {}) const;
  Response post_form(const std::string& target, const Fields& fields, const std::string& token = "",
                     const Headers& extra = {}) const;
  Response post_multipart(const std::string& target, const Fields& fields,
                          const std::string& token = "", const Headers& extra = {}) const;
  Response post_json(const std::string& target, const nlohmann::json& body,
                     const std::string& token = "", const Headers& extra = {}) const;
  /// POSTs body bytes as they are, with the given Content-Type.
  Response post_bytes(const std::string& target, const std::string& content_type,
                      const std::string& body, const std::string& token = "",
                      const Headers& extra = {}) const;
  /// Any method, any headers, any body.
  Response send(const std::string& method, const std::string& target, const Headers& headers,
                const std::string& body = "") const;
  /// Arbitrary bytes on a fresh connection.
  Response raw(const std::string& bytes, bool half_close = false) const {
    return http_.raw(bytes, half_close);
  }

  /// "http://127.0.0.1:<port>": what absolute URLs start with by default.
  std::string base_url() const { return "http://" + http_.authority(); }
  const HttpClient& http() const { return http_; }

 private:
  Headers with_auth(const std::string& token, const Headers& extra) const;

  HttpClient http_;
};

/// The header that asks a write to answer with the resource itself.
inline const Headers kPreferRepresentation = {{"Prefer", "return=representation"}};

}  // namespace e2e
