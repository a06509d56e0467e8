// discover_primary: one pass over the sentinels; the first candidate that
// confirms its own role wins.
#include "storage/sentinel_discovery.hpp"

#include <algorithm>
#include <sstream>

#include "domain/integers.hpp"

namespace incident {
namespace {

std::string role_name(ServerRole role) {
  switch (role) {
    case ServerRole::primary:
      return "the primary";
    case ServerRole::replica:
      return "a replica";
    case ServerRole::other:
      return "not a data server";
    case ServerRole::unreachable:
      return "unreachable";
  }
  return "unknown";
}

/// Why a sentinel's answer did not name a primary; empty when it did.
std::string answer_failure(const SentinelAnswer& answer, const std::string& master_name) {
  switch (answer.kind) {
    case SentinelAnswer::Kind::primary:
      return "";
    case SentinelAnswer::Kind::unknown_master:
      return "does not monitor '" + master_name + "'";
    case SentinelAnswer::Kind::unreachable:
      return "unreachable";
    case SentinelAnswer::Kind::refused:
      return "refused: " + answer.detail;
  }
  return "unknown answer";
}

}  // namespace

std::string Discovery::describe_failure() const {
  if (failures.empty()) return "no sentinel configured";
  std::string text = "no primary found:";
  for (const auto& failure : failures) text += " " + failure + ";";
  text.pop_back();
  return text;
}

Discovery discover_primary(std::vector<RedisEndpoint>& sentinels, const std::string& master_name,
                           SentinelProbe& probe) {
  Discovery discovery;
  for (auto sentinel = sentinels.begin(); sentinel != sentinels.end(); ++sentinel) {
    const std::string who = "sentinel " + sentinel->describe();
    SentinelAnswer answer = probe.ask(*sentinel, master_name);
    if (std::string why = answer_failure(answer, master_name); !why.empty()) {
      discovery.failures.push_back(who + " " + why);
      continue;
    }
    ServerRole role = probe.role_of(answer.primary);
    if (role != ServerRole::primary) {
      discovery.failures.push_back(who + " named " + answer.primary.describe() + ", which is " +
                                   role_name(role));
      continue;
    }
    std::rotate(sentinels.begin(), sentinel, sentinel + 1);
    discovery.primary = answer.primary;
    return discovery;
  }
  return discovery;
}

std::optional<std::vector<RedisEndpoint>> parse_sentinel_list(const std::string& text) {
  std::vector<RedisEndpoint> sentinels;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    std::string entry = text.substr(start, comma - start);
    // "a:1, b:2" is what people write.
    entry.erase(0, entry.find_first_not_of(' '));
    entry.erase(entry.find_last_not_of(' ') + 1);
    // A sentinel needs its port spelt out: 6379 is a data server's.
    if (entry.find(':') == std::string::npos) return std::nullopt;
    auto endpoint = parse_redis_uri("redis://" + entry);
    if (!endpoint || entry.find('/') != std::string::npos) return std::nullopt;
    sentinels.push_back(*endpoint);
    start = comma + 1;
  }
  return sentinels;
}

std::optional<RedisEndpoint> endpoint_at(const std::string& host, const std::string& port) {
  auto number = parse_integer_in(port, 1, 65535);
  if (host.empty() || !number) return std::nullopt;
  RedisEndpoint endpoint;
  endpoint.host = host;
  endpoint.port = static_cast<int>(*number);
  return endpoint;
}

std::optional<RedisEndpoint> parse_switch_master(const std::string& message,
                                                 const std::string& master_name) {
  std::istringstream words(message);
  std::string name, old_host, old_port, new_host, new_port, extra;
  if (!(words >> name >> old_host >> old_port >> new_host >> new_port) || (words >> extra))
    return std::nullopt;
  if (name != master_name) return std::nullopt;
  return endpoint_at(new_host, new_port);
}

bool same_server(const RedisEndpoint& a, const RedisEndpoint& b) {
  return a.host == b.host && a.port == b.port && a.socket_path == b.socket_path;
}

}  // namespace incident
