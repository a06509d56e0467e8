#include "storage/page_ref_cache.hpp"

#include <utility>

namespace incident {

std::optional<PageRefCache::Kept> PageRefCache::find(const std::string& query) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(query);
  if (it == entries_.end()) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, it->second.position);
  return it->second.kept;
}

void PageRefCache::put(const std::string& query, std::string revision, IncidentRefPage page,
                       std::uint64_t generation) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  // Under the lock, as clear() bumps it: a page read before a clear() is not kept.
  if (generation != generation_.load(std::memory_order_acquire)) return;
  auto it = entries_.find(query);
  if (it != entries_.end()) {
    it->second.kept = Kept{std::move(revision), std::move(page)};
    recency_.splice(recency_.begin(), recency_, it->second.position);
    return;
  }
  recency_.push_front(query);
  entries_.emplace(query, Entry{Kept{std::move(revision), std::move(page)}, recency_.begin()});
  if (entries_.size() > capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
}

void PageRefCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  entries_.clear();
  recency_.clear();
}

std::size_t PageRefCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace incident
