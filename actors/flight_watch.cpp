#include "actors/flight_watch.hpp"

#include "actors/messages.hpp"

namespace incident {

void FlightWatch::took_off(const caf::actor_addr& actor,
                           const std::shared_ptr<FlightCounters>& counters) {
  if (counters->watched.exchange(true)) return;
  std::uint64_t flight = counters->taken_off.load();
  Clock::time_point deadline =
      Clock::time_point(Clock::duration(counters->taken_off_at.load())) + bound_;
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.emplace(deadline, Entry{actor, counters, flight, deadline});
}

void FlightWatch::settle(Entry entry, std::vector<std::pair<caf::actor, std::uint64_t>>& late) {
  FlightCounters& counters = *entry.counters;
  if (counters.landed.load() < entry.flight) {
    if (auto actor = caf::actor_cast<caf::actor>(entry.actor))
      late.emplace_back(actor, entry.flight);
  }
  // Released first, then looked at again: a take-off that saw the entry still
  // held (and added none) is seen below, and one after the release adds its own.
  counters.watched.store(false);
  std::uint64_t taken = counters.taken_off.load();
  // Idle, or still in the flight just reported: the actor's next take-off
  // (after it gives this one up) adds an entry again.
  if (taken == counters.landed.load() || taken == entry.flight) return;
  if (counters.watched.exchange(true)) return;  // a take-off added one meanwhile
  // A later flight is in the air, due a bound after its own take-off. The
  // count is read before its time (see FlightCounters::take_off).
  entry.flight = counters.taken_off.load();
  entry.deadline = Clock::time_point(Clock::duration(counters.taken_off_at.load())) + bound_;
  entries_.emplace(entry.deadline, std::move(entry));
}

std::vector<std::pair<caf::actor, std::uint64_t>> FlightWatch::overdue(Clock::time_point now) {
  std::vector<std::pair<caf::actor, std::uint64_t>> late;
  std::lock_guard<std::mutex> lock(mutex_);
  // An entry renewed already due is settled in this sweep too; each renewal
  // follows a flight the actor took since, so this ends (and a bound on the
  // rounds keeps a sweep short whatever the actors do meanwhile).
  std::size_t rounds = 2 * entries_.size() + 16;
  while (!entries_.empty() && entries_.begin()->first <= now && rounds-- > 0) {
    Entry entry = std::move(entries_.begin()->second);
    entries_.erase(entries_.begin());
    settle(std::move(entry), late);
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
  // Linked: a sweeper that ended would leave round trips unbounded, so the
  // registry ends too (and the supervisor stops the process). Monitored: the
  // registry's end, whatever its reason, ends the sweeper.
  self->link_to(owner);
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
