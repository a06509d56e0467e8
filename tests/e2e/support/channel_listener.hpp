// A pub/sub subscriber for tests: listens on the server's change channels as
// an alerting system would (SUBSCRIBE on its own connection).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

struct redisContext;

namespace e2e {

struct ChannelMessage {
  std::string channel;
  std::string data;  // the published text
  nlohmann::json message;
};

class ChannelListener {
 public:
  /// Subscribes to `channels` on the Redis listening on this unix socket.
  ChannelListener(const std::string& socket_path, const std::vector<std::string>& channels);
  ~ChannelListener();
  ChannelListener(const ChannelListener&) = delete;
  ChannelListener& operator=(const ChannelListener&) = delete;
  /// True once every subscription was confirmed.
  bool subscribed() const { return subscribed_; }

  /// Messages until `count` arrived or none came for `quiet_ms`.
  std::vector<ChannelMessage> receive(std::size_t count, int quiet_ms);

 private:
  redisContext* context_ = nullptr;
  bool subscribed_ = false;
};

}  // namespace e2e
