// The oldest form is told apart by its score: 0 for every entry, while the
// current scores start at (kMaxMinute - start) * 100, far above 0 for any
// date the API takes. The sixteen-digit members share their scores with the
// current ones: each is removed as its incident's entries are written.
#include "storage/index_migration.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "config/log.hpp"
#include "domain/integers.hpp"
#include "storage/incident_codec.hpp"
#include "storage/random_token.hpp"
#include "storage/redis_value.hpp"
#include "storage/reply_pairs.hpp"
#include "storage/scripts.hpp"

namespace incident {
namespace {

constexpr const char* kScanBatch = "1000";
constexpr long long kRemovedPerCall = 1000;  // one call never holds Redis long
constexpr int kRewriteRounds = 10;           // of incidents that commits keep changing
constexpr const char* kLockMilliseconds = "60000";
constexpr long long kDefaultListpackEntries = 128;  // Redis' zset-max-listpack-entries
/// The value of Keys::index_form() once every entry is as index_entry writes it.
constexpr const char* kCurrentForm = "score+hex14";

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
/// false when Redis refused a step or `each` said stop.
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

/// Writes the entries of some incident hashes as they stand; `changed` gets
/// those a commit changed between the read and the write.
bool rewrite(redisContext* context, const Keys& keys, const std::vector<std::string>& hashes,
             IndexMigrationReport& report, std::vector<std::string>& changed) {
  std::vector<std::vector<std::string>> reads;
  for (const auto& key : hashes) reads.push_back({"HGETALL", key});
  auto stored = run_commands(context, reads);
  const Script& write = scripts::index_entry_write();
  std::vector<std::vector<std::string>> writes;
  std::vector<const std::string*> written;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (refused(stored[i], "read an incident")) return false;
    if (stored[i].elements.empty()) continue;  // deleted since the scan
    auto incident = decode_incident(reply_pairs(stored[i]), {});
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
    command.insert(command.end(), {std::to_string(incident->version), entry.score, entry.member,
                                   earlier_index_member(incident->id)});
    writes.push_back(std::move(command));
    written.push_back(&hashes[i]);
  }
  auto replies = run_commands(context, writes);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (refused(replies[i], "write an incident's entries") ||
        replies[i].type != RedisValue::Type::integer)
      return false;
    if (replies[i].integer == 1)
      ++report.incidents;
    else
      changed.push_back(*written[i]);
  }
  return true;
}

/// Writes the entries of one batch of incident hashes, reading again those
/// that commits change meanwhile (a commit of an earlier version's process,
/// or of this version's that left their entries where they were).
bool rewrite_batch(redisContext* context, const Keys& keys, const std::vector<std::string>& batch,
                   IndexMigrationReport& report) {
  std::vector<std::string> hashes;
  for (const auto& key : batch)
    if (is_incident_key(keys, key)) hashes.push_back(key);
  for (int round = 0; round < kRewriteRounds && !hashes.empty(); ++round) {
    std::vector<std::string> changed;
    std::int64_t written = report.incidents;
    if (!rewrite(context, keys, hashes, report, changed)) return false;
    if (round > 0) report.rewritten += report.incidents - written;
    hashes = std::move(changed);
  }
  if (!hashes.empty())
    log_warning(
        "redis: the index migration found incidents changing faster than it could write "
        "their entries; it starts again");
  return hashes.empty();
}

/// Removes a key's entries of the earlier form (score 0: they come first), a
/// bounded number per call.
bool remove_earlier(redisContext* context, const std::string& key) {
  for (;;) {
    RedisValue count = run_command(context, {"ZCOUNT", key, "0", "0"});
    if (refused(count, "count entries of the earlier form")) return false;
    if (count.integer <= 0) return true;
    long long last = std::min(count.integer, kRemovedPerCall) - 1;
    if (refused(run_command(context, {"ZREMRANGEBYRANK", key, "0", std::to_string(last)}),
                "remove entries of the earlier form"))
      return false;
  }
}

/// Removes a key's entries whose member is not of this form: those the
/// rewrite did not reach because no hash decodes for them (damaged, or gone
/// with its entries left behind), a bounded number per call.
bool remove_strays(redisContext* context, const std::string& key) {
  std::string cursor = "0";
  do {
    RedisValue reply = run_command(context, {"ZSCAN", key, cursor, "COUNT", kScanBatch});
    if (refused(reply, "scan a key's entries")) return false;
    if (reply.elements.size() != 2) {
      log_warning("redis: the index migration read an unexpected ZSCAN reply");
      return false;
    }
    cursor = reply.elements[0].str;
    std::vector<std::string> strays{"ZREM", key};
    const auto& found = reply.elements[1].elements;
    for (std::size_t i = 0; i + 1 < found.size(); i += 2)
      if (!id_of_member(found[i].str)) strays.push_back(found[i].str);
    if (strays.size() > 2 && refused(run_command(context, strays), "remove stray entries"))
      return false;
  } while (cursor != "0");
  return true;
}

/// Redis' limit of a compact sorted set (CONFIG may be renamed: its default then).
long long listpack_entries(redisContext* context) {
  RedisValue reply = run_command(context, {"CONFIG", "GET", "zset-max-*-entries"});
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    auto value = parse_integer(reply.elements[i + 1].str);
    if (value && *value > 0) return *value;
  }
  return kDefaultListpackEntries;
}

