// Webhook endpoints against a real redis-server: settings and secrets are
// stored apart, an edit never undoes what the delivery side recorded, and a
// concurrent edit makes an update start again instead of being lost.
#include "storage/webhook_store.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

using webhooks::Subscription;

class WebhookStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = std::make_unique<WebhookStore>(*pipeline_, keys_);
  }

  Subscription endpoint(const std::string& url) {
    Subscription subscription;
    subscription.url = url;
    subscription.description = "pager";
    subscription.events = {"incident.*"};
    subscription.severities = {"critical"};
    subscription.secret = "whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdHMtMDE=";
    subscription.created_at = subscription.updated_at = "2026-12-04T08:00:00Z";
    return subscription;
  }
  Result<Subscription> create(const std::string& url) {
    return await_result<Result<Subscription>>(
        [&](auto done) { store_->create(endpoint(url), done); });
  }
  Result<Subscription> get(Id id) {
    return await_result<Result<Subscription>>([&](auto done) { store_->get(id, done); });
  }
  Result<Subscription> update(Id id, WebhookStore::Change change) {
    return await_result<Result<Subscription>>(
        [&](auto done) { store_->update(id, std::move(change), done); });
  }

  std::unique_ptr<WebhookStore> store_;
};

TEST_F(WebhookStoreTest, CreatedEndpointsGetIncreasingIdsAndReadBackWhole) {
  auto first = create("https://hooks.example.com/a");
  auto second = create("https://hooks.example.com/b");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->id, first->id + 1);
  auto read = get(second->id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->url, "https://hooks.example.com/b");
  EXPECT_EQ(read->description, "pager");
  EXPECT_EQ(read->severities, std::vector<std::string>{"critical"});
  EXPECT_EQ(read->secret, endpoint("").secret);
  EXPECT_TRUE(read->enabled);
  // The settings field never holds the secret: only creation and rotation write it.
  auto data = redis({"HGET", keys_.webhook(second->id), "data"}).str;
  EXPECT_EQ(data.find("whsec_"), std::string::npos) << data;
}

TEST_F(WebhookStoreTest, AnUnknownIdIsNotFound) {
  auto missing = get(42);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

TEST_F(WebhookStoreTest, ListsPageByIdOldestFirst) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(create("https://h.example.com/" + std::to_string(i)).ok());
  auto page = await_result<Result<WebhookPage>>([&](auto done) {
    store_->list(PageRequest{2, 2}, done);
  });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].url, "https://h.example.com/2");
  EXPECT_EQ(page->items[1].url, "https://h.example.com/3");
}

TEST_F(WebhookStoreTest, AnEditKeepsTheSecretAndWhatTheDeliverySideRecorded) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  redis({"HSET", keys_.webhook(created->id), "failure_run", "3"});
  auto updated = update(created->id, [](Subscription current) -> Result<Subscription> {
    current.url = "https://hooks.example.com/moved";
    return current;
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->url, "https://hooks.example.com/moved");
  EXPECT_EQ(updated->secret, endpoint("").secret);
  EXPECT_EQ(updated->failure_run, 3);
}

TEST_F(WebhookStoreTest, EnablingAgainClearsTheReasonAndTheFailureRun) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  redis({"HSET", keys_.webhook(created->id), "enabled", "0", "disabled_reason", "410 Gone",
         "failure_run", "7"});
  ASSERT_FALSE(get(created->id)->enabled);
  auto enabled = update(created->id, [](Subscription current) -> Result<Subscription> {
    current.enabled = true;
    return current;
  });
  ASSERT_TRUE(enabled.ok());
  EXPECT_TRUE(enabled->enabled);
  EXPECT_EQ(enabled->disabled_reason, "");
  EXPECT_EQ(enabled->failure_run, 0);
}

TEST_F(WebhookStoreTest, AnEditInBetweenMakesTheUpdateStartAgainFromIt) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  int calls = 0;
  auto updated = update(created->id, [&](Subscription current) -> Result<Subscription> {
    if (++calls == 1) {  // another request edits the endpoint after this one read it
      auto other = current;
      other.description = "edited in between";
      redis({"HSET", keys_.webhook(created->id), "data", webhooks::encode_subscription(other)});
      redis({"HINCRBY", keys_.webhook(created->id), "rev", "1"});
    }
    current.url = "https://hooks.example.com/mine";
    return current;
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(updated->url, "https://hooks.example.com/mine");
  EXPECT_EQ(updated->description, "edited in between");
}

TEST_F(WebhookStoreTest, ARefusedEditLeavesTheEndpointAsItWas) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  auto refused = update(created->id, [](Subscription) -> Result<Subscription> {
    return field_error(ErrorKind::invalid, "Invalid webhook", "url", "Not a URL.");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reasons.count("url"), 1u);
  EXPECT_EQ(get(created->id)->url, "https://hooks.example.com/a");
}

TEST_F(WebhookStoreTest, RotationKeepsThePreviousSecretUntilItsExpiry) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  auto rotated = await_result<Result<Subscription>>([&](auto done) {
    store_->rotate_secret(created->id, "whsec_bmV3LXNlY3JldC1ieXRlcy1mb3ItdGVzdHMtMDI=", 123456789,
                          done);
  });
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->secret, "whsec_bmV3LXNlY3JldC1ieXRlcy1mb3ItdGVzdHMtMDI=");
  EXPECT_EQ(rotated->previous_secret, endpoint("").secret);
  EXPECT_EQ(rotated->previous_secret_expires_ms, 123456789);
  auto missing = await_result<Result<Subscription>>(
      [&](auto done) { store_->rotate_secret(999, "whsec_eA==", 1, done); });
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

TEST_F(WebhookStoreTest, DeliveriesAreNewestFirstAndGoWithTheEndpoint) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  for (int i = 1; i <= 3; ++i)
    redis({"LPUSH", keys_.webhook_deliveries(created->id),
           "{\"attempt\":" + std::to_string(i) + "}"});
  auto recent = await_result<Result<std::vector<std::string>>>(
      [&](auto done) { store_->deliveries(created->id, 2, done); });
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(*recent, (std::vector<std::string>{"{\"attempt\":3}", "{\"attempt\":2}"}));

  auto removed =
      await_result<Result<Subscription>>([&](auto done) { store_->remove(created->id, done); });
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->url, "https://hooks.example.com/a");
  EXPECT_EQ(redis({"EXISTS", keys_.webhook_deliveries(created->id)}).integer, 0);
  EXPECT_EQ(get(created->id).error().kind, ErrorKind::not_found);
  auto gone = await_result<Result<std::vector<std::string>>>(
      [&](auto done) { store_->deliveries(created->id, 2, done); });
  EXPECT_EQ(gone.error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace incident::testing
