#include "storage/rate_store.hpp"

#include <algorithm>

#include "storage/incident_store.hpp"
#include "storage/scripts.hpp"

namespace incident {

void RateStore::count(const std::string& client, std::int64_t window_start, std::int64_t window_end,
                      std::int64_t now, std::function<void(Result<std::int64_t>)> done) {
  std::int64_t ttl = std::max<std::int64_t>(1, window_end - now);
  pipeline_.eval(scripts::rate_count(), {keys_.rate_count(client, window_start)},
                 {std::to_string(ttl)}, [done = std::move(done)](const RedisValue& reply) {
                   if (reply.io_failure || reply.type != RedisValue::Type::integer)
                     return done(storage_unavailable());
                   done(static_cast<std::int64_t>(reply.integer));
                 });
}

}  // namespace incident
