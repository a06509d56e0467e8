// IncidentStore: turns commits into the incident_commit script's KEYS/ARGV and
// script replies into outcomes.
#include "storage/incident_store.hpp"

#include <algorithm>

#include "config/log.hpp"
#include "domain/dates.hpp"
#include "domain/integers.hpp"
#include "storage/change_feed.hpp"
#include "storage/incident_codec.hpp"
#include "storage/list_plan.hpp"
#include "storage/list_scan.hpp"
#include "storage/reply_pairs.hpp"
#include "storage/scripts.hpp"

namespace incident {
namespace {

constexpr const char* kIdempotencyTtlSeconds = "86400";

CommitResult decode_commit_reply(const RedisValue& reply, std::vector<std::string> messages) {
  if (reply.io_failure) return write_failure(reply);
  if (reply.type == RedisValue::Type::error) return refused_by_redis(reply, "a commit");
  if (reply.type != RedisValue::Type::array || reply.elements.empty())
    return corrupt_record("commit reply");
  const std::string& status = reply.elements[0].str;
  CommitOutcome outcome;
  if (status == "ok") {
    outcome.stream_id = reply.elements.size() > 1 ? reply.elements[1].str : "";
    outcome.feed_messages = std::move(messages);
    return outcome;
  }
  if (status == "conflict") {
    outcome.status = CommitOutcome::Status::conflict;
    return outcome;
  }
  if (status == "duplicate") {
    outcome.status = CommitOutcome::Status::duplicate;
    outcome.existing_id = parse_id(reply.elements[1].str).value_or(0);
    return outcome;
  }
  const std::string field = reply.elements.size() > 1 ? reply.elements[1].str : "scope";
  return field_error(ErrorKind::invalid, "Incident write failed", field,
                     field == "scope" ? "Scope not found." : "Service not found.");
}

}  // namespace

std::optional<Incident> decode_stored_incident(const RedisValue& pair) {
  if (pair.elements.size() != 2) return std::nullopt;
  return decode_stored_incident(pair.elements[0], pair.elements[1]);
}

std::optional<Incident> decode_stored_incident(const RedisValue& hash, const RedisValue& events) {
  if (hash.elements.empty()) return std::nullopt;
  std::vector<std::string> texts;
  texts.reserve(events.elements.size());
  for (const auto& event : events.elements) texts.push_back(event.str);
  return decode_incident(reply_pairs(hash), std::move(texts));
}

void IncidentStore::load(Id id, std::function<void(LoadResult)> done, bool confirmed) {
  RedisPipeline& reads = confirmed && commit_pipeline_ ? *commit_pipeline_ : pipeline_;
  // One transaction, so the hash and the events are of the same version.
  reads.transaction({{"HGETALL", keys_.incident(id)}, {"LRANGE", keys_.events(id), "0", "-1"}},
                    [done = std::move(done)](const RedisValue& reply) {
                      if (auto error = error_in_array_reply(reply, "a load")) return done(*error);
                      if (reply.elements.size() != 2) return done(corrupt_record("load reply"));
                      if (reply.elements[0].elements.empty())
                        return done(std::optional<Incident>{});
                      auto incident = decode_stored_incident(reply);
                      if (!incident) return done(corrupt_record("incident"));
                      done(std::optional<Incident>{std::move(*incident)});
                    });
}

void IncidentStore::next_id(std::function<void(IdResult)> done) { reserve_ids(1, std::move(done)); }

void IncidentStore::reserve_ids(Id count, std::function<void(IdResult)> done) {
  // With a writes connection, a block of ids is handed out only once the
  // replicas hold it: a failover cannot give the same ids out again.
  RedisPipeline& writes = commit_pipeline_ ? *commit_pipeline_ : pipeline_;
  writes.submit({"INCRBY", keys_.incident_next_id(), std::to_string(count)},
                [this, done = std::move(done)](const RedisValue& reply) {
                  if (reply.type != RedisValue::Type::integer) return done(storage_unavailable());
                  if (guard_) guard_->note_reserved(keys_.incident_next_id(), reply.integer);
                  done(static_cast<Id>(reply.integer));
                });
}

namespace {

/// The index keys (main index included) an incident is a member of.
std::vector<std::string> all_index_keys(const Keys& keys, const std::optional<Incident>& incident) {
  if (!incident) return {};
  std::vector<std::string> out = index_keys(keys, *incident);
  out.push_back(keys.index_all());
  return out;
}

/// True when both states are in the same index keys (an equal score too
/// means every index entry stays). Both must exist.
bool same_index_fields(const std::optional<Incident>& a, const std::optional<Incident>& b) {
  return a && b && a->status == b->status && a->severity == b->severity && a->scope == b->scope &&
         a->service == b->service && a->external_reference == b->external_reference;
}

/// A create, or a change of scope or service: their existence is checked.
bool changes_catalog(const std::optional<Incident>& before, const std::optional<Incident>& after) {
  return after && (!before || before->scope != after->scope || before->service != after->service);
}

bool has_field(const FlatHash& hash, const std::string& field) {
  return std::any_of(hash.begin(), hash.end(),
                     [&](const auto& pair) { return pair.first == field; });
}

bool has_pair(const FlatHash& hash, const std::string& field, const std::string& value) {
  return std::any_of(hash.begin(), hash.end(),
                     [&](const auto& pair) { return pair.first == field && pair.second == value; });
}

std::vector<std::string> minus(const std::vector<std::string>& from,
                               const std::vector<std::string>& removed) {
  std::vector<std::string> out;
  for (const auto& key : from)
    if (std::find(removed.begin(), removed.end(), key) == removed.end()) out.push_back(key);
  return out;
}

}  // namespace

void IncidentStore::commit(const CommitRequest& request, std::function<void(CommitResult)> done) {
  commit_chain({request}, std::move(done));
}

void IncidentStore::commit_chain(const std::vector<CommitRequest>& chain,
                                 std::function<void(CommitResult)> done) {
  // The chain moves the incident from the first change's `before` to the
  // last one's `after`: the indexes only see those two states.
  const CommitRequest& first = chain.front();
  const CommitRequest& last = chain.back();
  const Incident& subject = last.after ? *last.after : *last.before;
  // The member is the id's: only the score moves, and ZADD moves it in place
  // in the keys the incident stays in.
  IndexEntry entry = index_entry(subject);
  std::string old_score = first.before ? index_entry(*first.before).score : "";
  std::string new_score = last.after ? index_entry(*last.after).score : "";
  std::vector<std::string> leave, join;
  // A comment or a rename keeps every index entry: nothing to compute.
  if (old_score != new_score || !same_index_fields(first.before, last.after)) {
    std::vector<std::string> before = all_index_keys(keys_, first.before);
    join = all_index_keys(keys_, last.after);
    leave = minus(before, join);
    if (old_score == new_score) join = minus(join, before);  // only the keys it joins
  }
  std::vector<std::string> keys{keys_.incident(subject.id),
                                keys_.events(subject.id),
                                keys_.catalog("scope", subject.scope),
                                keys_.catalog("service", subject.service),
                                keys_.idempotency(first.idempotency_key.value_or("-")),
                                keys_.change_stream()};
  keys.insert(keys.end(), leave.begin(), leave.end());
  keys.insert(keys.end(), join.begin(), join.end());
  std::size_t events = 0;
  for (const auto& change : chain) events += change.new_event ? 1 : 0;
  std::vector<std::string> args{std::to_string(first.before ? first.before->version : 0),
                                last.after ? "upsert" : "delete",
                                entry.member,
                                new_score,
                                std::to_string(events),
                                std::to_string(leave.size()),
                                std::to_string(join.size()),
                                first.idempotency_key ? std::to_string(subject.id) : "",
                                kIdempotencyTtlSeconds,
                                std::to_string(feed_.stream_max_length),
                                std::to_string(chain.size()),
                                "",  // hash fields to remove: below
                                changes_catalog(first.before, last.after) ? "1" : "0",
                                feed_.origin};
  for (const auto& change : chain)
    if (change.new_event) args.push_back(new_event_json(change));
  Minute at = now_minute();
  std::vector<std::string> messages;  // answered with the outcome once committed
  for (const auto& change : chain) {
    messages.push_back(incident_change_message(change, feed_.base_url, at));
    args.push_back(messages.back());
  }
  // Only the hash fields that change are written (a comment: the version).
  FlatHash stored = first.before ? encode_fields(*first.before) : FlatHash{};
  FlatHash wanted = last.after ? encode_fields(*last.after) : FlatHash{};
  std::size_t removed = 0;
  for (const auto& [field, value] : stored)
    if (last.after && !has_field(wanted, field)) {
      args.push_back(field);
      ++removed;
    }
  args[11] = std::to_string(removed);  // ARGV[12]
  for (auto& [field, value] : wanted)
    if (!has_pair(stored, field, value)) {
      args.push_back(std::move(field));
      args.push_back(std::move(value));
    }
  RedisPipeline& writes = commit_pipeline_ ? *commit_pipeline_ : pipeline_;
  writes.eval(
      scripts::incident_commit(), std::move(keys), std::move(args),
      [done = std::move(done), messages = std::move(messages)](const RedisValue& reply) mutable {
        done(decode_commit_reply(reply, std::move(messages)));
      });
}

void IncidentStore::list_refs(const PageRequest& page, const IncidentFilter& filter,
                              std::function<void(Result<IncidentRefPage>)> done, bool fresh,
                              std::int64_t examined_before) {
  IndexPlan plan = plan_incident_query(keys_, filter);
  if (plan.nothing) return done(IncidentRefPage{});
  RedisPipeline& reads = list_pipeline_ ? *list_pipeline_ : pipeline_;
  if (plan.groups.size() > 1 || plan.groups.front().size() > 1) {
    return run_list_scan(reads,
                         ListScanRequest{std::move(plan), page, list_budget_ - examined_before,
                                         keys_.incident_prefix()},
                         *scans_, std::move(done));
  }
  const std::string& index = plan.groups.front().front();
  std::string offset = std::to_string(page.offset()), count = std::to_string(page.per_page);
  std::string query = index + ' ' + plan.min + ' ' + plan.max + ' ' + offset + ' ' + count;
  // Before the lookup: a "same" for a page kept from before a clear() is not taken.
  const std::uint64_t generation = page_refs_->generation();
  std::optional<PageRefCache::Kept> kept;
  if (!fresh) kept = page_refs_->find(query);
  std::string known = kept ? kept->revision : "";
  reads.eval(
      scripts::incident_page(), {index, keys_.change_stream()},
      {plan.min, plan.max, std::move(offset), std::move(count), keys_.incident_prefix(),
       std::move(known)},
      [this, page, filter, done = std::move(done), kept = std::move(kept), pages = page_refs_,
       query = std::move(query), generation](const RedisValue& reply) mutable {
        if (auto error = error_in_array_reply(reply, "a list page")) return done(*error);
        if (reply.elements.size() == 1 && kept && reply.elements[0].str == "same") {
          if (pages->generation() == generation) return done(std::move(kept->page));
          return list_refs(page, filter, std::move(done), true);
        }
        if (reply.elements.size() != 3) return done(corrupt_record("page reply"));
        IncidentRefPage result;
        result.total = reply.elements[0].integer;
        const auto& pairs = reply.elements[1].elements;
        for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
          // An index member without its hash is not listed (the commit
          // script writes both at once: only a damaged data set has one).
          if (pairs[i + 1].type == RedisValue::Type::nil) continue;
          auto id = parse_id(pairs[i].str);
          auto version = parse_integer(pairs[i + 1].str);
          if (!id || !version) return done(corrupt_record("page reply"));
          result.items.push_back(IncidentRef{*id, *version});
        }
        pages->put(query, reply.elements[2].str, result, generation);
        done(std::move(result));
      });
}

