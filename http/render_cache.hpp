// The JSON text of incidents as lists and GETs show them, kept by id,
// version, audience and base URL, so a list page costs Redis the page's ids
// and versions and this process a few lookups instead of decoding and
// rendering every item, and a hot incident is rendered a few times per version. An
// entry is used only for the very version the index (or the ready table)
// holds when it is read, so it can never show an older or deleted incident;
// the change feed only frees the memory of versions that are gone. Bounded
// in bytes, least recently used first out. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/incident.hpp"
#include "domain/incident_json.hpp"
#include "metrics/metrics.hpp"

namespace incident {

class RenderCache {
 public:
  /// Keeps at most about `capacity_bytes` of renderings (0: keeps none).
  /// `metrics`, when given, counts hits, misses, evictions and bytes.
  explicit RenderCache(std::size_t capacity_bytes,
                       std::shared_ptr<metrics::RenderCacheMetrics> metrics = nullptr);

  /// The rendering of incident `id` at exactly `version` for `audience` and
  /// `base_url`, or null.
  std::shared_ptr<const std::string> find(Id id, std::int64_t version, Audience audience,
                                          std::string_view base_url);
  /// Keeps `json`, the rendering of `id` at `version`, in place of any other
  /// version of it for that audience and base URL (unless an even newer one
  /// is kept already), if no clear() came since `generation` was read: what
  /// was read before a failover is not kept after it.
  void put(Id id, std::int64_t version, Audience audience, std::string_view base_url,
           std::shared_ptr<const std::string> json, std::uint64_t generation);
  /// Read before reading Redis for renderings to put().
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  /// Drops every rendering of `id` older than `version`: that version is
  /// committed, so they will not be asked for again.
  void forget_before(Id id, std::int64_t version);
  /// Drops everything: after a failover or an emptied Redis, a version
  /// number may come back with other contents.
  void clear();

  std::size_t bytes() const;
  std::size_t capacity() const { return capacity_; }

  /// What one entry costs beside its text: the key, the list node, the map's
  /// bucket and the string's header, roughly.
  static constexpr std::size_t kEntryOverhead = 128;
  /// Base URLs told apart (the first ones renderings are kept for); renderings
  /// for more are not kept. With --external-url there is only one.
  static constexpr std::size_t kMaxBases = 4;

 private:
  struct Entry {
    std::int64_t version = 0;
    std::shared_ptr<const std::string> json;
    std::list<std::uint64_t>::iterator position;  // in the shard's recency order
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::uint64_t, Entry> entries;
    std::list<std::uint64_t> recency;  // most recently used first
    std::size_t bytes = 0;
  };
  static constexpr std::size_t kShards = 16;

  /// The index of `base_url` among those kept, adding it when `claim` and
  /// there is room; kMaxBases when there is none. Only a put() claims, so
  /// requests with odd Host headers that only look do not take the room.
  std::size_t base_index(std::string_view base_url, bool claim);
  Shard& shard_of(Id id) { return shards_[static_cast<std::size_t>(id) % kShards]; }
  void erase(Shard& shard, std::unordered_map<std::uint64_t, Entry>::iterator it);

  const std::size_t capacity_;
  const std::size_t shard_capacity_;
  std::shared_ptr<metrics::RenderCacheMetrics> metrics_;
  std::array<Shard, kShards> shards_;
  std::mutex bases_mutex_;  // taken only to add a base
  std::array<std::string, kMaxBases> bases_;
  std::atomic<std::size_t> base_count_{0};    // bases_[0, count) are set and never change
  std::atomic<std::uint64_t> generation_{0};  // clear()s so far
};

}  // namespace incident
