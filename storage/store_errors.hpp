// What storage tells its callers when Redis cannot do what was asked: the
// errors every store shares, worded for clients (details go to the log).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/result.hpp"
#include "storage/redis_value.hpp"

namespace incident {

/// Redis could not be reached, or did not answer in time.
Error storage_unavailable();

/// A write sent to Redis whose answer never came: it may or may not have been
/// kept. Never a success, and it says how to retry safely.
Error write_outcome_unknown();

/// What a write whose reply is an io_failure tells: unavailable when it was
/// never sent, else that it may or may not have been kept.
Error write_failure(const RedisValue& reply);

/// A stored record that cannot be read back (`what` names it).
Error corrupt_record(const std::string& what);

/// Redis answered with an error (`what` names the operation): logged whole;
/// the client learns only whether storage is full or refused.
Error refused_by_redis(const RedisValue& reply, const char* what);

/// The error an array reply carries, if any: unreachable, refused by Redis,
/// or not an array (`what` names the operation).
std::optional<Error> error_in_array_reply(const RedisValue& reply, const char* what);

/// A list page that would examine about `estimate` index entries, over the
/// `budget` one list may: a 400 naming "query", with the ways to narrow it.
Error over_budget(std::int64_t estimate, std::int64_t budget);

/// More costly lists at once than a process runs: a 503 to retry.
Error lists_busy();

}  // namespace incident
