// Parsing of Redis URIs (redis://, unix://) into an endpoint.
#include "storage/redis_endpoint.hpp"

#include "domain/integers.hpp"

namespace incident {
namespace {

std::optional<int> parse_small_int(const std::string& text, int max) {
  auto value = parse_integer_in(text, 0, max);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<RedisEndpoint> parse_tcp(const std::string& rest) {
  RedisEndpoint endpoint;
  std::string authority = rest.substr(0, rest.find('/'));
  std::string path = rest.size() > authority.size() ? rest.substr(authority.size() + 1) : "";
  auto colon = authority.rfind(':');
  endpoint.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    auto port = parse_small_int(authority.substr(colon + 1), 65535);
    if (!port || *port == 0) return std::nullopt;
    endpoint.port = *port;
  }
  if (endpoint.host.empty()) return std::nullopt;
  if (!path.empty()) {
    auto db = parse_small_int(path, 1000);
    if (!db) return std::nullopt;
    endpoint.db = *db;
  }
  return endpoint;
}

std::optional<RedisEndpoint> parse_unix(const std::string& rest) {
  RedisEndpoint endpoint;
  auto query = rest.find('?');
  endpoint.socket_path = rest.substr(0, query);
  if (endpoint.socket_path.empty() || endpoint.socket_path[0] != '/') return std::nullopt;
  if (query != std::string::npos) {
    std::string params = rest.substr(query + 1);
    if (params.rfind("db=", 0) != 0) return std::nullopt;
    auto db = parse_small_int(params.substr(3), 1000);
    if (!db) return std::nullopt;
    endpoint.db = *db;
  }
  return endpoint;
}

}  // namespace

std::string RedisEndpoint::describe() const {
  if (is_unix()) return "unix://" + socket_path + "?db=" + std::to_string(db);
  return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::optional<RedisEndpoint> parse_redis_uri(const std::string& uri) {
  const std::string tcp = "redis://", unix_scheme = "unix://";
  if (uri.rfind(tcp, 0) == 0) return parse_tcp(uri.substr(tcp.size()));
  if (uri.rfind(unix_scheme, 0) == 0) return parse_unix(uri.substr(unix_scheme.size()));
  return std::nullopt;
}

}  // namespace incident
