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

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() <= 20 &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

bool is_stream_id(const std::string& text) {
  auto dash = text.find('-');
  return dash != std::string::npos && all_digits(text.substr(0, dash)) &&
         all_digits(text.substr(dash + 1));
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
