// Which data set a Redis holds, checked on every new connection before any
// command goes through it. A Redis that came back empty, or another Redis put
// in its place, would otherwise restart the id counters (handing out ids
// already given) while this process still caches incidents that data set
// never held. The guard keeps the highest id this process ever reserved, per
// counter, and raises the counters to them; and it tells its listener when
// the data set changed, so every cache is dropped.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "domain/incident.hpp"
#include "storage/keys.hpp"

struct redisContext;

namespace incident {

class DatasetGuard {
 public:
  explicit DatasetGuard(Keys keys) : keys_(std::move(keys)) {}

  /// Called (on the Redis I/O thread) when a connection finds a data set other
  /// than the one seen before: emptied, or another one.
  void on_replaced(std::function<void()> listener);

  /// Runs on a new connection before it serves: learns or checks the data
  /// set's identity and raises every counter to the highest id reserved from
  /// it. False (the connection must not be used) when Redis refused any of it.
  bool check(redisContext* context);

  /// Notes an id handed out by `counter_key` (an INCR/INCRBY result).
  void note_reserved(const std::string& counter_key, Id last);

 private:
  bool raise_counters(redisContext* context);

  Keys keys_;
  std::mutex mutex_;
  std::string identity_;
  /// The identities this process offered last (one per connection check):
  /// finding one of them means the data set was found empty.
  static constexpr std::size_t kOfferedKept = 16;
  std::vector<std::string> offered_;
  std::map<std::string, Id> reserved_;  // counter key -> highest id reserved from it
  std::function<void()> listener_;
};

}  // namespace incident
