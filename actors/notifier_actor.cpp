// Notifier behavior: one PUBLISH per channel of each notice. Publishing is a
// best-effort wake-up; a failure is logged, never retried out of order.
#include "actors/notifier_actor.hpp"

#include <memory>

#include "actors/messages.hpp"
#include "config/log.hpp"
#include "storage/redis_pipeline.hpp"

namespace incident {
namespace {

struct NotifierState {
  std::shared_ptr<RedisPipeline> pipeline;
};

using NotifierActor = caf::stateful_actor<NotifierState>;

caf::behavior notifier_behavior(NotifierActor* self, std::shared_ptr<RedisPipeline> connection) {
  self->state.pipeline = std::move(connection);
  return {
      [=](publish_atom, const ChangeNotice& notice) {
        for (const auto& payload : notice.payloads)
          for (const auto& channel : notice.channels)
            self->state.pipeline->submit(
                {"PUBLISH", channel, payload}, [channel](const RedisValue& reply) {
                  if (reply.is_error())
                    log_warning("publish on " + channel + " failed: " + reply.str);
                });
      },
      [=](ping_atom, const Reply<bool>& reply) { reply(true); },
  };
}

}  // namespace

caf::actor spawn_notifier(caf::actor_system& system, std::shared_ptr<RedisPipeline> connection) {
  return system.spawn(notifier_behavior, std::move(connection));
}

}  // namespace incident
