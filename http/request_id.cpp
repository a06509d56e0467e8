// Ids from a per-thread 64-bit generator seeded from the OS: unique enough to
// find one request's lines among a day of logs from many processes.
#include "http/request_id.hpp"

#include <cstdio>
#include <random>

namespace incident {

bool sane_request_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (unsigned char c : id) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!plain && std::string_view("-_.:/+=@").find(static_cast<char>(c)) == std::string::npos)
      return false;
  }
  return true;
}

std::string new_request_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

std::string request_id_for(const std::optional<std::string>& sent) {
  return sent && sane_request_id(*sent) ? *sent : new_request_id();
}

}  // namespace incident
