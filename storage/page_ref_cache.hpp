// The ids and versions of list pages read lately, each with the change
// stream's last generated id as Redis held it when the page was read. Every
// committed change appends to the stream in the same script (in every version
// of the server with the change stream), and trimming never lowers that id, so
// a page script that finds it unchanged knows the page unchanged too, and
// answers "same" instead of reading the index and every item's version again:
// a dashboard polling an unchanged list costs Redis one small script. Bounded
// by count, least recently used out first. Thread-safe (read on the storage
// actor's thread and the reply runner's, where pages are filled).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/store_types.hpp"

namespace incident {

class PageRefCache {
 public:
  struct Kept {
    std::string revision;  // the stream's last generated id when the page was read
    IncidentRefPage page;
  };

  explicit PageRefCache(std::size_t capacity = 1024) : capacity_(capacity) {}

  /// The page kept for `query` (the index key, range and page), if any.
  std::optional<Kept> find(const std::string& query);
  /// Keeps `page`, read at `revision`, unless a clear() came since `generation`.
  void put(const std::string& query, std::string revision, IncidentRefPage page,
           std::uint64_t generation);
  /// Read before the page script runs.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  /// Drops everything: after a failover or an emptied Redis, a stream id may
  /// come back with other data behind it.
  void clear();

  std::size_t size() const;

 private:
  struct Entry {
    Kept kept;
    std::list<std::string>::iterator position;  // in recency, most recent first
  };

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> recency_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace incident
