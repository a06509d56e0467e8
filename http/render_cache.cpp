#include "http/render_cache.hpp"

namespace incident {
namespace {

std::uint64_t key_of(Id id, Audience audience, std::size_t base) {
  // Ids stay under 2^53 (kMaxId): three bits are free for audience and base.
  return (static_cast<std::uint64_t>(id) << 3) | (static_cast<std::uint64_t>(base) << 1) |
         (audience == Audience::token_holder ? 1u : 0u);
}

// The string's capacity: a rendering built by appending may hold twice its size.
std::size_t cost_of(const std::string& json) {
  return json.capacity() + RenderCache::kEntryOverhead;
}

}  // namespace

RenderCache::RenderCache(std::size_t capacity_bytes,
                         std::shared_ptr<metrics::RenderCacheMetrics> metrics)
    : capacity_(capacity_bytes),
      shard_capacity_(capacity_bytes / kShards),
      metrics_(std::move(metrics)) {
  static_assert(kMaxBases <= 4, "the key keeps two bits for the base");
}

std::size_t RenderCache::base_index(std::string_view base_url, bool claim) {
  std::size_t count = base_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < count; ++i)
    if (bases_[i] == base_url) return i;
  if (!claim) return kMaxBases;
  std::lock_guard<std::mutex> lock(bases_mutex_);
  count = base_count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < count; ++i)
    if (bases_[i] == base_url) return i;
  if (count == kMaxBases) return kMaxBases;
  bases_[count] = std::string(base_url);
  base_count_.store(count + 1, std::memory_order_release);
  return count;
}

std::shared_ptr<const std::string> RenderCache::find(Id id, std::int64_t version, Audience audience,
                                                     std::string_view base_url) {
  std::size_t base = capacity_ == 0 ? kMaxBases : base_index(base_url, false);
  std::shared_ptr<const std::string> found;
  if (base < kMaxBases) {
    Shard& shard = shard_of(id);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.entries.find(key_of(id, audience, base));
    if (it != shard.entries.end() && it->second.version == version) {
      shard.recency.splice(shard.recency.begin(), shard.recency, it->second.position);
      found = it->second.json;
    }
  }
  if (metrics_) (found ? metrics_->hits : metrics_->misses).add();
  return found;
}

void RenderCache::put(Id id, std::int64_t version, Audience audience, std::string_view base_url,
                      std::shared_ptr<const std::string> json, std::uint64_t generation) {
  if (!json || cost_of(*json) > shard_capacity_) return;
  std::size_t base = base_index(base_url, true);
  if (base == kMaxBases) return;
  std::uint64_t key = key_of(id, audience, base);
  Shard& shard = shard_of(id);
  std::size_t evicted = 0;
  std::int64_t grown = 0;
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    // Checked under the shard's lock, which clear() takes after counting: a
    // put that passes lands before the clear reaches this shard.
    if (generation != generation_.load(std::memory_order_acquire)) return;
    auto it = shard.entries.find(key);
    if (it != shard.entries.end()) {
      if (it->second.version > version) return;  // a list read earlier answers late
      grown -= static_cast<std::int64_t>(cost_of(*it->second.json));
      shard.bytes -= cost_of(*it->second.json);
      it->second.version = version;
      it->second.json = std::move(json);
      shard.recency.splice(shard.recency.begin(), shard.recency, it->second.position);
    } else {
      shard.recency.push_front(key);
      it = shard.entries.emplace(key, Entry{version, std::move(json), shard.recency.begin()}).first;
    }
    shard.bytes += cost_of(*it->second.json);
    grown += static_cast<std::int64_t>(cost_of(*it->second.json));
    while (shard.bytes > shard_capacity_) {
      auto oldest = shard.entries.find(shard.recency.back());
      grown -= static_cast<std::int64_t>(cost_of(*oldest->second.json));
      erase(shard, oldest);
      ++evicted;
    }
  }
  if (metrics_) {
    metrics_->bytes.add(grown);
    if (evicted) metrics_->evicted.add(evicted);
  }
}

void RenderCache::forget_before(Id id, std::int64_t version) {
  if (capacity_ == 0) return;
  Shard& shard = shard_of(id);
  std::int64_t freed = 0;
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.entries.empty()) return;
    std::size_t count = base_count_.load(std::memory_order_acquire);
    for (std::size_t base = 0; base < count; ++base)
      for (Audience audience : {Audience::anonymous, Audience::token_holder}) {
        auto it = shard.entries.find(key_of(id, audience, base));
        if (it == shard.entries.end() || it->second.version >= version) continue;
        freed += static_cast<std::int64_t>(cost_of(*it->second.json));
        erase(shard, it);
      }
  }
  if (metrics_ && freed) metrics_->bytes.add(-freed);
}

void RenderCache::clear() {
  generation_.fetch_add(1, std::memory_order_acq_rel);
  std::int64_t freed = 0;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    freed += static_cast<std::int64_t>(shard.bytes);
    shard.entries.clear();
    shard.recency.clear();
    shard.bytes = 0;
  }
  if (metrics_ && freed) metrics_->bytes.add(-freed);
}

std::size_t RenderCache::bytes() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    total += shard.bytes;
  }
  return total;
}

void RenderCache::erase(Shard& shard, std::unordered_map<std::uint64_t, Entry>::iterator it) {
  shard.bytes -= cost_of(*it->second.json);
  shard.recency.erase(it->second.position);
  shard.entries.erase(it);
}

}  // namespace incident
