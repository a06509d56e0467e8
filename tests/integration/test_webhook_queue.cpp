// The delivery side of webhooks against a real redis-server: the consumer
// group hands each change out once and keeps what is not acknowledged, a
// retry is leased rather than removed, and one attempt's outcome moves its
// history, its progress and the endpoint's health together.
#include <nlohmann/json.hpp>

#include "storage/webhook_queue.hpp"
#include "storage/webhook_store.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

using webhooks::Subscription;

class WebhookQueueTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = std::make_unique<WebhookStore>(*pipeline_, keys_);
  }
  std::unique_ptr<WebhookQueue> queue(const std::string& consumer) {
    auto made = std::make_unique<WebhookQueue>(std::make_shared<FixedLocator>(server_->endpoint()),
                                               keys_, consumer, 3);
    EXPECT_TRUE(made->ready());
    return made;
  }
  Id endpoint() {
    Subscription subscription;
    subscription.url = "https://hooks.example.com/a";
    subscription.events = {"incident.*"};
    subscription.secret = "whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdHMtMDE=";
    auto created =
        await_result<Result<Subscription>>([&](auto done) { store_->create(subscription, done); });
    EXPECT_TRUE(created.ok());
    return created->id;
  }
  std::string append(const std::string& data) {
    return redis({"XADD", keys_.change_stream(), "*", "data", data}).str;
  }
  Subscription read(Id id) {
    return await_result<Result<Subscription>>([&](auto done) { store_->get(id, done); }).value();
  }

  std::unique_ptr<WebhookStore> store_;
};

TEST_F(WebhookQueueTest, EachNewChangeGoesToOneConsumerAndStaysUntilAcknowledged) {
  auto first = queue("process-a");
  auto second = queue("process-b");
  std::string id = append("{\"type\":\"incident.created\",\"id\":1}");
  auto taken = first->read_new(10, std::chrono::milliseconds(100));
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].stream_id, id);
  EXPECT_EQ(taken[0].data, "{\"type\":\"incident.created\",\"id\":1}");
  EXPECT_TRUE(second->read_new(10, std::chrono::milliseconds(10)).empty());
  // Not acknowledged and idle: another process claims it.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto claimed = second->claim_idle(std::chrono::milliseconds(20), 10);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].stream_id, id);
  ASSERT_TRUE(second->acknowledge({id}));
  EXPECT_TRUE(first->claim_idle(std::chrono::milliseconds(0), 10).empty());
}

TEST_F(WebhookQueueTest, AChangeKeptAliveIsNotClaimed) {
  auto first = queue("process-a");
  auto second = queue("process-b");
  std::string id = append("{}");
  ASSERT_EQ(first->read_new(10, std::chrono::milliseconds(100)).size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  first->keep_held({id});
  EXPECT_TRUE(second->claim_idle(std::chrono::milliseconds(50), 10).empty());
}

TEST_F(WebhookQueueTest, ARetryIsLeasedUntilItsOutcomeIsRecorded) {
  auto worker = queue("process-a");
  Id hook = endpoint();
  std::string id = append("{\"type\":\"incident.updated\",\"id\":2}");
  ASSERT_TRUE(worker->defer(hook, id, 1000, AttemptCount{1, 500}, false));
  auto due = worker->take_due({{hook, 5}}, 1000, 30000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].stream_id, id);
  EXPECT_EQ(due[0].count.attempts, 1);
  EXPECT_EQ(due[0].count.first_attempt_ms, 500);
  EXPECT_EQ(due[0].data, "{\"type\":\"incident.updated\",\"id\":2}");
  // Leased: not due again before the lease ends, due again after it.
  EXPECT_TRUE(worker->take_due({{hook, 5}}, 2000, 30000).empty());
  EXPECT_EQ(worker->take_due({{hook, 5}}, 31001, 30000).size(), 1u);
  // Delivered: gone for good.
  AttemptRecord record{hook,
                       id,
                       false,
                       "{\"outcome\":\"delivered\"}",
                       0,
                       AttemptCount{2, 500},
                       AttemptRecord::Health::succeeded,
                       ""};
  ASSERT_TRUE(worker->record(record));
  EXPECT_TRUE(worker->take_due({{hook, 5}}, 999999999, 30000).empty());
  EXPECT_EQ(redis({"HLEN", keys_.webhook_attempts(hook)}).integer, 0);
}