/// A key that held both forms at once may have outgrown the compact encoding,
/// which Redis never gives back: a copy of itself onto itself does.
bool compact(redisContext* context, const std::string& key, long long limit,
             IndexMigrationReport& report) {
  RedisValue size = run_command(context, {"ZCARD", key});
  if (refused(size, "count a key's entries")) return false;
  if (size.integer == 0 || size.integer > limit) return true;
  RedisValue encoding = run_command(context, {"OBJECT", "ENCODING", key});
  if (encoding.str != "skiplist") return true;
  if (refused(run_command(context, {"ZUNIONSTORE", key, "1", key}), "compact a key")) return false;
  ++report.keys_compacted;
  return true;
}

}  // namespace

std::optional<IndexMigrationReport> migrate_indexes(redisContext* context, const Keys& keys,
                                                    const std::function<bool()>& still_held) {
  IndexMigrationReport report;
  bool rewritten = scan_keys(context, glob_literal(keys.incident_prefix()) + "*", "hash",
                             [&](const std::vector<std::string>& batch) {
                               return still_held() && rewrite_batch(context, keys, batch, report);
                             });
  if (!rewritten) return std::nullopt;
  // The earlier entries go last, the main index's very last: a migration cut
  // short leaves them to be found by the next connection's check.
  long long limit = listpack_entries(context);
  auto clean = [&](const std::string& key) {
    if (!remove_earlier(context, key) || !remove_strays(context, key) ||
        !compact(context, key, limit, report))
      return false;
    ++report.keys_cleaned;
    return true;
  };
  bool cleaned = scan_keys(context, glob_literal(keys.prefix() + ":idx:") + "*", "zset",
                           [&](const std::vector<std::string>& batch) {
                             if (!still_held()) return false;
                             for (const auto& key : batch)
                               if (key != keys.index_all() && !clean(key)) return false;
                             return true;
                           });
  if (!cleaned || !clean(keys.index_all())) return std::nullopt;
  return report;
}

std::optional<bool> IndexMigration::current_form(redisContext* context) {
  RedisValue reply = run_command(context, {"GET", keys_.index_form()});
  if (reply.is_error()) {
    log_warning("redis: cannot check the indexes' form: " + reply.str);
    return std::nullopt;
  }
  return reply.type == RedisValue::Type::string && reply.str == kCurrentForm;
}

std::optional<bool> IndexMigration::mark_if_new(redisContext* context) {
  RedisValue reply = run_command(
      context,
      {"EVAL",
       "if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 "
       "then redis.call('SET', KEYS[3], ARGV[1]) return 1 end return 0",
       "3", keys_.incident_next_id(), keys_.index_all(), keys_.index_form(), kCurrentForm});
  if (reply.type != RedisValue::Type::integer) {
    log_warning("redis: cannot mark the indexes' form: " + reply.str);
    return std::nullopt;
  }
  return reply.integer == 1;
}

bool IndexMigration::hold_lock(redisContext* context, bool first) {
  RedisValue reply = run_command(context, {"SET", keys_.index_migration_lock(), token_,
                                           first ? "NX" : "XX", "PX", kLockMilliseconds});
  if (reply.type == RedisValue::Type::status) return true;
  if (reply.is_error()) log_warning("redis: cannot take the index migration's lock: " + reply.str);
  return false;
}

void IndexMigration::release_lock(redisContext* context) {
  run_command(context, {"EVAL",
                        "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                        "return redis.call('DEL', KEYS[1]) end return 0",
                        "1", keys_.index_migration_lock(), token_});
}

bool IndexMigration::ensure_current(redisContext* context) {
  auto current = current_form(context);
  if (!current || *current) return current.value_or(false);
  std::lock_guard<std::mutex> lock(mutex_);
  current = current_form(context);  // another connection may have migrated meanwhile
  if (!current || *current) return current.value_or(false);
  auto marked = mark_if_new(context);  // no incident ever: nothing to migrate
  if (!marked || *marked) return marked.value_or(false);
  if (token_.empty()) token_ = random_hex(2);
  if (!hold_lock(context, true)) {
    log_warning(
        "redis: another process is migrating the indexes to this version's form; "
        "waiting for it");
    return false;
  }
  log_warning(
      "redis: the indexes may hold entries of an earlier version's form; writing every "
      "incident's entries again before serving");
  auto started = std::chrono::steady_clock::now();
  auto report = migrate_indexes(context, keys_, [&] { return hold_lock(context, false); });
  // Marked while the lock is still held: no other process starts over.
  if (report && refused(run_command(context, {"SET", keys_.index_form(), kCurrentForm}),
                        "mark the indexes' form"))
    report.reset();
  release_lock(context);
  if (!report) return false;
  char summary[320];
  std::snprintf(summary, sizeof summary,
                "redis: indexes migrated in %.1f s: %lld incidents' entries written (%lld of "
                "them again, changed meanwhile; %lld that do not decode left out), %lld index "
                "keys cleaned, %lld made compact again",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                static_cast<long long>(report->incidents),
                static_cast<long long>(report->rewritten), static_cast<long long>(report->damaged),
                static_cast<long long>(report->keys_cleaned),
                static_cast<long long>(report->keys_compacted));
  log_info(summary);
  return true;
}

}  // namespace incident
