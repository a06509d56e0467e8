// The data set's identity is a random token in <prefix>:dataset, written by
// whichever process first finds it missing (SET NX GET: one round trip tells
// both whether it was there and what it was).
#include "storage/dataset_guard.hpp"

#include "config/log.hpp"
#include "storage/random_token.hpp"
#include "storage/redis_value.hpp"
#include "storage/scripts.hpp"

namespace incident {
namespace {

std::string new_identity() { return random_hex(4); }

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

bool DatasetGuard::check(redisContext* context) {
  std::string candidate = new_identity();
  {
    // Noted before it is written: another connection of this process may
    // read it back first, and must know the data set was found empty.
    std::lock_guard<std::mutex> lock(mutex_);
    offered_.push_back(candidate);
    if (offered_.size() > kOfferedKept) offered_.erase(offered_.begin());
  }
  RedisValue reply = run_command(context, {"SET", keys_.dataset(), candidate, "NX", "GET"});
  if (reply.is_error()) {
    // Before Redis 7.0, SET cannot take NX and GET together: two steps, as
    // safe here (whoever sets first wins; everyone reads what won).
    run_command(context, {"SET", keys_.dataset(), candidate, "NX"});
    reply = run_command(context, {"GET", keys_.dataset()});
  }
  bool absent = reply.type == RedisValue::Type::nil;
  if (!absent && reply.type != RedisValue::Type::string) {
    log_warning("redis: cannot check the data set's identity: " + reply.str);
    return false;
  }
  std::string found = absent ? candidate : reply.str;
  std::function<void()> listener;
  bool found_empty = absent;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!identity_.empty() && identity_ != found) listener = listener_;
    identity_ = found;
    for (const auto& offered : offered_) found_empty = found_empty || offered == found;
  }
  // Counters first: no id is handed out from the new data set below the old.
  if (!raise_counters(context)) return false;
  if (listener) {
    log_warning(found_empty
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
  const Script& raise = scripts::raise_counter();
  for (const auto& [key, highest] : reserved) {
    RedisValue reply =
        run_command(context, {"EVAL", raise.source, "1", key, std::to_string(highest)});
    if (reply.type != RedisValue::Type::integer) {
      log_warning("redis: cannot restore the id counter " + key);
      return false;
    }
  }
  return true;
}

}  // namespace incident
