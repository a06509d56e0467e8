// The per-incident actor: owns one incident's cached state and applies the
// lifecycle to it one message at a time, so updates to one incident are
// serialized without locks and never lost.
#pragma once

#include <caf/all.hpp>
#include <chrono>

#include "actors/cached_incident.hpp"
#include "actors/flight_watch.hpp"
#include "actors/ready_incidents.hpp"
#include "domain/incident.hpp"
#include "metrics/metrics.hpp"

namespace incident {

struct IncidentActorLimits {
  std::shared_ptr<FlightWatch> flights;  // bounds how long a load or commit may stay unanswered
  std::size_t max_waiting = 1024;        // requests queued or in flight, past which 503
  CacheBytes cache_bytes;                // where the cached state's size is counted
  std::shared_ptr<metrics::Metrics> metrics = nullptr;  // optional
  /// Where the incident is shown to GETs while idle and current (optional).
  std::shared_ptr<ReadyIncidents> ready = nullptr;
};

/// Spawns the actor for `parent` (the registry), which tells it when to end:
/// not linked, since CAF removes a link in time linear in the number of links.
/// It has no timer: `limits.flights` watches its loads and commits, and one that
/// storage has not answered within the bound is answered 503 (a commit's outcome
/// is unknown), the cached state is dropped and the late answer ignored. Idle
/// actors are retired by the registry, not by a timer, which would keep a
/// retired actor's memory until it fired.
caf::actor spawn_incident_actor(caf::event_based_actor* parent, Id id, caf::actor storage,
                                const IncidentActorLimits& limits);

}  // namespace incident
