// Index entries in the form this version writes (index_entry: a score and
// the id's member on fourteen hex digits) for data an earlier version stored:
// the versions before 678f26c kept the whole sort key in the member at score
// 0, and incidents stored before some index existed (the pairs) are missing
// from it; those up to 663bab7 wrote the member on sixteen decimal digits.
// Checked on every new connection, in one GET of the form Redis holds (set
// once the entries are all of this form); when it is not this form's, every
// incident's entries are written again from its hash and the earlier ones
// removed, before the connection serves. One process migrates at a time (a
// lock in Redis that expires if it dies); the others' connections wait. A
// data set with no incident ever created is marked as of this form at once.
//
// Processes of the earlier version must be stopped first: entries one still
// writing leaves behind are not cleaned up.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "storage/keys.hpp"

struct redisContext;

namespace incident {

struct IndexMigrationReport {
  std::int64_t incidents = 0;  // whose entries were written
  std::int64_t rewritten = 0;  // written again: a commit changed them meanwhile
  std::int64_t damaged = 0;    // hashes that do not decode: left unlisted, as ever
  std::int64_t keys_cleaned = 0;
  std::int64_t keys_compacted = 0;  // small again once cleaned: back in the compact encoding
};

/// Writes every incident's entries in the current form and removes those of
/// the earlier form; nullopt when Redis refused a step (nothing is lost: the
/// earlier entries go last, and a run again completes the work). `still_held`
/// is called between batches (the caller keeps its lock); false stops it.
std::optional<IndexMigrationReport> migrate_indexes(redisContext* context, const Keys& keys,
                                                    const std::function<bool()>& still_held);

class IndexMigration {
 public:
  explicit IndexMigration(Keys keys) : keys_(std::move(keys)) {}

  /// Runs on a new connection before it serves (beside DatasetGuard::check).
  /// False (the connection must not be used) when Redis refused the check or
  /// the migration.
  bool ensure_current(redisContext* context);

 private:
  /// Whether Redis marks the entries as of this version's form; nullopt on refusal.
  std::optional<bool> current_form(redisContext* context);
  /// Marks a data set where no incident was ever created as of this form;
  /// false when there may be entries to migrate, nullopt on refusal.
  std::optional<bool> mark_if_new(redisContext* context);
  /// Takes (or, once taken, keeps) the lock in Redis; false when another holds it.
  bool hold_lock(redisContext* context, bool first);
  void release_lock(redisContext* context);

  Keys keys_;
  std::string token_;  // this process's, in the lock
  std::mutex mutex_;   // one connection of the process migrates; the others wait for it
};

}  // namespace incident
