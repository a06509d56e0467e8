// python `requests` behaviour as measured with requests 2.x: form encoding of
// dicts via urlencode(doseq=True) and redirects of POST turned into GET
// (302/303, and 301 for POST), keeping the Authorization header on one host.
#include "python_requests.hpp"

#include <cstdlib>
#include <sstream>

#include "http_client.hpp"

namespace e2e {

using nlohmann::json;

namespace {

struct Url {
  std::string host;
  int port = 80;
  std::string target;
};

Url parse_url(const std::string& url) {
  Url parsed;
  std::string rest = url.substr(url.find("://") + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  parsed.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  parsed.host = authority.substr(0, colon);
  if (colon != std::string::npos) parsed.port = std::atoi(authority.c_str() + colon + 1);
  return parsed;
}

std::string python_repr_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

/// urlencode(doseq=True) of one (name, value) pair `requests` produced.
void append_doseq(Fields& out, const std::string& name, const json& value) {
  if (value.is_object()) {
    for (const auto& item : value.items()) out.emplace_back(name, item.key());
  } else if (value.is_array()) {
    for (const auto& element : value) out.emplace_back(name, python_str(element));
  } else {
    out.emplace_back(name, python_str(value));
  }
}

}  // namespace

std::string python_str(const json& value, bool top_level) {
  if (value.is_null()) return "None";
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_string())
    return top_level ? value.get<std::string>() : python_repr_string(value.get<std::string>());
  if (value.is_number()) return value.dump();
  std::string out = value.is_object() ? "{" : "[";
  bool first = true;
  for (const auto& item : value.items()) {
    if (!first) out += ", ";
    first = false;
    if (value.is_object()) out += python_repr_string(item.key()) + ": ";
    out += python_str(item.value(), false);
  }
  return out + (value.is_object() ? "}" : "]");
}

Fields requests_form_pairs(const json& dict) {
  Fields pairs;
  for (const auto& [name, values] : dict.items()) {
    if (values.is_object()) {
      for (const auto& item : values.items()) pairs.emplace_back(name, item.key());
    } else if (values.is_array()) {
      for (const auto& value : values) {
        if (!value.is_null()) append_doseq(pairs, name, value);
      }
    } else if (!values.is_null()) {
      append_doseq(pairs, name, values);
    }
  }
  return pairs;
}

PythonRequests::Result PythonRequests::get(const std::string& path, const Fields& params) const {
  std::string url = base_url_ + path;
  if (!params.empty()) url += "?" + form_encode(params);
  return run("GET", url, "");
}

PythonRequests::Result PythonRequests::post(const std::string& path, const json& data) const {
  return post_pairs(path, requests_form_pairs(data));
}

PythonRequests::Result PythonRequests::post_pairs(const std::string& path,
                                                  const Fields& pairs) const {
  return run("POST", base_url_ + path, form_encode(pairs));
}

PythonRequests::Result PythonRequests::run(std::string method, std::string url,
                                           std::string body) const {
  Result result;
  for (int hop = 0; hop <= 30; ++hop) {
    Url parsed = parse_url(url);
    Headers headers = {{"User-Agent", "python-requests/2.31.0"},
                       {"Accept-Encoding", "gzip, deflate"},
                       {"Accept", "*/*"}};
    if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
    if (method == "POST") headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    Response response =
        HttpClient(parsed.host, parsed.port).request(method, parsed.target, headers, body);
    result.url = url;
    auto location = response.header("Location");
    bool redirect = response.status == 301 || response.status == 302 || response.status == 303;
    if (!redirect || !location) {
      result.response = std::move(response);
      return result;
    }
    // requests turns the redirected POST into a body-less GET.
    if (method != "HEAD") method = "GET";
    body.clear();
    url = location->find("://") != std::string::npos ? *location : base_url_ + *location;
    result.history.push_back(std::move(response));
  }
  return result;
}

}  // namespace e2e
