// Every Redis key and channel name of the server, under one configurable prefix.
//
//   <p>:incident:next_id            counter of incident ids
//   <p>:incident:<id>               hash: the incident's fields
//   <p>:incident:<id>:events        list: events, newest first (JSON each)
//   <p>:idx:incidents               zset: every incident, by list order (index_entry
//                                   in incident_codec.hpp: a score and the id's member)
//   <p>:idx:{status,severity,scope,service,extref}:<v>   zsets, same members
//   <p>:idx:<a>:<va>:<b>:<vb>       zsets of every pair of status, severity, scope
//                                   and service (a before b in that order), so a
//                                   filter on two of them is one index read
//   <p>:idx-migration               the process migrating the indexes (expires)
//   <p>:idx-form                    the form of the index entries, once written
//                                   (index_migration.hpp)
//   <p>:idem:<client>:<key>         the id an Idempotency-Key created (24 h)
//   <p>:incidents:stream            stream: every committed change (field "data")
//   <p>:ratelimit:<client>:<window> requests of a client in one window (expires)
//   <p>:<kind>:next_id / <p>:<kind>:<id> / <p>:<kind>s / <p>:<kind>:names
//                                   scopes and services (kind = scope|service)
//   <p>:dataset                     random identity of the data set (see dataset_guard.hpp)
//   <p>:replication:marker          counter written before each WAIT (see ReplicaAck)
//   <p>:webhook:next_id / <p>:webhook:<id> (hash) / <p>:webhooks (zset by id)
//   <p>:webhook:<id>:deliveries     list: the endpoint's recent attempts, newest first
//   <p>:webhook:<id>:retries        zset: stream ids to send it again, by when (ms)
//   <p>:webhook:<id>:attempts       hash: stream id -> "<attempts>:<first attempt ms>"
//   <p>:webhooks:rev                counter: bumped by every change of any endpoint
//   <p>:webhook:progress:<stream id> hash: endpoint -> "done" once its first
//                                   attempt's outcome is recorded (expires)
//   consumer group "webhooks" on the change stream: changes in their first attempt
#pragma once

#include <string>

#include "domain/incident.hpp"

namespace incident {

class Keys {
 public:
  explicit Keys(std::string prefix) : prefix_(std::move(prefix)) {}

  const std::string& prefix() const { return prefix_; }
  std::string incident_next_id() const { return prefix_ + ":incident:next_id"; }
  std::string replication_marker() const { return prefix_ + ":replication:marker"; }
  std::string incident(Id id) const { return incident_prefix() + std::to_string(id); }
  std::string incident_prefix() const { return prefix_ + ":incident:"; }
  std::string events(Id id) const { return incident(id) + ":events"; }
  std::string index_all() const { return prefix_ + ":idx:incidents"; }
  /// Held by the process migrating the indexes (index_migration.hpp); not a zset.
  std::string index_migration_lock() const { return prefix_ + ":idx-migration"; }
  /// The form every index entry is in (index_migration.hpp); not a zset.
  std::string index_form() const { return prefix_ + ":idx-form"; }
  /// The incidents with `field` ("status", "severity", "scope", "service") = `value`.
  std::string index_field(const std::string& field, const std::string& value) const {
    return prefix_ + ":idx:" + field + ":" + value;
  }
  std::string index_status(Status s) const;
  std::string index_severity(Severity s) const;
  std::string index_scope(Id scope) const { return index_catalog("scope", scope); }
  std::string index_service(Id service) const { return index_catalog("service", service); }
  std::string index_catalog(const std::string& kind, Id id) const {
    return index_catalog_prefix(kind) + std::to_string(id);
  }
  std::string index_catalog_prefix(const std::string& kind) const {
    return prefix_ + ":idx:" + kind + ":";
  }
  /// The incidents with `a` = `a_value` and `b` = `b_value` (field names
  /// "status", "severity", "scope", "service"; `a` comes first in that order).
  std::string index_pair(const std::string& a, const std::string& a_value, const std::string& b,
                         const std::string& b_value) const {
    return index_field(a, a_value) + ":" + b + ":" + b_value;
  }
  std::string index_external_reference(const std::string& ref) const {
    return prefix_ + ":idx:extref:" + ref;
  }
  std::string idempotency(const std::string& scoped_key) const {
    return prefix_ + ":idem:" + scoped_key;
  }
  std::string catalog_next_id(const std::string& kind) const {
    return prefix_ + ":" + kind + ":next_id";
  }
  std::string catalog_prefix(const std::string& kind) const { return prefix_ + ":" + kind + ":"; }
  std::string catalog(const std::string& kind, Id id) const {
    return catalog_prefix(kind) + std::to_string(id);
  }
  std::string catalog_all(const std::string& kind) const { return prefix_ + ":" + kind + "s"; }
  std::string catalog_names(const std::string& kind) const {
    return prefix_ + ":" + kind + ":names";
  }
  std::string rate_count(const std::string& client, long long window_start) const {
    return prefix_ + ":ratelimit:" + client + ":" + std::to_string(window_start);
  }
  std::string change_stream() const { return prefix_ + ":incidents:stream"; }
  std::string webhook_next_id() const { return prefix_ + ":webhook:next_id"; }
  std::string webhook_prefix() const { return prefix_ + ":webhook:"; }
  std::string webhook(Id id) const { return webhook_prefix() + std::to_string(id); }
  std::string webhooks_all() const { return prefix_ + ":webhooks"; }
  std::string webhook_deliveries(Id id) const { return webhook(id) + ":deliveries"; }
  std::string webhook_retries(Id id) const { return webhook(id) + ":retries"; }
  std::string webhook_attempts(Id id) const { return webhook(id) + ":attempts"; }
  std::string webhooks_revision() const { return prefix_ + ":webhooks:rev"; }
  std::string webhook_progress(const std::string& stream_id) const {
    return webhook_prefix() + "progress:" + stream_id;
  }
  /// The change stream's consumer group that delivers webhooks (not a key).
  static const char* webhook_group() { return "webhooks"; }
  std::string dataset() const { return prefix_ + ":dataset"; }
  std::string channel_incidents() const { return prefix_ + ":incidents"; }
  std::string channel_incident(Id id) const { return prefix_ + ":incident:" + std::to_string(id); }

 private:
  std::string prefix_;
};

}  // namespace incident
