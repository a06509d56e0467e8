#include "actors/reply_runner_actor.hpp"

#include "actors/messages.hpp"

namespace incident {

namespace {

// A class rather than a function: CAF 0.17 spawns a function without
// arguments through a null pointer (UBSan reports it).
class ReplyRunner : public caf::event_based_actor {
 public:
  explicit ReplyRunner(caf::actor_config& config) : caf::event_based_actor(config) {}

  caf::behavior make_behavior() override {
    return {
        [](deliver_atom, const std::function<void()>& work) { work(); },
        [](ping_atom, const Reply<bool>& reply) { reply(true); },
    };
  }
};

}  // namespace

caf::actor spawn_reply_runner(caf::actor_system& system) {
  return system.spawn<ReplyRunner, caf::detached>();
}

ReplyExecutor run_replies_in(caf::actor runner) {
  return [runner = std::move(runner)](std::function<void()> work) {
    // Once the runner has ended (a stop), the work is dropped: a request it
    // would have answered is answered 503 when its responder is released.
    caf::anon_send(runner, deliver_atom::value, std::move(work));
  };
}

}  // namespace incident
