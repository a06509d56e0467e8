#include "actors/flight_watch.hpp"

#include "actors/messages.hpp"

namespace incident {

void FlightWatch::took_off(const caf::actor_addr& actor,
                           const std::shared_ptr<FlightCounters>& counters) {
  if (counters->watched.exchange(true)) return;
  std::uint64_t flight = counters->taken_off.load();
  Clock::time_point deadline{Clock::duration(counters->taken_off_at.load())};
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.push_back(Entry{actor, counters, flight, deadline + bound_});
}

std::vector<std::pair<caf::actor, std::uint64_t>> FlightWatch::overdue(Clock::time_point now) {
  std::vector<std::pair<caf::actor, std::uint64_t>> late;
  auto report = [&late](Entry& entry, std::uint64_t flight) {
    // The actor watches again from its next take-off.
    entry.counters->watched.store(false);
    if (auto actor = caf::actor_cast<caf::actor>(entry.actor)) late.emplace_back(actor, flight);
  };
  std::lock_guard<std::mutex> lock(mutex_);
  // Renewed entries go to the back, past every one this sweep looks at.
  std::size_t due = 0;
  while (due < entries_.size() && entries_[due].deadline <= now) ++due;
  for (std::size_t i = 0; i < due; ++i) {
    Entry entry = std::move(entries_.front());
    entries_.pop_front();
    FlightCounters& counters = *entry.counters;
    if (counters.landed.load() < entry.flight) {
      report(entry, entry.flight);
      continue;
    }
    // That flight landed. The count is read before its time (see take_off).
    std::uint64_t taken = counters.taken_off.load();
    std::int64_t at = counters.taken_off_at.load();
    if (taken == counters.landed.load()) {
      // Idle: forgotten. A take-off between the two loads saw the entry still
      // held and added none: then it is renewed here.
      counters.watched.store(false);
      if (counters.taken_off.load() == counters.landed.load() || counters.watched.exchange(true))
        continue;
      taken = counters.taken_off.load();
      at = counters.taken_off_at.load();
    }
    // A later flight is in the air, due a bound after it took off.
    entry.flight = taken;
    entry.deadline = Clock::time_point(Clock::duration(at)) + bound_;
    if (entry.deadline <= now && counters.landed.load() < taken) {
      report(entry, taken);
      continue;
    }
    entries_.push_back(std::move(entry));
  }
  return late;
}

std::size_t FlightWatch::watched() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

namespace {

using flight_sweep_atom = caf::atom_constant<caf::atom("f_sweep")>;

caf::behavior flight_sweeper(caf::event_based_actor* self, std::shared_ptr<FlightWatch> watch,
                             const caf::actor& owner) {
  self->monitor(owner);
  self->set_down_handler([=](const caf::down_msg&) { self->quit(); });
  self->delayed_send(self, watch->sweep_period(), flight_sweep_atom::value);
  return {
      [=](flight_sweep_atom) {
        for (auto& [actor, flight] : watch->overdue(FlightWatch::Clock::now()))
          self->send(actor, inflight_check_atom::value, flight);
        self->delayed_send(self, watch->sweep_period(), flight_sweep_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_flight_sweeper(caf::actor_system& system, std::shared_ptr<FlightWatch> watch,
                                const caf::actor& owner) {
  return system.spawn(flight_sweeper, std::move(watch), owner);
}

}  // namespace incident
