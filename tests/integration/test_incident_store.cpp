// The incident store against a real redis-server: every write lands whole
// (data, event and index entries together) or not at all, and a write based
// on a version that changed underneath it is refused, never silently applied.
#include "storage/incident_codec.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

class IncidentStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    create_scope_and_service();
  }

  UpdateRequest update_of(const Incident& current) {
    UpdateRequest request;
    request.name = current.name;
    request.severity = current.severity;
    request.status = current.status;
    request.scope = current.scope;
    request.service = current.service;
    return request;
  }

  Change change(const Incident& current, UpdateRequest request) {
    auto result = apply_update(current, request, parse_date_or_die("2026-11-27T11:00"));
    EXPECT_TRUE(result.ok());
    return *result;
  }

  /// Three chained changes of `created`: an update, a comment, an update.
  std::vector<CommitRequest> chain_of_three(const Incident& created) {
    UpdateRequest investigate = update_of(created);
    investigate.status = Status::investigating;
    Change first = change(created, investigate);
    Incident commented = add_comment(first.next, CommentRequest{"on it", true},
                                     parse_date_or_die("2026-11-27T10:40"));
    UpdateRequest resolve = update_of(commented);
    resolve.status = Status::resolved;
    resolve.severity = Severity::low;
    Change third = change(commented, resolve);
    return {
        {"incident.updated", created, first.next, first.next.events.front(), first.changes,
         std::nullopt},
        {"incident.commented", first.next, commented, commented.events.front(), {}, std::nullopt},
        {"incident.updated", commented, third.next, third.next.events.front(), third.changes,
         std::nullopt}};
  }
};

TEST_F(IncidentStoreTest, CreateWritesDataEventAndEveryIndexTogether) {
  long long entries_before = stream_length();
  Incident created = create("Database outage", Severity::critical, "INC-1");
  EXPECT_EQ(stream_length(), entries_before + 1);
  auto loaded = load(created.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, created);
  EXPECT_EQ(redis({"LLEN", keys_.events(created.id)}).integer, 1);
  for (const auto& key : index_keys(keys_, created)) EXPECT_TRUE(in_index(key, created)) << key;
  EXPECT_TRUE(in_index(keys_.index_all(), created));
}

TEST_F(IncidentStoreTest, CreateWithUnknownScopeWritesNothing) {
  Incident incident =
      create_incident(CreateRequest{"Orphan incident", {}, {}, {}, Severity::low, 42, 1, {}}, 7,
                      parse_date_or_die("2026-11-27T10:00"));
  auto result = commit(CommitRequest{
      "incident.created", std::nullopt, incident, incident.events.front(), {}, std::nullopt});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reasons.count("scope"), 1u);
  EXPECT_EQ(redis({"EXISTS", keys_.incident(7)}).integer, 0);
  EXPECT_EQ(redis({"EXISTS", keys_.events(7)}).integer, 0);
  EXPECT_EQ(redis({"ZCARD", keys_.index_all()}).integer, 0);
  EXPECT_EQ(redis({"ZCARD", keys_.index_severity(Severity::low)}).integer, 0);
}

TEST_F(IncidentStoreTest, UpdateMovesIndexEntriesAndAppendsItsEvent) {
  Incident created = create("Network flapping", Severity::high, "OLD-REF");
  UpdateRequest request = update_of(created);
  request.status = Status::resolved;
  request.severity = Severity::minor;
  request.external_reference = FieldUpdate<std::string>::set("NEW-REF");
  Change updated = change(created, request);
  auto result = commit(CommitRequest{"incident.updated", created, updated.next,
                                     updated.next.events.front(), updated.changes, std::nullopt});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->status, CommitOutcome::Status::committed);
  EXPECT_EQ(*load(created.id), updated.next);
  for (const auto& key : index_keys(keys_, updated.next)) EXPECT_TRUE(in_index(key, updated.next));
  for (const auto& key : index_keys(keys_, created)) EXPECT_FALSE(in_index(key, created));
  EXPECT_EQ(redis({"ZCARD", keys_.index_status(Status::active)}).integer, 0);
  EXPECT_EQ(redis({"ZCARD", keys_.index_external_reference("OLD-REF")}).integer, 0);
  EXPECT_EQ(redis({"LLEN", keys_.events(created.id)}).integer, 2);
}

