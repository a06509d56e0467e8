// Every actor message of the server: atoms, payload structs and the reply
// callbacks through which actors answer the HTTP layer without knowing it.
#pragma once

#include <caf/all.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/feed_view.hpp"
#include "domain/incident.hpp"
#include "domain/incident_json.hpp"
#include "domain/list_query.hpp"
#include "domain/pagination.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"
#include "storage/feed_follower.hpp"
#include "storage/feed_store.hpp"
#include "storage/store_types.hpp"
#include "storage/webhook_store.hpp"

namespace incident {

// --- atoms ------------------------------------------------------------------
using get_atom = caf::atom_constant<caf::atom("i_get")>;
using create_atom = caf::atom_constant<caf::atom("i_create")>;
using update_atom = caf::atom_constant<caf::atom("i_update")>;
using comment_atom = caf::atom_constant<caf::atom("i_comment")>;
using delete_atom = caf::atom_constant<caf::atom("i_delete")>;
using refresh_atom = caf::atom_constant<caf::atom("i_refresh")>;
using retire_atom = caf::atom_constant<caf::atom("i_retire")>;
using rebind_atom = caf::atom_constant<caf::atom("i_rebind")>;
using feed_atom = caf::atom_constant<caf::atom("i_feed")>;
using idle_atom = caf::atom_constant<caf::atom("i_idle")>;
using list_atom = caf::atom_constant<caf::atom("i_list")>;
using load_atom = caf::atom_constant<caf::atom("s_load")>;
using reserve_ids_atom = caf::atom_constant<caf::atom("s_ids")>;
using commit_atom = caf::atom_constant<caf::atom("s_commit")>;
using loaded_atom = caf::atom_constant<caf::atom("s_loaded")>;
using committed_atom = caf::atom_constant<caf::atom("s_commitd")>;
using ping_atom = caf::atom_constant<caf::atom("s_ping")>;
using deliver_atom = caf::atom_constant<caf::atom("s_deliver")>;
using catalog_atom = caf::atom_constant<caf::atom("c_op")>;
using publish_atom = caf::atom_constant<caf::atom("n_publish")>;
using feed_read_atom = caf::atom_constant<caf::atom("s_feedread")>;
using rate_atom = caf::atom_constant<caf::atom("s_rate")>;
using subscribe_atom = caf::atom_constant<caf::atom("e_sub")>;
using feed_page_atom = caf::atom_constant<caf::atom("e_page")>;
using heartbeat_atom = caf::atom_constant<caf::atom("e_beat")>;
using health_part_atom = caf::atom_constant<caf::atom("h_part")>;
using health_timeout_atom = caf::atom_constant<caf::atom("h_timeout")>;
using stop_atom = caf::atom_constant<caf::atom("h_stop")>;
using inflight_check_atom = caf::atom_constant<caf::atom("i_inflight")>;
using forget_all_atom = caf::atom_constant<caf::atom("i_forget")>;
using feed_batch_atom = caf::atom_constant<caf::atom("e_batch")>;
using webhook_atom = caf::atom_constant<caf::atom("w_op")>;

/// Requests to the storage actor carry no CAF timeout: storage answers every
/// one, because its Redis pipeline fails each command after the Redis timeout.
/// A CAF timeout would add a clock entry (a lock and a wake of the clock
/// thread) to every write for nothing.
constexpr auto kStorageReplyBound = caf::infinite;

// --- replies to the HTTP layer ------------------------------------------------
/// Called exactly once, from whichever thread completes the work.
template <class T>
using Reply = std::function<void(Result<T>)>;

// --- commands from the HTTP layer ---------------------------------------------
struct CreateCommand {
  CreateRequest request;
  std::optional<std::string> idempotency_key;  // already scoped to the client
  Reply<Incident> reply;
};

struct UpdateCommand {
  UpdateRequest request;
  std::optional<std::int64_t> if_match;
  Reply<Incident> reply;
};

struct CommentCommand {
  CommentRequest request;
  std::optional<std::int64_t> if_match;  // a retry-safe comment names the version it follows
  Reply<Incident> reply;
  /// Or it carries a key (already scoped to the client and the incident): a
  /// comment whose key was kept is answered with the incident, not added again.
  std::optional<std::string> idempotency_key = std::nullopt;
};

struct DeleteCommand {
  std::optional<std::int64_t> if_match;
  Reply<Incident> reply;
};

struct GetCommand {
  Reply<Incident> reply;
};

/// Any request for one existing incident, as the registry hands it to an actor
/// together with the incident itself (rebind_atom) when that actor served
/// another incident until now: one message instead of two.
using IncidentCommand = std::variant<GetCommand, UpdateCommand, CommentCommand, DeleteCommand>;

/// A list page, its items rendered by `renderer` or taken from what it keeps.
struct ListCommand {
  PageRequest page;
  IncidentFilter filter;
  PageRenderer renderer;
  Reply<RenderedPage> reply;
};

/// Scopes and services: one command type, `kind` is "scope" or "service".
struct CatalogCommand {
  enum class Op { get, list, create, update, remove };
  Op op = Op::get;
  std::string kind;
  Id id = 0;
  PageRequest page;
  CatalogCreateRequest create;
  CatalogUpdateRequest update;
  Reply<CatalogView> reply_one;
  Reply<CatalogPage> reply_page;
};

/// Webhook endpoints, to the storage actor.
struct WebhookCommand {
  enum class Op { get, list, create, update, remove, rotate_secret, deliveries };
  Op op = Op::get;
  Id id = 0;
  PageRequest page;                      // list
  webhooks::Subscription subscription;   // create
  WebhookStore::Change change;           // update
  std::string secret;                    // rotate_secret: the new one
  std::int64_t previous_expires_ms = 0;  // rotate_secret: when the old one stops signing
  std::int64_t limit = 0;                // deliveries
  Reply<webhooks::Subscription> reply_one;
  Reply<WebhookPage> reply_page;
  Reply<std::vector<std::string>> reply_deliveries;
};

/// Reads of the change stream: after `after_id` (or, when empty, just the
/// newest id, answered as a single record with no data).
struct FeedReadCommand {
  std::string after_id;
  int count = 100;
  Reply<std::vector<FeedRecord>> reply;
};

/// Counts one request of a client in a rate-limit window (epoch seconds).
struct RateCommand {
  std::string client;
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::int64_t now = 0;
  Reply<std::int64_t> reply;
};

/// A new Server-Sent Events consumer of the change feed.
struct Subscription {
  // The stream is opened only once its starting point is known, so a change
  // the client makes right after seeing it open is never taken for history.
  std::function<EventSink()> open;           // answers 200 and returns the sink
  std::function<void(const Error&)> refuse;  // answers the error instead
  std::string last_event_id;                 // resume after this entry; empty: from now on
  Audience audience = Audience::anonymous;
};

/// New stream entries, read once by the feed hub for every session: `after` is
/// the entry before the first of them, so a session whose cursor is behind it
/// knows it missed some and reads them itself.
struct FeedBatch {
  std::string after;
  std::vector<PreparedEvent> events;
};

/// The change-feed messages of a commit, for the notifier to publish in order,
/// each on every channel.
struct ChangeNotice {
  std::vector<std::string> channels;
  std::vector<std::string> payloads;
};

}  // namespace incident

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::CreateCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::UpdateCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::CommentCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::DeleteCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::GetCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::IncidentCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::ListCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::RateCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::CatalogCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::WebhookCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<incident::CommitRequest>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::LoadResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::CommitResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::IdResult)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::Incident)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::ChangeNotice)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<incident::FeedEntry>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::FeedReadCommand)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::Subscription)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const incident::FeedBatch>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::Result<std::vector<incident::FeedRecord>>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(incident::Reply<bool>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::function<void()>)
