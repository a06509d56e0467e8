// The earlier form is told apart by its score: 0 for every entry, while the
// current scores start at (kMaxMinute - start) * 100, far above 0 for any
// date the API takes.
#include "storage/index_migration.hpp"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "config/log.hpp"
#include "storage/incident_codec.hpp"
#include "storage/redis_value.hpp"
#include "storage/scripts.hpp"

namespace incident {
namespace {

constexpr const char* kScanBatch = "1000";

/// `text` with glob's special characters escaped, for SCAN's MATCH.
std::string glob_literal(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool refused(const RedisValue& reply, const char* what) {
  if (!reply.is_error()) return false;
  log_warning(std::string("redis: the index migration could not ") + what + ": " + reply.str);
  return true;
}

/// Calls `each` with every batch of keys SCAN finds for `pattern` of `type`;
/// false when Redis refused a step.
template <typename Each>
bool scan_keys(redisContext* context, const std::string& pattern, const char* type, Each each) {
  std::string cursor = "0";
  do {
    RedisValue reply =
        run_command(context, {"SCAN", cursor, "MATCH", pattern, "COUNT", kScanBatch, "TYPE", type});
    if (refused(reply, "scan the keys")) return false;
    if (reply.elements.size() != 2) {
      log_warning("redis: the index migration read an unexpected SCAN reply");
      return false;
    }
    cursor = reply.elements[0].str;
    std::vector<std::string> keys;
    for (auto& key : reply.elements[1].elements) keys.push_back(std::move(key.str));
    if (!keys.empty() && !each(keys)) return false;
  } while (cursor != "0");
  return true;
}

/// The incident keys' ids: "<prefix>:incident:<digits>" only (not the
/// counter, not the events lists, which SCAN's TYPE already leaves out).
bool is_incident_key(const Keys& keys, const std::string& key) {
  const std::string prefix = keys.incident_prefix();
  if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) return false;
  return key.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
}

/// Writes the entries of one batch of incident hashes.
bool rewrite_batch(redisContext* context, const Keys& keys, const std::vector<std::string>& batch,
                   IndexMigrationReport& report) {
  std::vector<std::string> hashes;
  std::vector<std::vector<std::string>> reads;
  for (const auto& key : batch)
    if (is_incident_key(keys, key)) {
      hashes.push_back(key);
      reads.push_back({"HGETALL", key});
    }
  if (reads.empty()) return true;
  auto stored = run_commands(context, reads);
  const Script& write = scripts::index_entry_write();
  std::vector<std::vector<std::string>> writes;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (refused(stored[i], "read an incident")) return false;
    if (stored[i].elements.empty()) continue;  // deleted since the scan
    FlatHash flat;
    for (std::size_t f = 0; f + 1 < stored[i].elements.size(); f += 2)
      flat.emplace_back(stored[i].elements[f].str, stored[i].elements[f + 1].str);
    auto incident = decode_incident(flat, {});
    if (!incident) {
      ++report.damaged;
      continue;
    }
    std::vector<std::string> index = index_keys(keys, *incident);
    index.push_back(keys.index_all());
    IndexEntry entry = index_entry(*incident);
    std::vector<std::string> command{"EVAL", write.source, std::to_string(1 + index.size()),
                                     hashes[i]};
    command.insert(command.end(), index.begin(), index.end());
    command.insert(command.end(), {std::to_string(incident->version), entry.score, entry.member});
    writes.push_back(std::move(command));
  }
  for (const auto& reply : run_commands(context, writes)) {
    if (refused(reply, "write an incident's entries") || reply.type != RedisValue::Type::integer)
      return false;
    ++(reply.integer == 1 ? report.incidents : report.changed);
  }
  return true;
}

}  // namespace

std::optional<IndexMigrationReport> migrate_indexes(redisContext* context, const Keys& keys) {
  IndexMigrationReport report;
  bool rewritten = scan_keys(context, glob_literal(keys.incident_prefix()) + "*", "hash",
                             [&](const std::vector<std::string>& batch) {
                               return rewrite_batch(context, keys, batch, report);
                             });
  if (!rewritten) return std::nullopt;
  // The earlier entries go last, the main index's very last: a migration cut
  // short leaves them to be found by the next connection's check.
  bool cleaned =
      scan_keys(context, glob_literal(keys.prefix() + ":idx:") + "*", "zset",
                [&](const std::vector<std::string>& batch) {
                  for (const auto& key : batch) {
                    if (key == keys.index_all()) continue;
                    if (refused(run_command(context, {"ZREMRANGEBYSCORE", key, "0", "0"}),
                                "remove entries of the earlier form"))
                      return false;
                    ++report.keys_cleaned;
                  }
                  return true;
                });
  if (!cleaned || refused(run_command(context, {"ZREMRANGEBYSCORE", keys.index_all(), "0", "0"}),
                          "remove entries of the earlier form"))
    return std::nullopt;
  ++report.keys_cleaned;
  return report;
}

std::optional<bool> IndexMigration::earlier_form_found(redisContext* context) {
  RedisValue reply = run_command(context, {"ZCOUNT", keys_.index_all(), "0", "0"});
  if (reply.type != RedisValue::Type::integer) {
    log_warning("redis: cannot check the indexes' form: " + reply.str);
    return std::nullopt;
  }
  return reply.integer > 0;
}

bool IndexMigration::ensure_current(redisContext* context) {
  auto found = earlier_form_found(context);
  if (!found || !*found) return found.has_value();
  std::lock_guard<std::mutex> lock(mutex_);
  found = earlier_form_found(context);  // another connection may have migrated meanwhile
  if (!found || !*found) return found.has_value();
  log_warning(
      "redis: the indexes hold entries of an earlier version's form; writing every "
      "incident's entries again before serving");
  auto started = std::chrono::steady_clock::now();
  auto report = migrate_indexes(context, keys_);
  if (!report) return false;
  char summary[256];
  std::snprintf(
      summary, sizeof summary,
      "redis: indexes migrated in %.1f s: %lld incidents' entries written (%lld written by "
      "commits meanwhile, %lld that do not decode left out), %lld index keys cleaned",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
      static_cast<long long>(report->incidents), static_cast<long long>(report->changed),
      static_cast<long long>(report->damaged), static_cast<long long>(report->keys_cleaned));
  log_info(summary);
  return true;
}

}  // namespace incident
