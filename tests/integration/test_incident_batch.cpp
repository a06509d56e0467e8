// Group commit of one incident's queued requests (take_batch): what is chained,
// in which order, what is answered at once and what waits for the commit.
// Pure logic: no Redis and no actor run here.
#include <gtest/gtest.h>

#include "../unit/lifecycle_fixtures.hpp"
#include "actors/incident_batch.hpp"
#include "domain/dates.hpp"
#include "domain/lifecycle.hpp"

namespace incident::testing {
namespace {

using test::kNow;

/// The committed state every test starts from.
Incident stored() { return test::incident_in(Status::active); }

/// Collects the answers each command got.
struct Answers {
  std::vector<std::pair<std::string, Result<Incident>>> got;
  Reply<Incident> to(std::string who) {
    return [this, who](Result<Incident> result) { got.emplace_back(who, std::move(result)); };
  }
};

UpdateRequest renaming(const Incident& current, std::string name) {
  UpdateRequest request;
  request.name = std::move(name);
  request.severity = current.severity;
  request.status = current.status;
  request.scope = current.scope;
  request.service = current.service;
  return request;
}

PendingCommand rename(Answers& answers, const std::string& who, const std::string& name,
                      std::optional<std::int64_t> if_match = std::nullopt) {
  return PendingCommand{UpdateCommand{renaming(stored(), name), if_match, answers.to(who)}};
}

PendingCommand comment(Answers& answers, const std::string& who) {
  return PendingCommand{
      CommentCommand{CommentRequest{"note by " + who, false}, std::nullopt, answers.to(who)}};
}

PendingCommand get(Answers& answers, const std::string& who) {
  return PendingCommand{GetCommand{answers.to(who)}};
}

PendingCommand remove(Answers& answers, const std::string& who,
                      std::optional<std::int64_t> if_match = std::nullopt) {
  return PendingCommand{DeleteCommand{if_match, answers.to(who)}};
}

TEST(PendingQueue, KeepsArrivalOrderTakesRetriesBackInFrontAndMovesCleanly) {
  Answers answers;
  PendingQueue queue;
  EXPECT_TRUE(queue.empty());
  for (const char* who : {"a", "b", "c"}) queue.push_back(comment(answers, who));
  queue.front().reply()(stored());
  queue.pop_front();
  queue.push_front(comment(answers, "retried"));
  std::vector<std::string> order;
  for (auto& pending : queue) {
    pending.reply()(stored());
    order.push_back(answers.got.back().first);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"retried", "b", "c"}));
  PendingQueue moved = std::move(queue);
  EXPECT_TRUE(queue.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(moved.size(), 3u);
  moved.pop_front();
  moved.pop_front();
  moved.pop_front();
  EXPECT_TRUE(moved.empty());
  moved.push_front(comment(answers, "alone"));
  EXPECT_EQ(moved.size(), 1u);
}

TEST(TakeBatch, ChainsQueuedWritesInArrivalOrderEachOnThePreviousOne) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(rename(answers, "a", "First name"));
  queue.push_back(comment(answers, "b"));
  queue.push_back(rename(answers, "c", "Third name"));
  Batch batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(answers.got.empty()) << "writes are answered once committed";
  ASSERT_EQ(batch.chain.size(), 3u);
  ASSERT_EQ(batch.writes.size(), 3u);
  EXPECT_EQ(*batch.chain[0].before, stored());
  for (std::size_t i = 1; i < 3; ++i) EXPECT_EQ(*batch.chain[i].before, *batch.chain[i - 1].after);
  EXPECT_EQ(batch.chain[0].change_type, "incident.updated");
  EXPECT_EQ(batch.chain[1].change_type, "incident.commented");
  EXPECT_EQ(batch.chain[1].new_event->content, "note by b");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(batch.writes[i].answer, *batch.chain[i].after);
    EXPECT_EQ(batch.writes[i].answer.version, 4 + static_cast<int>(i));
  }
  EXPECT_EQ(batch.writes[2].answer.name, "Third name");
  EXPECT_EQ(batch.writes[2].answer.events.size(), 4u);
}

TEST(TakeBatch, AnswersReadsAtOnceUnlessWritesBeforeThemAreUncommitted) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(get(answers, "first read"));
  queue.push_back(comment(answers, "writer"));
  queue.push_back(get(answers, "later read"));
  Batch batch = take_batch(stored(), queue, kNow, 64);
  ASSERT_EQ(answers.got.size(), 1u);
  EXPECT_EQ(answers.got[0].first, "first read");
  EXPECT_EQ(*answers.got[0].second, stored());
  EXPECT_EQ(batch.chain.size(), 1u);
  ASSERT_EQ(queue.size(), 1u) << "the later read waits to see the comment";
  EXPECT_TRUE(std::holds_alternative<GetCommand>(queue.front().command));
}

TEST(TakeBatch, StopsAtTheLongestChainAllowed) {
  Answers answers;
  PendingQueue queue;
  for (int i = 0; i < 10; ++i) queue.push_back(comment(answers, "c" + std::to_string(i)));
  Batch batch = take_batch(stored(), queue, kNow, 4);
  EXPECT_EQ(batch.chain.size(), 4u);
  EXPECT_EQ(queue.size(), 6u);
}

TEST(TakeBatch, ADeleteGoesAlone) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(comment(answers, "before"));
  queue.push_back(remove(answers, "delete"));
  queue.push_back(comment(answers, "after"));
  Batch first = take_batch(stored(), queue, kNow, 64);
  EXPECT_EQ(first.chain.size(), 1u);
  ASSERT_EQ(queue.size(), 2u);
  Batch second = take_batch(*first.chain[0].after, queue, kNow, 64);
  ASSERT_EQ(second.chain.size(), 1u);
  EXPECT_EQ(second.chain[0].change_type, "incident.deleted");
  EXPECT_FALSE(second.chain[0].after);
  EXPECT_EQ(second.writes[0].answer, mark_deleted(*first.chain[0].after));
  EXPECT_EQ(queue.size(), 1u);
}

