// What handlers need to reach: settings, the token service and the actors.
#pragma once

#include <caf/all.hpp>

#include "config/settings.hpp"
#include "http/auth.hpp"

namespace incident {

struct App {
  Settings settings;
  TokenService tokens;
  caf::actor registry;
  caf::actor catalog;
  caf::actor storage;
  caf::actor feed_hub;
  caf::actor supervisor;  // answers the health check by asking every singleton
};

}  // namespace incident
