// StoreTest: one redis-server per test binary, a fresh pipeline per test.
#include "store_fixture.hpp"

#include "storage/incident_codec.hpp"

namespace incident::testing {

std::unique_ptr<RedisServer> StoreTest::server_;

void StoreTest::SetUpTestSuite() {
  if (!server_) server_ = std::make_unique<RedisServer>();
}

void StoreTest::TearDownTestSuite() {}

void StoreTest::SetUp() {
  server_->flush();
  pipeline_ = std::make_unique<RedisPipeline>(server_->endpoint(), std::chrono::milliseconds(2000));
  incidents_ = std::make_unique<IncidentStore>(*pipeline_, keys_);
  catalog_ = std::make_unique<CatalogStore>(*pipeline_, keys_);
}

void StoreTest::create_scope_and_service() {
  for (const char* kind : {"scope", "service"}) {
    auto created = await_result<Result<CatalogView>>([&](auto done) {
      catalog_->create(kind, CatalogCreateRequest{std::string("first ") + kind, std::nullopt},
                       done);
    });
    ASSERT_TRUE(created.ok());
    ASSERT_EQ(created->entry.id, 1);
  }
}

Incident StoreTest::create(const std::string& name, Severity severity,
                           std::optional<std::string> external_reference) {
  auto id = await_result<IdResult>([&](auto done) { incidents_->next_id(done); });
  EXPECT_TRUE(id.ok());
  CreateRequest request;
  request.name = name;
  request.severity = severity;
  request.scope = 1;
  request.service = 1;
  request.external_reference = std::move(external_reference);
  Incident incident = create_incident(request, *id, parse_date_or_die("2026-11-27T10:00"));
  auto result = commit(CommitRequest{
      "incident.created", std::nullopt, incident, incident.events.front(), {}, std::nullopt});
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result->status, CommitOutcome::Status::committed);
  return incident;
}

CommitResult StoreTest::commit(const CommitRequest& request) {
  return await_result<CommitResult>([&](auto done) { incidents_->commit(request, done); });
}

std::optional<Incident> StoreTest::load(Id id) {
  auto loaded = await_result<LoadResult>([&](auto done) { incidents_->load(id, done); });
  EXPECT_TRUE(loaded.ok());
  return loaded.ok() ? *loaded : std::nullopt;
}

bool StoreTest::in_index(const std::string& key, const Incident& incident) {
  auto score = redis({"ZSCORE", key, index_entry(incident).member});
  return score.type == RedisValue::Type::string && score.str == index_entry(incident).score;
}

}  // namespace incident::testing
