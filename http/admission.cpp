#include "http/admission.hpp"

namespace incident {

void Admission::enter(std::int64_t body_bytes) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  body_bytes_.fetch_add(body_bytes, std::memory_order_relaxed);
}

void Admission::leave(std::int64_t body_bytes) {
  requests_.fetch_sub(1, std::memory_order_relaxed);
  body_bytes_.fetch_sub(body_bytes, std::memory_order_relaxed);
}

bool Admission::over_budget() const {
  return requests_.load(std::memory_order_relaxed) > limits_.max_requests || bytes_over_budget();
}

bool Admission::bytes_over_budget() const {
  std::int64_t held =
      body_bytes_.load(std::memory_order_relaxed) + answer_backlog_.load(std::memory_order_relaxed);
  return held > limits_.max_bytes;
}

void Admission::add_backlog(Backlog kind, std::int64_t delta) {
  (kind == Backlog::answers ? answer_backlog_ : stream_backlog_)
      .fetch_add(delta, std::memory_order_relaxed);
}

bool Admission::streams_over_budget() const {
  return stream_backlog_.load(std::memory_order_relaxed) > limits_.max_bytes;
}

std::int64_t Admission::backlog(Backlog kind) const {
  return (kind == Backlog::answers ? answer_backlog_ : stream_backlog_)
      .load(std::memory_order_relaxed);
}

}  // namespace incident
