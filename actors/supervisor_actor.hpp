// The supervisor: watches the process's singleton actors (storage, notifier,
// registry, catalog, feed hub). One that ends while the process is not
// stopping is reported once, so the process can stop with a failure status
// for its service manager to restart it. It also answers the health check by
// asking every singleton (storage asks Redis) within a bound.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace incident {

struct WatchedActor {
  std::string name;  // for the log: "storage", "registry", ...
  caf::actor actor;
};

/// Called at most once, on the supervisor's thread, with the name of the
/// actor that ended unexpectedly and why.
using UnexpectedEnd = std::function<void(const std::string& name, const std::string& reason)>;

/// `health_bound`: how long every singleton has to answer a health check.
/// Send it `stop_atom` before ending the singletons on purpose.
caf::actor spawn_supervisor(caf::actor_system& system, std::vector<WatchedActor> watched,
                            UnexpectedEnd on_unexpected_end,
                            std::chrono::milliseconds health_bound);

}  // namespace incident
