// Index entries in the form this version writes (index_entry: a score and
// the id's member) for data an earlier version stored: its entries kept the
// whole sort key in the member at score 0, and incidents stored before some
// index existed (the pairs) are missing from it. Checked on every new
// connection, in one ZCOUNT; when any entry of the earlier form is found,
// every incident's entries are written again from its hash and the earlier
// ones removed, before the connection serves.
//
// Processes of the earlier version must be stopped first: one still writing
// adds entries of its form, which the next new connection rewrites again.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "storage/keys.hpp"

struct redisContext;

namespace incident {

struct IndexMigrationReport {
  std::int64_t incidents = 0;  // whose entries were written
  std::int64_t changed = 0;    // written meanwhile by a commit, which wrote their entries
  std::int64_t damaged = 0;    // hashes that do not decode: left unlisted, as ever
  std::int64_t keys_cleaned = 0;
};

/// Writes every incident's entries in the current form and removes those of
/// the earlier form; nullopt when Redis refused a step (nothing is lost: the
/// earlier entries go last, and a run again completes the work).
std::optional<IndexMigrationReport> migrate_indexes(redisContext* context, const Keys& keys);

class IndexMigration {
 public:
  explicit IndexMigration(Keys keys) : keys_(std::move(keys)) {}

  /// Runs on a new connection before it serves (beside DatasetGuard::check).
  /// False (the connection must not be used) when Redis refused the check or
  /// the migration.
  bool ensure_current(redisContext* context);

 private:
  /// Whether the main index holds an entry of the earlier form; nullopt on refusal.
  std::optional<bool> earlier_form_found(redisContext* context);

  Keys keys_;
  std::mutex mutex_;  // one connection of the process migrates; the others wait for it
};

}  // namespace incident
