#include "actors/incident_batch.hpp"

#include "domain/lifecycle.hpp"

namespace incident {
namespace {

Error precondition_failed(const Incident& incident) {
  return field_error(ErrorKind::precondition_failed, "Incident version mismatch", "If-Match",
                     "Current version is " + std::to_string(incident.version) + ".");
}

bool precondition_fails(const std::optional<std::int64_t>& if_match, const Incident& incident) {
  return if_match && *if_match != incident.version;
}

/// The If-Match of a conditional write (any write may carry one).
std::optional<std::int64_t> if_match_of(const PendingCommand::Command& command) {
  if (auto* update = std::get_if<UpdateCommand>(&command)) return update->if_match;
  if (auto* comment = std::get_if<CommentCommand>(&command)) return comment->if_match;
  if (auto* remove = std::get_if<DeleteCommand>(&command)) return remove->if_match;
  return std::nullopt;
}

}  // namespace

const Reply<Incident>& PendingCommand::reply() const {
  return std::visit([](const auto& c) -> const Reply<Incident>& { return c.reply; }, command);
}

Batch take_batch(const Incident& current, PendingQueue& queue, Minute now, std::size_t max_chain) {
  Batch batch;
  const Incident* tip = &current;  // the state after the chain so far
  auto chain_onto = [&](PendingCommand pending, CommitRequest change) {
    Incident answer = *change.after;
    batch.chain.push_back(std::move(change));
    batch.writes.push_back(ChainedWrite{std::move(pending), std::move(answer)});
    tip = &*batch.chain.back().after;
    queue.pop_front();
  };
  while (!queue.empty() && batch.chain.size() < max_chain) {
    PendingCommand& pending = queue.front();
    const bool chained = !batch.chain.empty();
    if (auto* get = std::get_if<GetCommand>(&pending.command)) {
      if (chained) break;  // it must see the writes queued before it
      get->reply(current);
      queue.pop_front();
      continue;
    }
    // A keyed comment an earlier attempt kept is answered with the stored
    // state, whatever its If-Match says now.
    if (auto* kept = std::get_if<CommentCommand>(&pending.command); kept && pending.already_kept) {
      if (chained) break;  // answered with the state that follows the chain
      kept->reply(current);
      queue.pop_front();
      continue;
    }
    if (precondition_fails(if_match_of(pending.command), *tip)) {
      if (chained) break;  // judged against the committed state, after the chain
      // The cache may lag another process's write: check the stored version.
      if (!pending.checked_against_store) {
        batch.needs_reload = true;
        return batch;
      }
      pending.reply()(precondition_failed(current));
      queue.pop_front();
      continue;
    }
    if (std::holds_alternative<DeleteCommand>(pending.command)) {
      if (chained) break;  // a delete goes alone
      batch.chain.push_back(CommitRequest{"incident.deleted", current, std::nullopt, std::nullopt,
                                          nlohmann::json::object(), std::nullopt});
      batch.writes.push_back(ChainedWrite{std::move(pending), mark_deleted(current)});
      queue.pop_front();
      return batch;
    }
    if (auto* update = std::get_if<UpdateCommand>(&pending.command)) {
      auto change = apply_update(*tip, update->request, now);
      // A refusal or a no-op is answered against committed state only.
      if (chained && (!change || !change->changed())) break;
      if (!change || !change->changed()) {
        update->reply(change ? Result<Incident>(*tip) : Result<Incident>(change.error()));
        queue.pop_front();
        continue;
      }
      Event event = change->next.events.front();
      chain_onto(std::move(pending),
                 CommitRequest{"incident.updated", *tip, std::move(change->next), std::move(event),
                               std::move(change->changes), std::nullopt});
      continue;
    }
    auto& comment = std::get<CommentCommand>(pending.command);
    // A keyed comment goes alone: Redis checks the key of a chain's first change.
    const bool keyed = comment.idempotency_key.has_value();
    if (keyed && chained) break;
    Incident next = add_comment(*tip, comment.request, now);
    Event event = next.events.front();
    std::optional<std::string> key = comment.idempotency_key;
    chain_onto(std::move(pending),
               CommitRequest{"incident.commented", *tip, std::move(next), std::move(event),
                             nlohmann::json::object(), std::move(key)});
    if (keyed) return batch;
  }
  return batch;
}

}  // namespace incident
