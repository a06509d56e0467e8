// EndpointSlots: a count of attempts on the wire and a standing per endpoint.
// An endpoint starts on probation: until one of its attempts succeeds nothing
// says it answers, and a process (re)started beside many dead endpoints must
// not give each of them the full allowance before the first timeout.
#include "webhooks/endpoint_slots.hpp"

#include <algorithm>

namespace incident::webhooks {

EndpointSlots::EndpointSlots(std::size_t allowance)
    : allowance_(std::max<std::size_t>(1, allowance)) {}

std::size_t EndpointSlots::room(Id endpoint) const {
  const auto found = standings_.find(endpoint);
  const Standing standing = found == standings_.end() ? Standing{} : found->second;
  const std::size_t limit = standing.proven ? allowance_ : 1;
  return standing.in_flight < limit ? limit - standing.in_flight : 0;
}

void EndpointSlots::started(Id endpoint) { ++standings_[endpoint].in_flight; }

void EndpointSlots::ended(Id endpoint, AttemptEnd end) {
  auto& standing = standings_[endpoint];
  if (standing.in_flight > 0) --standing.in_flight;
  if (end != AttemptEnd::stopped) standing.proven = end == AttemptEnd::succeeded;
}

bool EndpointSlots::on_probation(Id endpoint) const {
  const auto found = standings_.find(endpoint);
  return found == standings_.end() || !found->second.proven;
}

std::size_t EndpointSlots::in_flight(Id endpoint) const {
  const auto found = standings_.find(endpoint);
  return found == standings_.end() ? 0 : found->second.in_flight;
}

void EndpointSlots::forget(Id endpoint) {
  const auto found = standings_.find(endpoint);
  if (found != standings_.end() && found->second.in_flight == 0) standings_.erase(found);
}

}  // namespace incident::webhooks
