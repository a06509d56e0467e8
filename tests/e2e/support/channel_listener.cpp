// ChannelListener over a blocking hiredis connection whose reads time out.
#include "channel_listener.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace e2e {

ChannelListener::ChannelListener(const std::string& socket_path,
                                 const std::vector<std::string>& channels) {
  context_ = redisConnectUnix(socket_path.c_str());
  if (!context_ || context_->err) return;
  std::vector<const char*> argv{"SUBSCRIBE"};
  std::vector<size_t> lengths{9};
  for (const auto& channel : channels) {
    argv.push_back(channel.data());
    lengths.push_back(channel.size());
  }
  redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data());
  for (std::size_t confirmed = 0; confirmed < channels.size(); ++confirmed) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw) return;
    auto* reply = static_cast<redisReply*>(raw);
    bool ok = reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
              std::string(reply->element[0]->str) == "subscribe";
    freeReplyObject(reply);
    if (!ok) return;
  }
  subscribed_ = true;
}

ChannelListener::~ChannelListener() {
  if (context_) redisFree(context_);
}

std::vector<ChannelMessage> ChannelListener::receive(std::size_t count, int quiet_ms) {
  std::vector<ChannelMessage> out;
  if (!subscribed_) return out;
  timeval quiet{quiet_ms / 1000, (quiet_ms % 1000) * 1000};
  redisSetTimeout(context_, quiet);
  while (out.size() < count) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw) break;  // quiet for quiet_ms
    auto* reply = static_cast<redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
        std::string(reply->element[0]->str) == "message") {
      std::string data(reply->element[2]->str, reply->element[2]->len);
      out.push_back({reply->element[1]->str, data, nlohmann::json::parse(data, nullptr, false)});
    }
    freeReplyObject(reply);
  }
  return out;
}

}  // namespace e2e
