// FeedFollower: XREAD BLOCK in a loop from the last id seen (the stream's end
// at start). A lost connection is reopened and reading resumes from that id,
// so nothing still in the stream is skipped.
#include "storage/feed_follower.hpp"

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "config/log.hpp"
#include "config/thread_name.hpp"
#include "storage/redis_value.hpp"
#include "storage/sentinel_client.hpp"
#include "storage/top_level_reader.hpp"

namespace incident {
namespace {

constexpr int kBlockMilliseconds = 500;

/// After a read that brought entries, the next waits this long: a busy stream
/// (an entry per write) is then read in batches instead of waking this thread
/// and Redis once per write, while a lone change is still seen at once.
constexpr auto kCoalesce = std::chrono::milliseconds(1);

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

Context connect(PrimaryLocator& locator, RedisEndpoint& reached, std::uint64_t& generation) {
  // Replies may take the whole XREAD BLOCK: the bound must exceed it.
  return Context(connect_primary(locator, std::chrono::seconds(2), reached, generation),
                 &redisFree);
}

/// The id of the newest entry, "0-0" for an empty stream; "" on failure.
std::string newest_id(redisContext* context, const std::string& stream) {
  RedisValue reply = run_command(context, {"XREVRANGE", stream, "+", "-", "COUNT", "1"});
  if (reply.type != RedisValue::Type::array) return "";
  if (reply.elements.empty()) return "0-0";
  return reply.elements[0].elements[0].str;
}

}  // namespace

namespace {

/// Reads the top-level "type", "id" and "version" of a message and stops as
/// soon as it has all three: the follower sees every change, and messages put
/// them first, so the incident that follows is never parsed.
class EntryFields : public TopLevelReader {
 public:
  std::optional<std::string> type;
  std::optional<Id> id;
  std::optional<std::int64_t> version;
  bool not_an_object = false;

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t value) override { return integer(value); }
  bool number_unsigned(number_unsigned_t value) override {
    return value <= static_cast<number_unsigned_t>(INT64_MAX)
               ? integer(static_cast<std::int64_t>(value))
               : scalar();
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& value) override {
    if (at_member("type")) type = value;
    return scalar();
  }
  bool binary(binary_t&) override { return scalar(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool entering(bool is_array) override {
    if (at_top() && is_array) not_an_object = true;
    return true;
  }
  bool integer(std::int64_t value) {
    if (at_member("id")) id = value;
    if (at_member("version")) version = value;
    return scalar();
  }
  bool scalar() {
    if (at_top()) not_an_object = true;
    return !(type && id && version);
  }
};

}  // namespace

std::optional<FeedEntry> parse_feed_entry(const std::string& stream_id, const std::string& data) {
  EntryFields fields;
  nlohmann::json::sax_parse(data, &fields);
  if (fields.not_an_object || !fields.type || !fields.id) return std::nullopt;
  return FeedEntry{stream_id, *fields.type, *fields.id, fields.version.value_or(0)};
}

namespace {

/// How old a stream entry is, from the milliseconds its id begins with.
std::int64_t entry_age_ms(const std::string& id) {
  std::int64_t stamp = 0;
  for (char c : id) {
    if (c < '0' || c > '9') break;
    stamp = stamp * 10 + (c - '0');
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return std::max<std::int64_t>(0, now - stamp);
}

}  // namespace

FeedFollower::FeedFollower(RedisEndpoint endpoint, Keys keys, std::string own_origin,
                           OnEntries on_entries)
    : FeedFollower(std::make_shared<FixedLocator>(std::move(endpoint)), std::move(keys),
                   std::move(own_origin), std::move(on_entries)) {}

FeedFollower::FeedFollower(std::shared_ptr<PrimaryLocator> locator, Keys keys,
                           std::string own_origin, OnEntries on_entries,
                           std::shared_ptr<metrics::FeedMetrics> metrics)
    : locator_(std::move(locator)),
      keys_(std::move(keys)),
      own_origin_(std::move(own_origin)),
      on_entries_(std::move(on_entries)),
      metrics_(std::move(metrics)),
      thread_([this] {
        name_this_thread("feed.follower");
        run();
      }) {}

bool FeedFollower::wait_until_following(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  return started_.wait_for(lock, limit, [this] { return following_; });
}

void FeedFollower::mark_following() {
  std::lock_guard<std::mutex> lock(mutex_);
  following_ = true;
  started_.notify_all();
}

FeedFollower::~FeedFollower() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void FeedFollower::run() {
  const std::string stream = keys_.change_stream();
  std::string last_id;
  Context context(nullptr, &redisFree);
  RedisEndpoint reading;  // the server `context` reaches
  std::uint64_t generation = 0;
  bool following_once = false;
  while (!stopping_) {
    // After a failover, the same entries (those replicated) are read on.
    if (context && locator_->generation() != generation) context.reset();
    if (!context) {
      context = connect(*locator_, reading, generation);
      if (context && last_id.empty()) last_id = newest_id(context.get(), stream);
      if (!context || last_id.empty()) {
        context.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        continue;
      }
      if (metrics_ && following_once) metrics_->follower_reconnects.add();
      following_once = true;
      mark_following();
    }
    RedisValue reply = run_command(
        context.get(), {"XREAD", "COUNT", "512", "BLOCK", std::to_string(kBlockMilliseconds),
                        "STREAMS", stream, last_id});
    if (reply.io_failure || reply.is_error()) {
      log_warning("change feed: read failed (" + reply.str + "), reconnecting");
      locator_->distrust(reading);
      context.reset();
      continue;
    }
    if (reply.type != RedisValue::Type::array) {  // timed out: nothing new
      if (metrics_) metrics_->follower_lag_ms.set(0);
      continue;
    }
    const auto& read = reply.elements[0].elements[1].elements;
    std::vector<FeedEntry> entries;
    for (const auto& entry : read) {
      last_id = entry.elements[0].str;
      const auto& fields = entry.elements[1].elements;
      const std::string* data = nullptr;
      bool own = false;
      for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str == "data") data = &fields[i + 1].str;
        if (fields[i].str == "origin") own = fields[i + 1].str == own_origin_;
      }
      if (!data) continue;
      if (auto parsed = parse_feed_entry(last_id, *data)) {
        parsed->own = own;
        entries.push_back(std::move(*parsed));
      }
    }
    if (read.empty()) continue;
    if (metrics_) {
      metrics_->follower_entries.add(read.size());
      metrics_->follower_lag_ms.set(entry_age_ms(last_id));
    }
    on_entries_(std::move(entries));
    std::this_thread::sleep_for(kCoalesce);
  }
}

}  // namespace incident
