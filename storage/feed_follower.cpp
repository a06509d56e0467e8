// FeedFollower: XREAD BLOCK in a loop from the last id seen (the stream's end
// at start). A lost connection is reopened and reading resumes from that id,
// so nothing still in the stream is skipped.
#include "storage/feed_follower.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "config/log.hpp"
#include "storage/redis_value.hpp"

namespace incident {
namespace {

constexpr int kBlockMilliseconds = 500;

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

Context connect(const RedisEndpoint& endpoint) {
  std::string error;
  // Replies may take the whole XREAD BLOCK: the bound must exceed it.
  return Context(connect_redis(endpoint, std::chrono::seconds(2), error), &redisFree);
}

/// The id of the newest entry, "0-0" for an empty stream; "" on failure.
std::string newest_id(redisContext* context, const std::string& stream) {
  RedisValue reply = run_command(context, {"XREVRANGE", stream, "+", "-", "COUNT", "1"});
  if (reply.type != RedisValue::Type::array) return "";
  if (reply.elements.empty()) return "0-0";
  return reply.elements[0].elements[0].str;
}

}  // namespace

std::optional<FeedEntry> parse_feed_entry(const std::string& stream_id, const std::string& data) {
  auto message = nlohmann::json::parse(data, nullptr, false);
  if (!message.is_object()) return std::nullopt;
  auto type = message.find("type"), id = message.find("id"), version = message.find("version");
  if (type == message.end() || !type->is_string() || id == message.end() ||
      !id->is_number_integer())
    return std::nullopt;
  FeedEntry entry{stream_id, type->get<std::string>(), id->get<Id>(), 0};
  if (version != message.end() && version->is_number_integer())
    entry.version = version->get<std::int64_t>();
  return entry;
}

FeedFollower::FeedFollower(RedisEndpoint endpoint, Keys keys, OnEntry on_entry)
    : endpoint_(std::move(endpoint)),
      keys_(std::move(keys)),
      on_entry_(std::move(on_entry)),
      thread_([this] { run(); }) {}

FeedFollower::~FeedFollower() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void FeedFollower::run() {
  const std::string stream = keys_.change_stream();
  std::string last_id;
  Context context(nullptr, &redisFree);
  while (!stopping_) {
    if (!context) {
      context = connect(endpoint_);
      if (context && last_id.empty()) last_id = newest_id(context.get(), stream);
      if (!context || last_id.empty()) {
        context.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        continue;
      }
    }
    RedisValue reply = run_command(
        context.get(), {"XREAD", "COUNT", "512", "BLOCK", std::to_string(kBlockMilliseconds),
                        "STREAMS", stream, last_id});
    if (reply.io_failure || reply.is_error()) {
      log_warning("change feed: read failed (" + reply.str + "), reconnecting");
      context.reset();
      continue;
    }
    if (reply.type != RedisValue::Type::array) continue;  // timed out: nothing new
    for (const auto& entry : reply.elements[0].elements[1].elements) {
      last_id = entry.elements[0].str;
      const auto& fields = entry.elements[1].elements;
      for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        if (fields[i].str == "data")
          if (auto parsed = parse_feed_entry(last_id, fields[i + 1].str)) on_entry_(*parsed);
    }
  }
}

}  // namespace incident