void IncidentStore::load_many(
    const std::vector<Id>& ids,
    std::function<void(Result<std::vector<std::optional<Incident>>>)> done) {
  if (ids.empty()) return done(std::vector<std::optional<Incident>>{});
  RedisPipeline& reads = list_pipeline_ ? *list_pipeline_ : pipeline_;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(2 * ids.size());
  for (Id id : ids) {
    commands.push_back({"HGETALL", keys_.incident(id)});
    commands.push_back({"LRANGE", keys_.events(id), "0", "-1"});
  }
  reads.transaction(std::move(commands),
                    [done = std::move(done), count = ids.size()](const RedisValue& reply) {
                      if (auto error = error_in_array_reply(reply, "incidents"))
                        return done(*error);
                      if (reply.elements.size() != 2 * count)
                        return done(corrupt_record("incidents reply"));
                      std::vector<std::optional<Incident>> incidents;
                      incidents.reserve(count);
                      for (std::size_t i = 0; i < reply.elements.size(); i += 2) {
                        const RedisValue& hash = reply.elements[i];
                        const RedisValue& events = reply.elements[i + 1];
                        // No such incident, or one whose keys are damaged (another type,
                        // fields that do not decode): left out, as lists always left them.
                        if (hash.is_error() || events.is_error() || hash.elements.empty()) {
                          incidents.emplace_back();
                          continue;
                        }
                        incidents.push_back(decode_stored_incident(hash, events));
                      }
                      done(std::move(incidents));
                    });
}

void IncidentStore::list(const PageRequest& page, const IncidentFilter& filter,
                         std::function<void(Result<IncidentPage>)> done) {
  list_refs(page, filter, [this, done = std::move(done)](Result<IncidentRefPage> refs) mutable {
    if (!refs) return done(refs.error());
    std::vector<Id> ids;
    for (const auto& item : refs->items) ids.push_back(item.id);
    load_many(ids, [total = refs->total,
                    done = std::move(done)](Result<std::vector<std::optional<Incident>>> loaded) {
      if (!loaded) return done(loaded.error());
      IncidentPage page{total, {}};
      for (auto& incident : *loaded)
        if (incident) page.items.push_back(std::move(*incident));
      done(std::move(page));
    });
  });
}

}  // namespace incident
