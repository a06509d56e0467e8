// What the storage layer stores and answers: pages, catalog entries and the
// atomic, version-checked incident commit.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/incident.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"

namespace incident {

struct IncidentPage {
  std::int64_t total = 0;
  std::vector<Incident> items;
};

/// An incident of a list page as the index held it when the page was read.
struct IncidentRef {
  Id id = 0;
  std::int64_t version = 0;
};

/// A list page's ids and versions, in list order, and the list's total.
struct IncidentRefPage {
  std::int64_t total = 0;
  std::vector<IncidentRef> items;
  /// Index entries the list was judged to examine against the list budget (a
  /// page of one key is read by rank, O(log N), and counts none).
  std::int64_t examined = 0;
};

/// A list page whose items are the incidents' JSON texts, in list order.
struct RenderedPage {
  std::int64_t total = 0;
  std::vector<std::shared_ptr<const std::string>> items;
};

/// Where a list page's items come from (storage/page_fill.hpp). Both are called on the list
/// connection's reply thread.
struct PageRenderer {
  /// The rendering of `item` at exactly its version, or null.
  std::function<std::shared_ptr<const std::string>(const IncidentRef& item)> cached;
  /// Renders an incident loaded from Redis (and may keep the rendering).
  std::function<std::shared_ptr<const std::string>(const Incident& incident)> render;
};

struct CatalogView {
  CatalogEntry entry;
  std::int64_t incidents_count = 0;
  std::string feed_message;  // after a write that changed something
};

struct CatalogPage {
  std::int64_t total = 0;
  std::vector<CatalogView> items;
};

/// One atomic, version-checked change of an incident; several chained ones
/// (each one's `before` the previous one's `after`) may be committed at once.
struct CommitRequest {
  std::string change_type;         // incident.created|updated|commented|deleted
  std::optional<Incident> before;  // as stored now (none for a create)
  std::optional<Incident> after;   // as it must be stored (none for a delete)
  std::optional<Event> new_event;  // the event to append, if any
  nlohmann::json changes = nlohmann::json::object();
  std::optional<std::string> idempotency_key;
};

struct CommitOutcome {
  enum class Status { committed, conflict, duplicate };
  Status status = Status::committed;
  Id existing_id = 0;                      // for duplicate: the incident the key already created
  std::string stream_id;                   // for committed: the (last) change's entry in the stream
  std::vector<std::string> feed_messages;  // for committed: one per change, in order
};

/// The change stream's default cap, in entries: about 236 MiB of Redis at
/// the 1.2 KB an entry measured (benchmarks/memory_footprint.sh).
constexpr long long kDefaultStreamMaxLength = 200000;

/// How changes are described in the change feed.
struct FeedOptions {
  std::string base_url;                                   // for links inside messages
  long long stream_max_length = kDefaultStreamMaxLength;  // approximate cap of the stream
  /// The committing process's id, in each incident entry's field "origin":
  /// a process following the stream tells its own changes from others'.
  std::string origin;
};

using LoadResult = Result<std::optional<Incident>>;
using CommitResult = Result<CommitOutcome>;
using IdResult = Result<Id>;

}  // namespace incident
