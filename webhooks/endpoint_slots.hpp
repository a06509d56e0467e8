// How many attempts each endpoint may have on the wire at once: the full
// allowance while its latest attempt succeeded, one while on probation (its
// latest attempt failed, or none has succeeded yet in this process), so N
// hanging endpoints hold at most N of the sender's slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace incident::webhooks {

/// How an attempt ended, for the endpoint's standing.
enum class AttemptEnd {
  succeeded,  // a 2xx
  failed,     // a timeout, a connection error, any other status
  stopped,    // the sender stopped: says nothing of the endpoint
};

/// The dispatcher's thread alone uses it.
class EndpointSlots {
 public:
  using Id = std::int64_t;

  /// `allowance`: attempts of an endpoint in good standing (at least 1).
  explicit EndpointSlots(std::size_t allowance);

  /// How many more attempts `endpoint` may start now (0 when it has no room).
  std::size_t room(Id endpoint) const;
  /// One attempt of `endpoint` went on the wire.
  void started(Id endpoint);
  /// One attempt of `endpoint` ended: a success lifts probation, a failure
  /// begins it. The latest to end decides, whatever the order they started in.
  void ended(Id endpoint, AttemptEnd end);

  bool on_probation(Id endpoint) const;
  std::size_t in_flight(Id endpoint) const;
  /// Forgets `endpoint` (deleted, say) if nothing of it is on the wire; a
  /// forgotten endpoint starts on probation again.
  void forget(Id endpoint);

 private:
  struct Standing {
    std::size_t in_flight = 0;
    bool proven = false;  // its latest attempt to end succeeded
  };

  const std::size_t allowance_;
  std::unordered_map<Id, Standing> standings_;
};

}  // namespace incident::webhooks
