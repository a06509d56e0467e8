// FeedStore: XRANGE with an exclusive start ("(" id) and XREVRANGE for the end.
#include "storage/feed_store.hpp"

#include "storage/incident_store.hpp"

namespace incident {
namespace {

std::vector<FeedRecord> records_of(const RedisValue& reply) {
  std::vector<FeedRecord> records;
  for (const auto& entry : reply.elements) {
    if (entry.elements.size() != 2) continue;
    FeedRecord record{entry.elements[0].str, ""};
    const auto& fields = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
      if (fields[i].str == "data") record.data = fields[i + 1].str;
    records.push_back(std::move(record));
  }
  return records;
}

/// Digits that fit an unsigned 64-bit integer, as both parts of a stream id do.
bool is_u64(const std::string& text) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return text.size() < 20 || text <= "18446744073709551615";
}

}  // namespace

bool is_stream_id(const std::string& text) {
  auto dash = text.find('-');
  if (dash == std::string::npos) return false;
  std::string ms = text.substr(0, dash), seq = text.substr(dash + 1);
  // The largest id has nothing after it: an exclusive read from it is an error.
  bool largest = ms == "18446744073709551615" && seq == "18446744073709551615";
  return is_u64(ms) && is_u64(seq) && !largest;
}

void FeedStore::read_after(const std::string& after_id, int count,
                           std::function<void(Result<std::vector<FeedRecord>>)> done) {
  pipeline_.submit(
      {"XRANGE", keys_.change_stream(), "(" + after_id, "+", "COUNT", std::to_string(count)},
      [done = std::move(done)](const RedisValue& reply) {
        if (reply.type != RedisValue::Type::array) return done(storage_unavailable());
        done(records_of(reply));
      });
}

void FeedStore::newest_id(std::function<void(Result<std::string>)> done) {
  pipeline_.submit({"XREVRANGE", keys_.change_stream(), "+", "-", "COUNT", "1"},
                   [done = std::move(done)](const RedisValue& reply) {
                     if (reply.type != RedisValue::Type::array) return done(storage_unavailable());
                     if (reply.elements.empty()) return done(std::string("0-0"));
                     done(reply.elements[0].elements[0].str);
                   });
}

}  // namespace incident
