// End-to-end: an alerting system retrying a create with one Idempotency-Key
// gets the first incident back and never a duplicate, even when racing.
#include <thread>

#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class IdempotencyTest : public E2eTest {
 protected:
  /// A fresh scope so its incidents_count counts exactly this test's incidents.
  void SetUp() override {
    E2eTest::SetUp();
    scope_ = id_of(create_catalog(api(), admin_token(), "scope"));
    ASSERT_GT(scope_, 0);
  }

  Response create(const std::string& key, const std::string& token,
                  const Headers& more = {}) const {
    Headers headers = {{"Idempotency-Key", key}};
    headers.insert(headers.end(), more.begin(), more.end());
    return api().post_form("/api/incident/create", incident_fields(scope_, service_id()), token,
                           headers);
  }

  long long incidents_in_scope() const {
    return api().get("/api/scope/" + std::to_string(scope_)).json().value("incidents_count", -1LL);
  }

  long long scope_ = 0;
};

TEST_F(IdempotencyTest, RepeatingAKeyCreatesNothingAndPointsToTheFirstIncident) {
  std::string key = unique_name("alert");
  Response first = create(key, admin_token());
  Response second = create(key, admin_token());
  ASSERT_EQ(first.status, 302) << first.describe();
  ASSERT_EQ(second.status, 302) << second.describe();
  EXPECT_EQ(second.header_or_empty("Location"), first.header_or_empty("Location"));
  EXPECT_EQ(incidents_in_scope(), 1);
}

TEST_F(IdempotencyTest, ARepeatedKeyWithPreferAnswersTheFirstIncidentsBody) {
  std::string key = unique_name("alert");
  Response first = create(key, admin_token(), kPreferRepresentation);
  Response second = create(key, admin_token(), kPreferRepresentation);
  ASSERT_EQ(first.status, 201) << first.describe();
  ASSERT_TRUE(second.status == 200 || second.status == 201) << second.describe();
  EXPECT_EQ(second.json()["id"], first.json()["id"]);
  EXPECT_EQ(second.header_or_empty("Location"), first.header_or_empty("Location"));
  EXPECT_EQ(incidents_in_scope(), 1);
}

TEST_F(IdempotencyTest, DifferentKeysCreateDifferentIncidents) {
  Response first = create(unique_name("alert"), admin_token());
  Response second = create(unique_name("alert"), admin_token());
  ASSERT_EQ(first.status, 302);
  ASSERT_EQ(second.status, 302);
  EXPECT_NE(second.header_or_empty("Location"), first.header_or_empty("Location"));
  EXPECT_EQ(incidents_in_scope(), 2);
}

TEST_F(IdempotencyTest, KeysAreRememberedPerToken) {
  std::string key = unique_name("alert");
  std::string other_token = token_with({"incident_api"});
  ASSERT_FALSE(other_token.empty());
  Response first = create(key, admin_token());
  Response second = create(key, other_token);
  ASSERT_EQ(first.status, 302) << first.describe();
  ASSERT_EQ(second.status, 302) << second.describe();
  EXPECT_NE(second.header_or_empty("Location"), first.header_or_empty("Location"));
  EXPECT_EQ(incidents_in_scope(), 2);
}

TEST_F(IdempotencyTest, ConcurrentCreatesWithOneNewKeyAllAnswerTheOneIncidentCreated) {
  std::string key = unique_name("storm");
  std::vector<Response> responses(6);
  std::vector<std::thread> threads;
  for (auto& response : responses)
    threads.emplace_back([&] { response = create(key, admin_token()); });
  for (auto& thread : threads) thread.join();
  for (const auto& response : responses) {
    EXPECT_EQ(response.status, 302) << response.describe();
    EXPECT_EQ(response.header_or_empty("Location"), responses[0].header_or_empty("Location"));
  }
  EXPECT_EQ(incidents_in_scope(), 1);
}

TEST_F(IdempotencyTest, CreatesWithoutAKeyAreNeverMerged) {
  Fields fields = incident_fields(scope_, service_id());
  ASSERT_EQ(api().post_form("/api/incident/create", fields, admin_token()).status, 302);
  ASSERT_EQ(api().post_form("/api/incident/create", fields, admin_token()).status, 302);
  EXPECT_EQ(incidents_in_scope(), 2);
}

/// Comments posted with an Idempotency-Key on one incident.
class CommentIdempotencyTest : public E2eTest {
 protected:
  Response comment(long long id, const std::string& key, const std::string& text,
                   const std::string& token, const Headers& more = {}) const {
    Headers headers = {{"Idempotency-Key", key}};
    headers.insert(headers.end(), more.begin(), more.end());
    return api().post_form(incident_path(id) + "/comment", {{"comment", text}}, token, headers);
  }
  static std::size_t comments_of(long long id) {
    return events_of_type(admin_view(id), "comment").size();
  }
};

TEST_F(CommentIdempotencyTest, RepeatingAKeyAddsTheCommentOnceAndAnswersTheIncident) {
  long long id = new_incident()["id"];
  std::string key = unique_name("page");
  Response first = comment(id, key, "paged the on-call", admin_token());
  ASSERT_EQ(first.status, 302) << first.describe();
  Response retry = comment(id, key, "paged the on-call", admin_token(), kPreferRepresentation);
  ASSERT_EQ(retry.status, 200) << retry.describe();
  EXPECT_EQ(retry.header_or_empty("ETag"), first.header_or_empty("ETag"));
  EXPECT_EQ(retry.json()["version"], 2);
  EXPECT_EQ(comments_of(id), 1u);
  ASSERT_EQ(comment(id, unique_name("page"), "another one", admin_token()).status, 302);
  EXPECT_EQ(comments_of(id), 2u) << "another key is another comment";
}

TEST_F(CommentIdempotencyTest, ConcurrentRetriesOfOneKeyAddOneComment) {
  long long id = new_incident()["id"];
  std::string key = unique_name("storm");
  std::vector<Response> responses(6);
  std::vector<std::thread> threads;
  for (auto& response : responses)
    threads.emplace_back([&] { response = comment(id, key, "once", admin_token()); });
  for (auto& thread : threads) thread.join();
  for (const auto& response : responses) EXPECT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(comments_of(id), 1u);
}

TEST_F(CommentIdempotencyTest, KeysBelongToOneIncidentAndOneTokenAndMustBeWellFormed) {
  long long first = new_incident()["id"], second = new_incident()["id"];
  std::string key = unique_name("shared");
  ASSERT_EQ(comment(first, key, "on the first", admin_token()).status, 302);
  ASSERT_EQ(comment(second, key, "on the second", admin_token()).status, 302);
  std::string other_token = token_with({"incident_api"});
  ASSERT_EQ(comment(first, key, "by another client", other_token).status, 302);
  EXPECT_EQ(comments_of(first), 2u);
  EXPECT_EQ(comments_of(second), 1u);
  Response empty = comment(first, "", "x", admin_token());
  EXPECT_EQ(empty.status, 400) << empty.describe();
  EXPECT_TRUE(names_field(empty.json(), "Idempotency-Key")) << empty.describe();
  Response long_key = comment(first, std::string(256, 'k'), "x", admin_token());
  EXPECT_EQ(long_key.status, 400) << long_key.describe();
  EXPECT_EQ(comments_of(first), 2u);
}

}  // namespace
}  // namespace e2e
