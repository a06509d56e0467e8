#include "storage/store_errors.hpp"

#include "config/log.hpp"

namespace incident {

Error storage_unavailable() {
  return Error{ErrorKind::unavailable, "Storage unavailable, retry later", {}};
}

Error write_outcome_unknown() {
  return Error{ErrorKind::unavailable,
               "Storage did not confirm this write in time: it may or may not have been kept. "
               "Read the incident before retrying, or retry with If-Match (an update, a comment) "
               "or the same Idempotency-Key (a create, a comment).",
               {}};
}

Error write_failure(const RedisValue& reply) {
  return reply.not_sent ? storage_unavailable() : write_outcome_unknown();
}

Error corrupt_record(const std::string& what) {
  return Error{ErrorKind::unavailable, "Stored data is unreadable: " + what, {}};
}

Error refused_by_redis(const RedisValue& reply, const char* what) {
  log_error(std::string("Redis refused ") + what + ": " + reply.str);
  if (reply.str.rfind("OOM", 0) == 0 || reply.str.find(" OOM ") != std::string::npos)
    return Error{ErrorKind::unavailable, "Storage full, retry later", {}};
  return Error{ErrorKind::unavailable, "Storage refused the operation, retry later", {}};
}

std::optional<Error> error_in_array_reply(const RedisValue& reply, const char* what) {
  if (reply.io_failure) return storage_unavailable();
  if (reply.type == RedisValue::Type::error) return refused_by_redis(reply, what);
  if (reply.type != RedisValue::Type::array) return corrupt_record(what);
  return std::nullopt;
}

Error over_budget(std::int64_t estimate, std::int64_t budget) {
  return field_error(ErrorKind::invalid, "List query too costly", "query",
                     "This page would examine about " + std::to_string(estimate) +
                         " index entries; one list may examine at most " + std::to_string(budget) +
                         ". Narrow it: fewer values per filter, a date range (impact_after, "
                         "impact_before), or an earlier page.");
}

Error lists_busy() {
  return field_error(ErrorKind::unavailable, "Too many costly lists at once", "query",
                     "Lists that combine several index keys run one at a time, and too many "
                     "wait already; retry.");
}

}  // namespace incident
