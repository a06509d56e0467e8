// Pistache's reactor loop catches nothing: an exception thrown by our code on
// a reactor thread would end the process. Every entry from the reactor runs
// through this guard, which logs the exception and drops only the connection
// being served.
#pragma once

#include <exception>
#include <string>

#include "config/log.hpp"

namespace incident {

/// Runs `work`; if it throws, logs what and where, then runs `drop` (which
/// must end the one connection concerned). True when `work` completed.
/// Nothing escapes, not even an exception thrown by `drop`.
template <class Work, class Drop>
bool run_guarded(const char* where, Work&& work, Drop&& drop) noexcept {
  std::string what;
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception of unknown type";
  }
  try {
    log_error(std::string("dropping a connection after an exception ") + where + ": " + what);
    drop();
  } catch (...) {
  }
  return false;
}

}  // namespace incident
