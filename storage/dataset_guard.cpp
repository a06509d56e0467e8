// The data set's identity is a random token in <prefix>:dataset, written by
// whichever process first finds it missing (SET NX GET: one round trip tells
// both whether it was there and what it was).
#include "storage/dataset_guard.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <random>
#include <vector>

#include "config/log.hpp"

namespace incident {
namespace {

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

ReplyPtr command(redisContext* context, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lengths;
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  void* raw = redisCommandArgv(context, static_cast<int>(args.size()), args.data(), lengths.data());
  return ReplyPtr(static_cast<redisReply*>(raw), &freeReplyObject);
}

std::string new_identity() {
  std::random_device random;
  char text[33];
  std::snprintf(text, sizeof text, "%08x%08x%08x%08x", random(), random(), random(), random());
  return text;
}

// Only ever raises: other processes may have moved the counter further.
constexpr const char* kRaiseCounter =
    "local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0\n"
    "if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end\n"
    "return 1";

}  // namespace

void DatasetGuard::on_replaced(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  listener_ = std::move(listener);
}

void DatasetGuard::note_reserved(const std::string& counter_key, Id last) {
  std::lock_guard<std::mutex> lock(mutex_);
  Id& highest = reserved_[counter_key];
  if (last > highest) highest = last;
}

std::string DatasetGuard::identity() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return identity_;
}

bool DatasetGuard::check(redisContext* context) {
  std::string candidate = new_identity();
  auto reply = command(context, {"SET", keys_.dataset(), candidate, "NX", "GET"});
  if (reply && reply->type == REDIS_REPLY_ERROR) {
    // Before Redis 7.0, SET cannot take NX and GET together: two steps, as
    // safe here (whoever sets first wins; everyone reads what won).
    command(context, {"SET", keys_.dataset(), candidate, "NX"});
    reply = command(context, {"GET", keys_.dataset()});
  }
  if (!reply || (reply->type != REDIS_REPLY_NIL && reply->type != REDIS_REPLY_STRING)) {
    log_warning("redis: cannot check the data set's identity: " +
                std::string(reply && reply->str ? reply->str : "no reply"));
    return false;
  }
  std::string found =
      reply->type == REDIS_REPLY_NIL ? candidate : std::string(reply->str, reply->len);
  std::function<void()> listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!identity_.empty() && identity_ != found) listener = listener_;
    identity_ = found;
  }
  // Counters first: no id is handed out from the new data set below the old.
  if (!raise_counters(context)) return false;
  if (listener) {
    log_warning(reply->type == REDIS_REPLY_NIL
                    ? "redis: the data set is empty (Redis lost its data); dropping every cache"
                    : "redis: another data set is behind this address; dropping every cache");
    listener();
  }
  return true;
}

bool DatasetGuard::raise_counters(redisContext* context) {
  std::map<std::string, Id> reserved;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reserved = reserved_;
  }
  for (const auto& [key, highest] : reserved) {
    auto reply = command(context, {"EVAL", kRaiseCounter, "1", key, std::to_string(highest)});
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
      log_warning("redis: cannot restore the id counter " + key);
      return false;
    }
  }
  return true;
}

}  // namespace incident
