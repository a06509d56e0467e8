// An incident actor's cached state, counted in a total shared by every
// incident actor, so that the registry can keep the whole cache within a byte
// budget (a count alone lets a few huge histories take all memory).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "domain/incident.hpp"

namespace incident {

using CacheBytes = std::shared_ptr<std::atomic<std::int64_t>>;

/// An optional incident whose estimated size is added to `total` while held.
class CachedIncident {
 public:
  explicit CachedIncident(CacheBytes total = nullptr) : total_(std::move(total)) {}
  CachedIncident(const CachedIncident&) = delete;
  CachedIncident& operator=(const CachedIncident&) = delete;
  CachedIncident(CachedIncident&& other) noexcept { *this = std::move(other); }
  CachedIncident& operator=(CachedIncident&& other) noexcept {
    if (this == &other) return *this;
    reset();
    total_ = other.total_;
    value_ = std::move(other.value_);
    bytes_ = std::exchange(other.bytes_, 0);
    other.value_.reset();
    return *this;
  }
  ~CachedIncident() { reset(); }

  CachedIncident& operator=(Incident incident) {
    reset();
    bytes_ = static_cast<std::int64_t>(approximate_bytes(incident));
    value_ = std::make_shared<const Incident>(std::move(incident));
    if (total_) total_->fetch_add(bytes_, std::memory_order_relaxed);
    return *this;
  }

  void reset() {
    if (total_ && bytes_ != 0) total_->fetch_sub(bytes_, std::memory_order_relaxed);
    bytes_ = 0;
    value_.reset();
  }

  explicit operator bool() const { return value_ != nullptr; }
  const Incident& operator*() const { return *value_; }
  const Incident* operator->() const { return value_.get(); }
  /// The state itself, shared (it never changes: a new state replaces it).
  const std::shared_ptr<const Incident>& shared() const { return value_; }

 private:
  CacheBytes total_;
  std::shared_ptr<const Incident> value_;
  std::int64_t bytes_ = 0;
};

}  // namespace incident
