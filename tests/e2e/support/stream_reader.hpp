// A change-feed consumer for tests: reads the server's Redis stream directly,
// as an alerting system would (XREAD, or a consumer group with XACK).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

struct redisContext;

namespace e2e {

struct StreamEntry {
  std::string id;
  nlohmann::json message;  // the entry's "data" field, parsed
};

class StreamReader {
 public:
  /// Connects to the Redis listening on this unix socket.
  explicit StreamReader(const std::string& socket_path, std::string stream = "pm:incidents:stream");
  ~StreamReader();
  bool connected() const { return context_ != nullptr; }

  /// XREAD entries after `last_id`, waiting up to block_ms for the first.
  std::vector<StreamEntry> read_after(const std::string& last_id, int count, int block_ms);
  /// XGROUP CREATE at the stream's start ("0"), creating the stream if needed.
  bool create_group(const std::string& group);
  /// XREADGROUP: id ">" for new entries, "0" for this consumer's pending ones.
  std::vector<StreamEntry> read_group(const std::string& group, const std::string& consumer,
                                      const std::string& id, int count, int block_ms);
  bool ack(const std::string& group, const std::string& id);
  long long length();

 private:
  std::vector<StreamEntry> entries_of(void* reply);
  redisContext* context_ = nullptr;
  std::string stream_;
};

}  // namespace e2e
