// A flat [field, value, ...] reply (HGETALL's) as field/value pairs.
#pragma once

#include "storage/incident_codec.hpp"
#include "storage/redis_value.hpp"

namespace incident {

FlatHash reply_pairs(const RedisValue& flat);

}  // namespace incident