TEST(TakeBatch, JudgesIfMatchAgainstTheChainSoFar) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(rename(answers, "a", "Renamed once", 3));
  queue.push_back(rename(answers, "b", "Renamed twice", 4));  // the version after a
  Batch batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_EQ(batch.chain.size(), 2u);
  EXPECT_TRUE(answers.got.empty());
}

TEST(TakeBatch, ChecksAFailedIfMatchAgainstTheStoreBeforeRefusingIt) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(rename(answers, "stale", "Renamed", 2));
  Batch batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_TRUE(batch.needs_reload);
  EXPECT_TRUE(batch.chain.empty());
  ASSERT_EQ(queue.size(), 1u);
  queue.front().checked_against_store = true;  // as after the reload
  batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_FALSE(batch.needs_reload);
  ASSERT_EQ(answers.got.size(), 1u);
  ASSERT_FALSE(answers.got[0].second.ok());
  EXPECT_EQ(answers.got[0].second.error().kind, ErrorKind::precondition_failed);
  EXPECT_TRUE(queue.empty());
}

TEST(TakeBatch, JudgesACommentsIfMatchLikeAnUpdates) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(
      PendingCommand{CommentCommand{CommentRequest{"follows 3", false}, 3, answers.to("current")}});
  queue.push_back(PendingCommand{
      CommentCommand{CommentRequest{"follows 3 too", false}, 3, answers.to("retry")}});
  Batch batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_EQ(batch.chain.size(), 1u) << "the retry is judged after the first one commits";
  ASSERT_EQ(queue.size(), 1u);
  queue.front().checked_against_store = true;
  Incident after = batch.writes.front().answer;
  batch = take_batch(after, queue, kNow, 64);
  EXPECT_TRUE(batch.chain.empty());
  ASSERT_EQ(answers.got.size(), 1u);
  EXPECT_EQ(answers.got[0].first, "retry");
  ASSERT_FALSE(answers.got[0].second.ok());
  EXPECT_EQ(answers.got[0].second.error().kind, ErrorKind::precondition_failed);
}

TEST(TakeBatch, AKeyedCommentGoesAloneAndOneAlreadyKeptIsAnsweredWithTheStoredState) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(comment(answers, "before"));
  // Keyed, and following version 4 (the one after "before").
  queue.push_back(PendingCommand{CommentCommand{CommentRequest{"keyed", false}, 4,
                                                answers.to("keyed"), std::string("client:key")}});
  queue.push_back(comment(answers, "after"));
  Batch batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_EQ(batch.chain.size(), 1u) << "a keyed comment is not chained behind another write";
  batch = take_batch(batch.writes.front().answer, queue, kNow, 64);
  ASSERT_EQ(batch.chain.size(), 1u) << "nor is anything chained behind it";
  EXPECT_EQ(batch.chain.front().idempotency_key, std::string("client:key"));
  EXPECT_EQ(queue.size(), 1u);
  // Redis answers that the key is kept: an earlier attempt stored the comment.
  Incident stored_state = batch.writes.front().answer;  // version 5, as reloaded
  PendingCommand kept = std::move(batch.writes.front().pending);
  kept.already_kept = true;
  queue.push_front(std::move(kept));
  batch = take_batch(stored_state, queue, kNow, 64);
  ASSERT_EQ(answers.got.size(), 1u);
  EXPECT_EQ(answers.got[0].first, "keyed");
  ASSERT_TRUE(answers.got[0].second.ok());
  EXPECT_EQ(answers.got[0].second->version, 5) << "answered with what is stored, its If-Match "
                                                  "(4) notwithstanding, and not added again";
  EXPECT_EQ(batch.chain.size(), 1u) << "the comment after it is chained";
}

TEST(TakeBatch, AFailedIfMatchBehindChainedWritesWaitsForTheirCommit) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(comment(answers, "writer"));
  queue.push_back(rename(answers, "stale", "Renamed", 3));  // 3 is the version before the comment
  Batch batch = take_batch(stored(), queue, kNow, 64);
  EXPECT_EQ(batch.chain.size(), 1u);
  EXPECT_FALSE(batch.needs_reload);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_TRUE(answers.got.empty());
}

TEST(TakeBatch, AnswersNoOpsAndRefusalsAtOnceOnlyWhenNothingIsChained) {
  Answers answers;
  PendingQueue queue;
  queue.push_back(rename(answers, "no-op", stored().name));
  UpdateRequest invalid = renaming(stored(), "Resolved without reaching it");
  invalid.resolve_date = FieldUpdate<Minute>::set(kNow);  // status stays active
  ASSERT_FALSE(apply_update(stored(), invalid, kNow).ok());
  queue.push_back(PendingCommand{UpdateCommand{invalid, std::nullopt, answers.to("invalid")}});
  queue.push_back(comment(answers, "writer"));
  queue.push_back(rename(answers, "no-op after", stored().name));
  Batch batch = take_batch(stored(), queue, kNow, 64);
  ASSERT_EQ(answers.got.size(), 2u);
  EXPECT_EQ(*answers.got[0].second, stored());
  EXPECT_EQ(answers.got[1].second.error().kind, ErrorKind::invalid);
  EXPECT_EQ(batch.chain.size(), 1u);
  EXPECT_EQ(queue.size(), 1u) << "judged once the comment is committed";
}

}  // namespace
}  // namespace incident::testing
