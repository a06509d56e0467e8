// What ProdManager's Python client sends, reproduced: python `requests` with
// a dict form body (its exact encoding rules) and its redirect following.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "form_encoding.hpp"
#include "http_response.hpp"

namespace e2e {

/// The (name, value) pairs `requests` form-encodes a dict into: None is
/// skipped, a scalar is str()-ed (True -> "True"), a dict yields its keys,
/// a list yields its elements (a dict element again yields its keys).
Fields requests_form_pairs(const nlohmann::json& dict);

/// Python's str() of a JSON value: 'quoted' strings inside containers,
/// True/False/None, {'k': v} dicts and [a, b] lists.
std::string python_str(const nlohmann::json& value, bool top_level = true);

class PythonRequests {
 public:
  struct Result {
    Response response;              // the final response
    std::vector<Response> history;  // redirects followed to get there
    std::string url;                // the final URL
  };

  /// base_url like "http://127.0.0.1:8080"; token sent as a bearer token.
  PythonRequests(std::string base_url, std::string token)
      : base_url_(std::move(base_url)), token_(std::move(token)) {}

  /// requests.get(url, params=...).
  Result get(const std::string& path, const Fields& params = {}) const;
  /// requests.post(url, data=dict): form body, redirects followed.
  Result post(const std::string& path, const nlohmann::json& data) const;
  /// requests.post(url, data=pairs), when the pairs are built by hand.
  Result post_pairs(const std::string& path, const Fields& pairs) const;

 private:
  Result run(std::string method, std::string url, std::string body) const;

  std::string base_url_;
  std::string token_;
};

}  // namespace e2e
