// Ids from a per-thread 64-bit generator seeded from the OS: unique enough to
// find one request's lines among a day of logs from many processes.
#include "http/request_id.hpp"

#include <cstdint>
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
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = generator();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, bits >>= 4) id[static_cast<std::size_t>(i)] = kHex[bits & 15];
  return id;
}

std::string request_id_for(const std::optional<std::string>& sent) {
  return sent && sane_request_id(*sent) ? *sent : new_request_id();
}

}  // namespace incident