TEST_F(IncidentStoreTest, AChainOfChangesIsStoredAsIfCommittedOneByOne) {
  Incident created = create("Chained changes", Severity::high);
  const auto entries_before = static_cast<std::size_t>(stream_length());
  auto chain = chain_of_three(created);
  auto result =
      await_result<CommitResult>([&](auto done) { incidents_->commit_chain(chain, done); });
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->status, CommitOutcome::Status::committed);
  const Incident& last = *chain.back().after;
  EXPECT_EQ(last.version, created.version + 3);
  EXPECT_EQ(*load(created.id), last);  // every event, newest first
  EXPECT_EQ(redis({"LLEN", keys_.events(created.id)}).integer, 4);
  for (const auto& key : index_keys(keys_, last)) EXPECT_TRUE(in_index(key, last)) << key;
  EXPECT_EQ(redis({"ZCARD", keys_.index_status(Status::active)}).integer, 0);
  EXPECT_EQ(redis({"ZCARD", keys_.index_status(Status::investigating)}).integer, 0);
  // One stream entry per change, in order, each with its own version and event.
  ASSERT_EQ(result->feed_messages.size(), 3u);
  RedisValue entries = redis({"XRANGE", keys_.change_stream(), "-", "+"});
  ASSERT_EQ(entries.elements.size(), entries_before + 3);
  EXPECT_EQ(entries.elements.back().elements[0].str, result->stream_id);
  const char* types[] = {"incident.updated", "incident.commented", "incident.updated"};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string& data = entries.elements[entries_before + i].elements[1].elements[1].str;
    EXPECT_EQ(data, result->feed_messages[i]);
    auto message = nlohmann::json::parse(data);
    EXPECT_EQ(message["type"], types[i]);
    EXPECT_EQ(message["version"], created.version + 1 + static_cast<int>(i));
    ASSERT_EQ(message["incident"]["events"].size(), 1u);
    EXPECT_EQ(message["incident"]["status"], to_string(chain[i].after->status));
  }
}

TEST_F(IncidentStoreTest, AChainOnAStaleVersionChangesNothing) {
  Incident created = create("Stale chain", Severity::high);
  const long long entries_before = stream_length();
  Incident commented = add_comment(created, CommentRequest{"meanwhile", false},
                                   parse_date_or_die("2026-11-27T10:35"));
  ASSERT_EQ(
      commit({"incident.commented", created, commented, commented.events.front(), {}, std::nullopt})
          ->status,
      CommitOutcome::Status::committed);
  auto result = await_result<CommitResult>(
      [&](auto done) { incidents_->commit_chain(chain_of_three(created), done); });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, CommitOutcome::Status::conflict);
  EXPECT_EQ(*load(created.id), commented);
  EXPECT_EQ(stream_length(), entries_before + 1);  // the comment only
  EXPECT_TRUE(in_index(keys_.index_status(Status::active), commented));
}

TEST_F(IncidentStoreTest, ACommentOrARenameKeepsEveryIndexMembership) {
  Incident created = create("Steady incident", Severity::moderate, "REF-7");
  Incident commented =
      add_comment(created, CommentRequest{"note", false}, parse_date_or_die("2026-11-27T10:10"));
  ASSERT_EQ(
      commit(
          CommitRequest{
              "incident.commented", created, commented, commented.events.front(), {}, std::nullopt})
          ->status,
      CommitOutcome::Status::committed);
  UpdateRequest rename = update_of(commented);
  rename.name = "Steady incident, renamed";
  Change renamed = change(commented, rename);
  ASSERT_EQ(commit(CommitRequest{"incident.updated", commented, renamed.next,
                                 renamed.next.events.front(), renamed.changes, std::nullopt})
                ->status,
            CommitOutcome::Status::committed);
  for (const auto& key : index_keys(keys_, renamed.next)) {
    EXPECT_TRUE(in_index(key, renamed.next)) << key;
    EXPECT_EQ(redis({"ZCARD", key}).integer, 1) << key;
  }
  EXPECT_EQ(redis({"ZCARD", keys_.index_all()}).integer, 1);
}