TEST_F(WebhookQueueTest, ARetryOfAChangeTrimmedFromTheStreamComesWithoutData) {
  auto worker = queue("process-a");
  Id hook = endpoint();
  ASSERT_TRUE(worker->defer(hook, "1-1", 10, AttemptCount{1, 5}, false));
  auto due = worker->take_due({{hook, 5}}, 10, 1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].data, "");
}

TEST_F(WebhookQueueTest, AFailedAttemptSchedulesTheNextAndKeepsTheHistory) {
  auto worker = queue("process-a");
  Id hook = endpoint();
  std::string id = append("{}");
  AttemptRecord record{
      hook, id, true, "{\"attempt\":1}", 5000, AttemptCount{1, 4000}, AttemptRecord::Health::keep,
      ""};
  ASSERT_TRUE(worker->record(record));
  EXPECT_EQ(worker->first_round_done(id), std::set<Id>{hook});
  EXPECT_TRUE(worker->take_due({{hook, 5}}, 4999, 1000).empty());
  auto due = worker->take_due({{hook, 5}}, 5000, 1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].count.attempts, 1);
  EXPECT_EQ(redis({"LRANGE", keys_.webhook_deliveries(hook), "0", "-1"}).elements.size(), 1u);
  ASSERT_TRUE(worker->acknowledge({id}));
  EXPECT_TRUE(worker->first_round_done(id).empty());  // the progress goes with the change
}

TEST_F(WebhookQueueTest, ARunOfChangesFailedForGoodDisablesTheEndpointAndDropsItsRetries) {
  auto worker = queue("process-a");  // disables after 3
  Id hook = endpoint();
  ASSERT_TRUE(worker->defer(hook, "9-9", 1, AttemptCount{1, 1}, false));
  auto revision = worker->subscriptions_revision();
  for (int i = 1; i <= 3; ++i) {
    AttemptRecord failed{hook,
                         std::to_string(i) + "-0",
                         false,
                         "{}",
                         0,
                         AttemptCount{7, 1},
                         AttemptRecord::Health::failed_for_good,
                         "failed 3 in a row"};
    auto disabled = worker->record(failed);
    ASSERT_TRUE(disabled.has_value());
    EXPECT_EQ(*disabled, i == 3) << i;  // this attempt disabled it
    EXPECT_EQ(read(hook).enabled, i < 3) << i;
  }
  EXPECT_EQ(read(hook).disabled_reason, "failed 3 in a row");
  EXPECT_EQ(redis({"EXISTS", keys_.webhook_retries(hook)}).integer, 0);
  EXPECT_GT(*worker->subscriptions_revision(), *revision);  // every process learns of it
  // Disabled: nothing more is deferred to it.
  ASSERT_TRUE(worker->defer(hook, "10-0", 1, AttemptCount{0, 1}, false));
  EXPECT_EQ(redis({"EXISTS", keys_.webhook_retries(hook)}).integer, 0);
}

TEST_F(WebhookQueueTest, ASuccessEndsTheFailureRunAndGoneDisablesAtOnce) {
  auto worker = queue("process-a");
  Id hook = endpoint();
  redis({"HSET", keys_.webhook(hook), "failure_run", "2"});
  EXPECT_EQ(worker->record({hook, "1-0", false, "{}", 0, AttemptCount{1, 1},
                            AttemptRecord::Health::succeeded, ""}),
            std::optional<bool>(false));
  EXPECT_EQ(read(hook).failure_run, 0);
  ASSERT_TRUE(worker->record(
      {hook, "2-0", false, "{}", 0, AttemptCount{1, 1}, AttemptRecord::Health::gone, "410 Gone"}));
  EXPECT_FALSE(read(hook).enabled);
  EXPECT_EQ(read(hook).disabled_reason, "410 Gone");
}

TEST_F(WebhookQueueTest, AnAttemptForADeletedEndpointStillCountsForItsChange) {
  auto worker = queue("process-a");
  std::string id = append("{}");
  ASSERT_TRUE(worker->record(
      {77, id, true, "{}", 5000, AttemptCount{1, 1}, AttemptRecord::Health::keep, ""}));
  EXPECT_EQ(worker->first_round_done(id), std::set<Id>{77});
  EXPECT_EQ(redis({"EXISTS", keys_.webhook_deliveries(77)}).integer, 0);
  EXPECT_EQ(redis({"EXISTS", keys_.webhook_retries(77)}).integer, 0);
}

