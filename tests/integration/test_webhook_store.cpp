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

  Result<Subscription> rotate(Id id, const std::string& secret, std::int64_t now_ms,
                              std::int64_t previous_expires_ms) {
    return await_result<Result<Subscription>>(
        [&](auto done) { store_->rotate_secret(id, secret, now_ms, previous_expires_ms, done); });
  }

  static constexpr std::int64_t kDay = 24 * 3600 * 1000;
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

TEST_F(WebhookStoreTest, AnEndpointStartsAfterTheChangesCommittedBeforeItWasMadeOrEnabled) {
  auto made_on_empty = create("https://hooks.example.com/a");
  ASSERT_TRUE(made_on_empty.ok());
  EXPECT_EQ(get(made_on_empty->id)->starts_after, "0-0") << "no stream yet: every change";
  redis({"XADD", keys_.change_stream(), "*", "data", "{}"});
  std::string last = redis({"XADD", keys_.change_stream(), "*", "data", "{}"}).str;
  auto created = create("https://hooks.example.com/b");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(get(created->id)->starts_after, last);

  auto toggle = [&](bool enabled) {
    return update(created->id, [enabled](Subscription current) -> Result<Subscription> {
      current.enabled = enabled;
      return current;
    });
  };
  ASSERT_TRUE(toggle(false).ok());
  std::string while_disabled = redis({"XADD", keys_.change_stream(), "*", "data", "{}"}).str;
  EXPECT_EQ(get(created->id)->starts_after, last) << "disabling moves nothing";
  ASSERT_TRUE(toggle(true).ok());
  EXPECT_EQ(get(created->id)->starts_after, while_disabled) << "enabled again: from now on";
  redis({"XADD", keys_.change_stream(), "*", "data", "{}"});
  auto edited = update(created->id, [](Subscription current) -> Result<Subscription> {
    current.description = "edited";
    return current;
  });
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(get(created->id)->starts_after, while_disabled) << "an edit moves nothing";
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
  auto rotated =
      rotate(created->id, "whsec_bmV3LXNlY3JldC1ieXRlcy1mb3ItdGVzdHMtMDI=", 1000, 123456789);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->secret, "whsec_bmV3LXNlY3JldC1ieXRlcy1mb3ItdGVzdHMtMDI=");
  EXPECT_EQ(rotated->previous_secrets,
            (std::vector<webhooks::PreviousSecret>{{endpoint("").secret, 123456789}}));
  EXPECT_EQ(get(created->id)->previous_secrets, rotated->previous_secrets);
  auto missing = rotate(999, "whsec_eA==", 1000, 1);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
}

TEST_F(WebhookStoreTest, ASecondRotationLeavesTheFirstReplacedSecretItsWindow) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  const std::string first = endpoint("").secret;
  ASSERT_TRUE(rotate(created->id, "whsec_c2Vjb25k", 1000, 1000 + kDay).ok());
  auto twice = rotate(created->id, "whsec_dGhpcmQ=", 2000, 2000 + kDay);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->secret, "whsec_dGhpcmQ=");
  EXPECT_EQ(twice->previous_secrets, (std::vector<webhooks::PreviousSecret>{
                                         {"whsec_c2Vjb25k", 2000 + kDay}, {first, 1000 + kDay}}));
  // Both replaced secrets sign until their own windows end.
  EXPECT_EQ(webhooks::signing_secrets(*twice, 3000),
            (std::vector<std::string>{"whsec_dGhpcmQ=", "whsec_c2Vjb25k", first}));
  EXPECT_EQ(webhooks::signing_secrets(*twice, 1000 + kDay),
            (std::vector<std::string>{"whsec_dGhpcmQ=", "whsec_c2Vjb25k"}));
}

TEST_F(WebhookStoreTest, RotationDropsEndedWindowsAndKeepsAtMostTheBound) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  const std::vector<std::string> secrets = {
      "whsec_YQ==", "whsec_Yg==", "whsec_Yw==", "whsec_ZA==", "whsec_ZQ=="};
  for (std::size_t i = 0; i < secrets.size(); ++i)
    ASSERT_TRUE(rotate(created->id, secrets[i], 1000 + i, 1000 + i + kDay).ok());
  auto read = get(created->id);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->previous_secrets.size(), webhooks::kMaxPreviousSecrets);
  EXPECT_EQ(read->previous_secrets[0].secret, "whsec_ZA==");  // newest first
  EXPECT_EQ(read->previous_secrets[2].secret, "whsec_Yg==");
  // A day later every window has ended: only the one just replaced signs.
  auto later = rotate(created->id, "whsec_Zg==", 1010 + kDay, 1010 + 2 * kDay);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->previous_secrets,
            (std::vector<webhooks::PreviousSecret>{{"whsec_ZQ==", 1010 + 2 * kDay}}));
}

TEST_F(WebhookStoreTest, ThePreviousSecretOfAnOlderVersionSignsAndMovesIntoTheList) {
  auto created = create("https://hooks.example.com/a");
  ASSERT_TRUE(created.ok());
  redis({"HSET", keys_.webhook(created->id), "previous_secret", "whsec_b2xk",
         "previous_secret_expires_ms", std::to_string(5000)});
  EXPECT_EQ(get(created->id)->previous_secrets,
            (std::vector<webhooks::PreviousSecret>{{"whsec_b2xk", 5000}}));
  auto rotated = rotate(created->id, "whsec_bmV3", 1000, 1000 + kDay);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->previous_secrets,
            (std::vector<webhooks::PreviousSecret>{{endpoint("").secret, 1000 + kDay},
                                                   {"whsec_b2xk", 5000}}));
  EXPECT_EQ(redis({"HEXISTS", keys_.webhook(created->id), "previous_secret"}).integer, 0);
}

TEST(WebhookHash, PreviousSecretsAreSecretAndExpiryPairsNewestFirst) {
  EXPECT_EQ(decode_previous_secrets("whsec_YQ== 20 whsec_Yg== 10"),
            (std::vector<webhooks::PreviousSecret>{{"whsec_YQ==", 20}, {"whsec_Yg==", 10}}));
  EXPECT_TRUE(decode_previous_secrets("").empty());
  EXPECT_EQ(decode_previous_secrets("whsec_YQ== 20 whsec_Yg== x whsec_Yw== 5").size(), 1u);
  EXPECT_EQ(decode_previous_secrets("whsec_YQ== 20 whsec_Yg==").size(), 1u);
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
