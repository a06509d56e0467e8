// Pure conversion between incidents and their Redis form: hash fields, event
// JSON, index keys and the index entry (score and member) that orders every list.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/incident.hpp"
#include "storage/keys.hpp"

namespace incident {

using FlatHash = std::vector<std::pair<std::string, std::string>>;

/// The incident's scalar fields as hash field/value pairs (null fields omitted).
FlatHash encode_fields(const Incident& incident);
std::string encode_event(const Event& event);

/// Rebuilds an incident from its hash and its event list (newest first);
/// nullopt when the stored form is unreadable.
std::optional<Incident> decode_incident(const FlatHash& fields, std::vector<std::string> events);
std::optional<Event> decode_event(const std::string& json);
/// decode_event without its fast path for the written form: any member
/// order, other members ignored.
std::optional<Event> read_event_members(const std::string& json);

/// An incident's entry in every index zset, ordered as lists are:
/// start_impact_date descending, status, severity (enum order) in the score;
/// id descending in the member, which Redis compares when scores are equal.
/// Both are integers below 2^53, exact in a double (Redis' scores and Lua's
/// numbers alike).
struct IndexEntry {
  std::string score;   // (kMaxMinute - start) * 100 + status * 10 + severity, decimal
  std::string member;  // (2^53 - id) on kIndexMemberLength lowercase hex digits
};
constexpr std::size_t kIndexMemberLength = 14;
IndexEntry index_entry(const Incident& incident);
/// The id an index member stands for; nullopt when malformed.
std::optional<Id> id_of_member(const std::string& member);
/// The member the versions from 678f26c to 663bab7 wrote for `id`, beside the
/// same score: (2^53 - id) on sixteen decimal digits (index_migration.hpp
/// replaces them).
std::string earlier_index_member(Id id);
/// The score an index entry's score text holds; nullopt when malformed.
std::optional<long long> index_score(const std::string& text);

/// The score range (ZCOUNT / ZRANGEBYSCORE min and max) of the entries whose
/// start_impact_date is at or after `after` and strictly before `before`.
std::pair<std::string, std::string> start_date_range(std::optional<Minute> after,
                                                     std::optional<Minute> before);

/// The per-value index keys (status, severity, scope, service, external
/// reference, and status paired with severity, scope and service).
std::vector<std::string> index_keys(const Keys& keys, const Incident& incident);

}  // namespace incident