TEST_F(IncidentStoreTest, AWriteBasedOnAStaleVersionIsRefusedAndChangesNothing) {
  Incident created = create("Cache stampede");
  // Another process updates the incident first: the stored version moves on.
  UpdateRequest theirs = update_of(created);
  theirs.name = "Cache stampede (theirs)";
  Change their_change = change(created, theirs);
  ASSERT_EQ(commit(CommitRequest{"incident.updated",
                                 created,
                                 their_change.next,
                                 their_change.next.events.front(),
                                 {},
                                 std::nullopt})
                ->status,
            CommitOutcome::Status::committed);
  long long entries_before = stream_length();
  // Our write still believes version 1 is current.
  UpdateRequest ours = update_of(created);
  ours.severity = Severity::critical;
  Change our_change = change(created, ours);
  auto result = commit(CommitRequest{"incident.updated",
                                     created,
                                     our_change.next,
                                     our_change.next.events.front(),
                                     {},
                                     std::nullopt});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, CommitOutcome::Status::conflict);
  EXPECT_EQ(*load(created.id), their_change.next);
  EXPECT_FALSE(in_index(keys_.index_severity(Severity::critical), our_change.next));
  EXPECT_EQ(stream_length(), entries_before);
}

TEST_F(IncidentStoreTest, AVersionBumpedDirectlyInRedisIsDetected) {
  Incident created = create("Disk full");
  redis({"HINCRBY", keys_.incident(created.id), "version", "1"});
  Incident next = add_comment(created, CommentRequest{"still there", false},
                              parse_date_or_die("2026-11-27T10:30"));
  auto result = commit(
      CommitRequest{"incident.commented", created, next, next.events.front(), {}, std::nullopt});
  EXPECT_EQ(result->status, CommitOutcome::Status::conflict);
  EXPECT_EQ(redis({"LLEN", keys_.events(created.id)}).integer, 1);
}

TEST_F(IncidentStoreTest, DeleteRemovesDataEventsAndIndexEntries) {
  Incident created = create("Certificate expired", Severity::moderate, "CERT-9");
  auto result = commit(
      CommitRequest{"incident.deleted", created, std::nullopt, std::nullopt, {}, std::nullopt});
  ASSERT_EQ(result->status, CommitOutcome::Status::committed);
  EXPECT_FALSE(load(created.id));
  EXPECT_EQ(redis({"EXISTS", keys_.events(created.id)}).integer, 0);
  EXPECT_EQ(redis({"ZCARD", keys_.index_all()}).integer, 0);
  for (const auto& key : index_keys(keys_, created)) EXPECT_EQ(redis({"ZCARD", key}).integer, 0);
}

TEST_F(IncidentStoreTest, AnIdempotencyKeyCreatesOnceAndPointsRetriesAtTheFirstIncident) {
  auto first_id = await_result<IdResult>([&](auto done) { incidents_->next_id(done); });
  CreateRequest request{"Alert storm", {}, {}, {}, Severity::high, 1, 1, {}};
  Incident first = create_incident(request, *first_id, parse_date_or_die("2026-11-27T10:00"));
  CommitRequest commit_first{"incident.created",   std::nullopt, first,
                             first.events.front(), {},           std::string("client:key-1")};
  ASSERT_EQ(commit(commit_first)->status, CommitOutcome::Status::committed);
  Incident retry = first;
  retry.id = *first_id + 1;
  CommitRequest commit_retry = commit_first;
  commit_retry.after = retry;
  long long entries_before = stream_length();
  auto result = commit(commit_retry);
  ASSERT_EQ(result->status, CommitOutcome::Status::duplicate);
  EXPECT_EQ(stream_length(), entries_before);
  EXPECT_EQ(result->existing_id, first.id);
  EXPECT_FALSE(load(retry.id));
  EXPECT_GT(redis({"TTL", keys_.idempotency("client:key-1")}).integer, 86000);
}

