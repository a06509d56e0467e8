#include "storage/stream_retention.hpp"

#include "storage/scripts.hpp"
#include "storage/store_errors.hpp"

namespace incident {

void trim_change_stream(RedisPipeline& pipeline, const Keys& keys, std::chrono::seconds retention,
                        std::function<void(Result<StreamTrim>)> done) {
  pipeline.eval(
      scripts::stream_trim(), {keys.change_stream()},
      {std::to_string(std::chrono::milliseconds(retention).count()), Keys::webhook_group()},
      [done = std::move(done)](const RedisValue& reply) {
        if (auto error = error_in_array_reply(reply, "a stream trim")) return done(*error);
        if (reply.elements.size() != 2) return done(corrupt_record("stream trim"));
        done(StreamTrim{reply.elements[0].integer, reply.elements[1].str});
      });
}

}  // namespace incident
