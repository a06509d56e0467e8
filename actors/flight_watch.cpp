#include "actors/flight_watch.hpp"

namespace incident {

void FlightWatch::took_off(caf::actor actor, LandedFlights landed, std::uint64_t flight) {
  auto deadline = Clock::now() + bound_;
  std::lock_guard<std::mutex> lock(mutex_);
  flights_.push_back(Flight{std::move(actor), std::move(landed), flight, deadline});
}

std::vector<std::pair<caf::actor, std::uint64_t>> FlightWatch::overdue(Clock::time_point now) {
  std::deque<Flight> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto end = flights_.begin();
    while (end != flights_.end() && end->deadline <= now) ++end;
    expired.insert(expired.end(), std::make_move_iterator(flights_.begin()),
                   std::make_move_iterator(end));
    flights_.erase(flights_.begin(), end);
  }
  // Flights land in order: one landed when the actor's count reached it.
  std::vector<std::pair<caf::actor, std::uint64_t>> late;
  for (auto& flight : expired)
    if (flight.landed->load(std::memory_order_acquire) < flight.number)
      late.emplace_back(std::move(flight.actor), flight.number);
  return late;
}

std::size_t FlightWatch::watched() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return flights_.size();
}

}  // namespace incident