TEST_F(IncidentStoreTest, PagesFollowTheListOrder) {
  Incident a = create("First incident", Severity::low);
  Incident b = create("Second incident", Severity::critical);
  Incident c = create("Third incident", Severity::low);
  auto page = await_result<Result<IncidentPage>>([&](auto done) {
    incidents_->list(PageRequest{1, 2}, IncidentFilter{}, done);
  });
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->items.size(), 2u);
  // Same start date and status: critical first, then by id descending.
  EXPECT_EQ(page->items[0].id, b.id);
  EXPECT_EQ(page->items[1].id, c.id);
  auto second = await_result<Result<IncidentPage>>([&](auto done) {
    incidents_->list(PageRequest{2, 2}, IncidentFilter{}, done);
  });
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id, a.id);
  auto count_only = await_result<Result<IncidentPage>>([&](auto done) {
    incidents_->list(PageRequest{1, 0}, IncidentFilter{}, done);
  });
  EXPECT_EQ(count_only->total, 3);
  EXPECT_TRUE(count_only->items.empty());
}

TEST_F(IncidentStoreTest, ACommitAnswersItsStreamEntryAndMessage) {
  Incident created = create("Feed subject");
  Incident next =
      add_comment(created, CommentRequest{"looking", true}, parse_date_or_die("2026-11-27T10:30"));
  auto result = commit(
      CommitRequest{"incident.commented", created, next, next.events.front(), {}, std::nullopt});
  ASSERT_EQ(result->status, CommitOutcome::Status::committed);
  RedisValue entries = redis({"XRANGE", keys_.change_stream(), result->stream_id, "+"});
  ASSERT_EQ(entries.elements.size(), 1u);
  const auto& fields = entries.elements[0].elements[1].elements;
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].str, "data");
  EXPECT_EQ(fields[1].str, result->feed_messages.at(0));
  EXPECT_EQ(fields[2].str, "origin");  // the committing process (the fixture's: none)
  EXPECT_EQ(fields[3].str, "");
  auto message = nlohmann::json::parse(result->feed_messages.at(0));
  EXPECT_EQ(message["type"], "incident.commented");
  EXPECT_EQ(message["version"], 2);
  // Only the event this change added: a message does not grow with the history.
  ASSERT_EQ(message["incident"]["events"].size(), 1u);
  EXPECT_EQ(message["incident"]["events"][0]["content"], "looking");
  EXPECT_EQ(message["incident"]["name"], "Feed subject");
  // type, id and version lead, so the feed follower stops reading there.
  EXPECT_EQ(result->feed_messages.at(0).rfind("{\"type\":\"incident.commented\",\"id\":" +
                                                  std::to_string(created.id) + ",\"version\":2,",
                                              0),
            0u)
      << result->feed_messages.at(0);
}

TEST_F(IncidentStoreTest, MessagesOfAnIncidentWithALongHistoryStayTheSameSize) {
  Incident current = create("Long history");
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 40; ++i) {
    Incident next = add_comment(current, CommentRequest{"same words", false},
                                parse_date_or_die("2026-11-27T10:30"));
    auto result = commit(
        CommitRequest{"incident.commented", current, next, next.events.front(), {}, std::nullopt});
    ASSERT_EQ(result->status, CommitOutcome::Status::committed);
    sizes.push_back(result->feed_messages.at(0).size());
    current = next;
  }
  EXPECT_EQ(current.events.size(), 41u);
  // Versions 2 and 41 differ by one digit, written twice (message and incident).
  EXPECT_EQ(sizes.back(), sizes.front() + 2);
}