TEST_F(WebhookQueueTest, ARangeReadsFromAnIdInclusiveOrAfterIt) {
  auto worker = queue("process-a");
  std::string a = append("{\"n\":1}"), b = append("{\"n\":2}"), c = append("{\"n\":3}");
  auto from_b = worker->read_range(b, c, 10);
  ASSERT_EQ(from_b.size(), 2u);
  EXPECT_EQ(from_b[0].stream_id, b);
  auto after_b = worker->read_range("(" + b, "+", 10);
  ASSERT_EQ(after_b.size(), 1u);
  EXPECT_EQ(after_b[0].stream_id, c);
  EXPECT_EQ(*worker->newest_id(), c);
}

TEST_F(WebhookQueueTest, AnOutcomeRedisRefusedIsNotTakenForRecorded) {
  auto worker = queue("process-a");
  Id hook = endpoint();
  redis({"SET", keys_.webhook_deliveries(hook), "not a list"});  // the script's LPUSH fails
  EXPECT_EQ(worker->record({hook, "1-0", true, "{}", 0, AttemptCount{1, 1},
                            AttemptRecord::Health::succeeded, ""}),
            std::nullopt);
}

TEST_F(WebhookQueueTest, ChangesTrimmedBeforeTheGroupReadThemAreCountedOnce) {
  auto worker = queue("process-a");
  std::string noted;
  for (int i = 0; i < 5; ++i) append("{}");
  ASSERT_EQ(worker->read_new(1, std::chrono::milliseconds(10)).size(), 1u);
  EXPECT_EQ(worker->unread_trimmed(noted), 0);  // behind, but nothing lost yet
  redis({"XTRIM", keys_.change_stream(), "MAXLEN", "2"});
  auto missed = worker->unread_trimmed(noted);
  ASSERT_TRUE(missed.has_value());
  EXPECT_TRUE(*missed == 2 || *missed == -1) << *missed;  // -1: Redis cannot say how many
  EXPECT_EQ(worker->unread_trimmed(noted), 0);            // the same loss, counted once
  EXPECT_EQ(worker->read_new(10, std::chrono::milliseconds(10)).size(), 2u);
  EXPECT_EQ(worker->unread_trimmed(noted), 0);
}

TEST_F(WebhookQueueTest, AnEmptiedRedisGetsItsGroupMadeAgain) {
  auto worker = queue("process-a");
  server_->flush();
  EXPECT_TRUE(worker->read_new(10, std::chrono::milliseconds(10)).empty());  // NOGROUP
  ASSERT_TRUE(worker->ready());
  std::string id = append("{}");
  auto taken = worker->read_new(10, std::chrono::milliseconds(100));
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].stream_id, id);
}

TEST_F(WebhookQueueTest, WithNoEndpointChangedChangesArePassedOverUnread) {
  auto worker = queue("process-a");
  auto revision = worker->subscriptions_revision();
  ASSERT_TRUE(revision.has_value());
  for (int i = 0; i < 3; ++i) append("{}");
  auto passed = worker->skip_unread(*revision);
  ASSERT_TRUE(passed.has_value());
  EXPECT_EQ(*passed, 3);
  EXPECT_TRUE(worker->read_new(10, std::chrono::milliseconds(10)).empty())
      << "nothing left to read";
  EXPECT_EQ(worker->skip_unread(*revision), 0) << "nothing new to pass over";
  // The group's read counter stays exact: a later loss is still counted.
  std::string noted;
  for (int i = 0; i < 4; ++i) append("{}");
  redis({"XTRIM", keys_.change_stream(), "MAXLEN", "1"});
  EXPECT_EQ(worker->unread_trimmed(noted), 3);
  append("{}");
  ASSERT_EQ(worker->read_new(10, std::chrono::milliseconds(10)).size(), 2u);
}

TEST_F(WebhookQueueTest, AChangeCommittedAfterAnEndpointChangedIsNeverPassedOver) {
  auto worker = queue("process-a");
  auto revision = worker->subscriptions_revision();
  ASSERT_TRUE(revision.has_value());
  endpoint();  // made after the caller last read the endpoints
  std::string id = append("{\"type\":\"incident.created\",\"id\":1}");
  EXPECT_FALSE(worker->skip_unread(*revision).has_value());
  auto taken = worker->read_new(10, std::chrono::milliseconds(10));
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].stream_id, id);
}

TEST_F(WebhookQueueTest, PassingOverAfterAnEmptiedRedisMakesTheGroupAgain) {
  auto worker = queue("process-a");
  server_->flush();
  EXPECT_FALSE(worker->skip_unread(0).has_value());
  ASSERT_TRUE(worker->ready());
  std::string id = append("{}");
  auto taken = worker->read_new(10, std::chrono::milliseconds(100));
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].stream_id, id);
}

}  // namespace
}  // namespace incident::testing
