// Request shaping for the API: auth header and body encodings, so that
// tests state what they send and not how it is framed.
#include "api_client.hpp"

namespace e2e {

Headers ApiClient::with_auth(const std::string& token, const Headers& extra) const {
  Headers headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

Response ApiClient::get(const std::string& target, const std::string& token,
                        const Headers& extra) const {
  return http_.request("GET", target, with_auth(token, extra));
}

Response ApiClient::post_form(const std::string& target, const Fields& fields,
                              const std::string& token, const Headers& extra) const {
  return post_bytes(target, "application/x-www-form-urlencoded", form_encode(fields), token, extra);
}

Response ApiClient::post_multipart(const std::string& target, const Fields& fields,
                                   const std::string& token, const Headers& extra) const {
  MultipartBody multipart = multipart_encode(fields);
  return post_bytes(target, multipart.content_type, multipart.body, token, extra);
}

Response ApiClient::post_json(const std::string& target, const nlohmann::json& body,
                              const std::string& token, const Headers& extra) const {
  return post_bytes(target, "application/json", body.dump(), token, extra);
}

Response ApiClient::post_bytes(const std::string& target, const std::string& content_type,
                               const std::string& body, const std::string& token,
                               const Headers& extra) const {
  Headers headers = with_auth(token, extra);
  headers.emplace_back("Content-Type", content_type);
  return http_.request("POST", target, headers, body);
}

Response ApiClient::send(const std::string& method, const std::string& target,
                         const Headers& headers, const std::string& body) const {
  return http_.request(method, target, headers, body);
}

}  // namespace e2e