TEST_F(IncidentStoreTest, AnUnreachableRedisIsReportedAsUnavailable) {
  RedisEndpoint nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = 1;
  RedisPipeline pipeline(nowhere, std::chrono::milliseconds(200));
  IncidentStore store(pipeline, keys_);
  auto loaded = await_result<LoadResult>([&](auto done) { store.load(1, done); });
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::unavailable);
}

TEST_F(IncidentStoreTest, ALoadSeesTheHashAndTheEventsOfOneVersion) {
  // A chain committed by another connection while loads are in flight is
  // seen whole or not at all (never events of one version, hash of another).
  Incident created = create("Consistent loads");
  std::vector<CommitRequest> chain = chain_of_three(created);
  RedisPipeline other_connection(server_->endpoint(), std::chrono::milliseconds(2000));
  IncidentStore writer(other_connection, keys_);
  std::vector<std::future<LoadResult>> loads;
  for (int i = 0; i < 200; ++i) {
    auto promise = std::make_shared<std::promise<LoadResult>>();
    loads.push_back(promise->get_future());
    incidents_->load(created.id, [promise](LoadResult r) { promise->set_value(std::move(r)); });
    if (i == 100) writer.commit_chain(chain, [](CommitResult) {});
  }
  for (auto& future : loads) {
    LoadResult loaded = future.get();
    ASSERT_TRUE(loaded.ok());
    ASSERT_TRUE(loaded.value());
    const Incident& seen = *loaded.value();
    EXPECT_EQ(seen.events.size(), static_cast<std::size_t>(seen.version));
    EXPECT_TRUE(seen == created || seen == chain.back().after) << seen.version;
  }
}

TEST_F(IncidentStoreTest, ATransactionAnswersEveryReplyOrTheErrorThatAbortedIt) {
  auto run = [&](std::vector<std::vector<std::string>> commands) {
    return await_result<RedisValue>([&](auto done) {
      pipeline_->transaction(std::move(commands), [done](const RedisValue& v) { done(v); });
    });
  };
  auto plain = [&](std::vector<std::string> argv) {
    return await_result<RedisValue>([&](auto done) {
      pipeline_->submit(std::move(argv), [done](const RedisValue& v) { done(v); });
    });
  };
  RedisValue replies = run({{"SET", "pm:t", "1"}, {"INCR", "pm:t"}, {"GET", "pm:t"}});
  ASSERT_EQ(replies.type, RedisValue::Type::array);
  ASSERT_EQ(replies.elements.size(), 3u);
  EXPECT_EQ(replies.elements[1].integer, 2);
  EXPECT_EQ(replies.elements[2].str, "2");
  RedisValue aborted = run({{"INCR", "pm:t"}, {"NOSUCHCOMMAND"}});
  EXPECT_TRUE(aborted.is_error());
  EXPECT_FALSE(aborted.io_failure);
  EXPECT_EQ(plain({"GET", "pm:t"}).str, "2");  // nothing of the aborted one ran
  // Replies stay matched to their commands after a transaction in one batch.
  std::vector<std::future<RedisValue>> answers;
  for (int i = 0; i < 50; ++i) {
    auto promise = std::make_shared<std::promise<RedisValue>>();
    answers.push_back(promise->get_future());
    auto done = [promise](const RedisValue& v) { promise->set_value(v); };
    if (i % 2)
      pipeline_->transaction({{"ECHO", std::to_string(i)}, {"ECHO", "x"}}, done);
    else
      pipeline_->submit({"ECHO", std::to_string(i)}, done);
  }
  for (int i = 0; i < 50; ++i) {
    RedisValue value = answers[i].get();
    EXPECT_EQ(i % 2 ? value.elements.at(0).str : value.str, std::to_string(i));
  }
}

TEST_F(IncidentStoreTest, ScriptsAreReloadedAfterRedisForgetsThem) {
  Incident created = create("Before flush");
  redis({"SCRIPT", "FLUSH"});
  EXPECT_TRUE(load(created.id));
}

}  // namespace
}  // namespace incident::testing
