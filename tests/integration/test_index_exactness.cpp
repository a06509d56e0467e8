// The indexes never disagree with the data: after 10,000 random creates,
// updates, comments and deletes, every index zset holds exactly the members
// the stored incidents call for, no other index key exists, and filtered
// pages equal the model filtered and sorted in memory.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "storage/incident_codec.hpp"
#include "storage/index_migration.hpp"
#include "storage/redis_value.hpp"
#include "storage/scripts.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

constexpr int kOperations = 10000;
constexpr Id kCatalogSize = 3;
const std::vector<std::string> kReferences = {"INC-1", "INC-2", "INC-3", "INC-4"};

class IndexExactnessTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* kind : {"scope", "service"})
      for (Id id = 1; id <= kCatalogSize; ++id) {
        auto created = await_result<Result<CatalogView>>([&](auto done) {
          catalog_->create(kind, CatalogCreateRequest{kind + std::to_string(id), std::nullopt},
                           done);
        });
        ASSERT_TRUE(created.ok());
      }
  }

  template <typename T>
  T pick(const std::vector<T>& values) {
    return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(random_)];
  }
  int dice(int sides) { return std::uniform_int_distribution<int>(0, sides - 1)(random_); }
  Minute random_start() { return base_ + dice(20000); }  // a fortnight of minutes
  Severity random_severity() { return static_cast<Severity>(dice(5)); }
  Status random_status() { return static_cast<Status>(dice(4)); }

  void create_one() {
    auto id = await_result<IdResult>([&](auto done) { incidents_->next_id(done); });
    ASSERT_TRUE(id.ok());
    CreateRequest request{"Incident " + std::to_string(*id),
                          std::nullopt,
                          std::nullopt,
                          std::nullopt,
                          random_severity(),
                          1 + dice(kCatalogSize),
                          1 + dice(kCatalogSize),
                          random_start()};
    if (dice(2) == 0) request.external_reference = pick(kReferences);
    Incident incident = create_incident(request, *id, now_);
    commit_and_record("incident.created", std::nullopt, incident, incident.events.front());
  }

  void update_one(const Incident& current) {
    UpdateRequest request;
    request.name = current.name;
    request.status = dice(2) ? random_status() : current.status;
    request.severity = dice(2) ? random_severity() : current.severity;
    request.scope = dice(3) ? current.scope : 1 + dice(kCatalogSize);
    request.service = dice(3) ? current.service : 1 + dice(kCatalogSize);
    if (dice(3) == 0)
      request.external_reference = dice(2) ? FieldUpdate<std::string>::set(pick(kReferences))
                                           : FieldUpdate<std::string>::clear();
    if (dice(3) == 0) request.start_impact_date = random_start();
    auto change = apply_update(current, request, now_);
    if (!change.ok() || !change->changed()) return;  // e.g. a start after a stamped date
    commit_and_record("incident.updated", current, change->next, change->next.events.front());
  }

  void commit_and_record(const std::string& type, std::optional<Incident> before,
                         std::optional<Incident> after, std::optional<Event> event) {
    auto result = commit(CommitRequest{type, before, after, event, {}, std::nullopt});
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result->status, CommitOutcome::Status::committed);
    Id id = after ? after->id : before->id;
    if (after) {
      model_[id] = *after;
    } else {
      model_.erase(id);
    }
  }

  Incident random_incident() {
    auto it = model_.begin();
    std::advance(it, dice(static_cast<int>(model_.size())));
    return it->second;
  }

  /// Every index key with the entries ("<score> <member>") the model calls for.
  std::map<std::string, std::set<std::string>> expected_indexes() {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& [id, incident] : model_) {
      IndexEntry entry = index_entry(incident);
      std::string text = entry.score + " " + entry.member;
      out[keys_.index_all()].insert(text);
      for (const auto& key : index_keys(keys_, incident)) out[key].insert(text);
    }
    return out;
  }

  std::set<std::string> stored_index_keys() {
    std::set<std::string> out;
    for (const auto& key : redis({"KEYS", keys_.prefix() + ":idx:*"}).elements) out.insert(key.str);
    return out;
  }

  std::vector<Id> model_page(const IncidentFilter& filter) {
    std::vector<const Incident*> passing;
    for (const auto& [id, incident] : model_)
      if (matches(filter, incident)) passing.push_back(&incident);
    std::sort(passing.begin(), passing.end(), [](const Incident* a, const Incident* b) {
      return std::make_tuple(-a->start_impact_date, a->status, a->severity, -a->id) <
             std::make_tuple(-b->start_impact_date, b->status, b->severity, -b->id);
    });
    std::vector<Id> ids;
    for (const Incident* incident : passing) ids.push_back(incident->id);
    return ids;
  }

  std::vector<Id> stored_walk(const IncidentFilter& filter, std::int64_t per_page,
                              std::int64_t& total) {
    std::vector<Id> ids;
    for (std::int64_t page = 1;; ++page) {
      auto result = await_result<Result<IncidentPage>>([&](auto done) {
        incidents_->list(PageRequest{page, per_page}, filter, done);
      });
      EXPECT_TRUE(result.ok());
      if (!result.ok()) return ids;
      total = result->total;
      for (const auto& incident : result->items) ids.push_back(incident.id);
      if (result->items.empty() || page * per_page >= total) return ids;
    }
  }

  /// 1,500 random creates, updates and deletes, recorded in the model.
  void random_writes() {
    for (int i = 0; i < 1500; ++i) {
      int roll = dice(10);
      if (model_.empty() || roll < 5) {
        create_one();
      } else if (roll < 9) {
        update_one(random_incident());
      } else {
        Incident current = random_incident();
        commit_and_record("incident.deleted", current, std::nullopt, std::nullopt);
      }
      if (HasFatalFailure()) return;
    }
  }

  /// Every index key holds exactly the model's entries, pages follow the
  /// model, and the keys that outgrew the compact encoding while they held
  /// two forms have it back.
  void expect_indexes_of_the_model() {
    auto expected = expected_indexes();
    std::set<std::string> expected_keys;
    for (const auto& [key, entries] : expected) expected_keys.insert(key);
    EXPECT_EQ(stored_index_keys(), expected_keys);
    for (const auto& [key, entries] : expected) {
      std::set<std::string> stored;
      auto found = redis({"ZRANGE", key, "0", "-1", "WITHSCORES"}).elements;
      for (std::size_t i = 0; i + 1 < found.size(); i += 2)
        stored.insert(found[i + 1].str + " " + found[i].str);
      EXPECT_EQ(stored, entries) << key;
    }
    for (int i = 0; i < 200; ++i) {
      IncidentFilter filter = random_filter();
      std::int64_t total = 0;
      EXPECT_EQ(stored_walk(filter, 1 + dice(30), total), model_page(filter));
    }
    int small_keys = 0;
    for (const auto& key : stored_index_keys()) {
      if (redis({"ZCARD", key}).integer > 128) continue;
      ++small_keys;
      EXPECT_EQ(redis({"OBJECT", "ENCODING", key}).str, "listpack") << key;
    }
    EXPECT_GT(small_keys, 10);
  }

  /// SCAN calls Redis served so far.
  long long scans() {
    std::string stats = redis({"INFO", "commandstats"}).str;
    auto at = stats.find("cmdstat_scan:calls=");
    return at == std::string::npos ? 0 : std::stoll(stats.substr(at + 19));
  }

  IncidentFilter random_filter() {
    IncidentFilter filter;
    auto maybe = [&](auto& values, auto make) {
      int count = dice(4) == 0 ? 1 + dice(2) : 0;
      for (int i = 0; i < count; ++i) {
        auto value = make();
        if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
      }
    };
    maybe(filter.statuses, [&] { return random_status(); });
    maybe(filter.severities, [&] { return random_severity(); });
    maybe(filter.scopes, [&] { return Id(1 + dice(kCatalogSize)); });
    maybe(filter.services, [&] { return Id(1 + dice(kCatalogSize)); });
    maybe(filter.external_references, [&] { return pick(kReferences); });
    if (dice(4) == 0) filter.impact_after = random_start();
    if (dice(4) == 0) filter.impact_before = random_start();
    return filter;
  }

  std::mt19937 random_{20261127};
  Minute base_ = parse_date_or_die("2026-11-01T00:00");
  Minute now_ = parse_date_or_die("2026-11-27T12:00");
  std::map<Id, Incident> model_;
};

TEST_F(IndexExactnessTest, IndexesMatchTheDataAfterTenThousandRandomWrites) {
  for (int i = 0; i < kOperations; ++i) {
    int roll = dice(10);
    if (model_.empty() || roll < 4) {
      create_one();
    } else if (roll < 8) {
      update_one(random_incident());
    } else if (roll < 9) {
      Incident current = random_incident();
      Incident commented = add_comment(current, CommentRequest{"note", false}, now_);
      commit_and_record("incident.commented", current, commented, commented.events.front());
    } else {
      Incident current = random_incident();
      commit_and_record("incident.deleted", current, std::nullopt, std::nullopt);
    }
    if (HasFatalFailure()) return;
  }
  ASSERT_GT(model_.size(), 500u);

  auto expected = expected_indexes();
  std::set<std::string> expected_keys;
  for (const auto& [key, members] : expected) expected_keys.insert(key);
  EXPECT_EQ(stored_index_keys(), expected_keys) << "an index key exists without data, or lacks";
  for (const auto& [key, members] : expected) {
    std::set<std::string> stored;
    auto entries = redis({"ZRANGE", key, "0", "-1", "WITHSCORES"}).elements;
    for (std::size_t i = 0; i + 1 < entries.size(); i += 2)
      stored.insert(entries[i + 1].str + " " + entries[i].str);
    EXPECT_EQ(stored, members) << key;
  }
  for (const auto& [id, incident] : model_) ASSERT_EQ(*load(id), incident);
}

TEST_F(IndexExactnessTest, FilteredPagesEqualTheModelFilteredAndSorted) {
  for (int i = 0; i < 1500; ++i) {
    if (model_.empty() || dice(5) < 3) {
      create_one();
    } else {
      update_one(random_incident());
    }
    if (HasFatalFailure()) return;
  }
  for (int i = 0; i < 150; ++i) {
    IncidentFilter filter = random_filter();
    std::int64_t per_page = 1 + dice(50), total = -1;
    std::vector<Id> expected = model_page(filter);
    std::vector<Id> walked = stored_walk(filter, per_page, total);
    ASSERT_EQ(total, static_cast<std::int64_t>(expected.size())) << filter_query_string(filter);
    ASSERT_EQ(walked, expected) << filter_query_string(filter) << " per_page " << per_page;
  }
}

TEST_F(IndexExactnessTest, APageOverTheListBudgetIsRefusedNamingTheQuery) {
  for (int i = 0; i < 300; ++i) {
    create_one();
    if (HasFatalFailure()) return;
  }
  auto page_of = [&](const IncidentFilter& filter, std::int64_t page, std::int64_t budget) {
    incidents_->set_list_budget(budget);
    return await_result<Result<IncidentPage>>([&](auto done) {
      incidents_->list(PageRequest{page, 20}, filter, done);
    });
  };
  IncidentFilter scan;  // two groups: one is scanned, each member looked up in the other
  scan.statuses = {Status::active};
  scan.severities = {Severity::high, Severity::low};
  scan.scopes = {1, 2};
  auto refused = page_of(scan, 1, 10);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::invalid);
  ASSERT_TRUE(refused.error().reasons.count("query")) << refused.error().message;
  EXPECT_NE(refused.error().reasons.at("query")[0].find("at most 10."), std::string::npos)
      << refused.error().reasons.at("query")[0];
  auto accepted = page_of(scan, 1, 1000000);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->total, static_cast<std::int64_t>(model_page(scan).size()));

  IncidentFilter merge;  // one group of two keys: a deep page merges offset + count of each
  merge.severities = {Severity::high, Severity::low};
  EXPECT_TRUE(page_of(merge, 1, 100).ok());
  EXPECT_FALSE(page_of(merge, 5, 100).ok()) << "offset 80: about 2 x 100 entries merged";

  IncidentFilter single;  // one key: any page is a rank lookup
  single.severities = {Severity::high};
  EXPECT_TRUE(page_of(single, 3, 1).ok());
}

TEST_F(IndexExactnessTest, AScanStepGoesOnAfterItsCursorWhetherItsEntryStayedMovedOrLeft) {
  const std::string key = keys_.prefix() + ":idx:scan-test";
  auto member = [](int n) {
    char text[17];
    std::snprintf(text, sizeof text, "%016d", n);
    return std::string(text);
  };
  const std::string m1 = member(1), m2 = member(2), m3 = member(3), m4 = member(4), m5 = member(5);
  for (const auto& [score, m] : std::vector<std::pair<std::string, std::string>>{
           {"100", m1}, {"100", m2}, {"100", m3}, {"200", m4}, {"300", m5}})
    redis({"ZADD", key, score, m});
  using Texts = std::vector<std::string>;
  auto step = [&](const std::string& cursor, const std::string& max, int limit) {
    Texts out;
    for (const auto& element : redis({"EVAL", scripts::index_scan().source, "1", key, cursor,
                                      "-inf", max, std::to_string(limit)})
                                   .elements)
      out.push_back(element.str);
    return out;
  };
  EXPECT_EQ(step("", "+inf", 2), (Texts{"100", m1, "100", m2, "100 " + m2}));
  EXPECT_EQ(step("100 " + m2, "+inf", 2), (Texts{"100", m3, "200", m4, "200 " + m4}));
  redis({"ZREM", key, m2});  // the cursor's entry left
  EXPECT_EQ(step("100 " + m2, "+inf", 2), (Texts{"100", m3, "200", m4, "200 " + m4}));
  redis({"ZADD", key, "250", m2});  // came back elsewhere: the cursor's place is kept
  EXPECT_EQ(step("100 " + m2, "+inf", 2), (Texts{"100", m3, "200", m4, "200 " + m4}));
  redis({"ZADD", key, "50", m1});  // moved before the cursor: not read again
  EXPECT_EQ(step("100 " + m1, "+inf", 1), (Texts{"100", m3, "100 " + m3}));
  EXPECT_EQ(step("200 " + m4, "(300", 5), (Texts{"250", m2, "250 " + m2}));
  EXPECT_EQ(step("250 " + m2, "(300", 5), (Texts{""})) << "an exclusive bound";
  EXPECT_EQ(step("250 " + m2, "300", 5), (Texts{"300", m5, "300 " + m5})) << "inclusive";
  EXPECT_EQ(step("300 " + m5, "+inf", 5), (Texts{""}));
}

TEST_F(IndexExactnessTest, AScanStepGoesOnAfterACursorWhoseMemberHasASpace) {
  const std::string key = keys_.prefix() + ":idx:scan-space-test";
  redis({"ZADD", key, "100", "not a member"});
  redis({"ZADD", key, "200", "0000000000000a"});
  auto step = [&](const std::string& cursor) {
    std::vector<std::string> out;
    for (const auto& element :
         redis({"EVAL", scripts::index_scan().source, "1", key, cursor, "-inf", "+inf", "5"})
             .elements)
      out.push_back(element.str);
    return out;
  };
  using Texts = std::vector<std::string>;
  EXPECT_EQ(step("100 not a member"), (Texts{"200", "0000000000000a", "200 0000000000000a"}));
  redis({"ZREM", key, "not a member"});  // the cursor's entry left
  EXPECT_EQ(step("100 not a member"), (Texts{"200", "0000000000000a", "200 0000000000000a"}));
}

/// The index member version 614b2c9 and every earlier one wrote, at score 0:
/// its code, kept here to make their data.
std::string earlier_sort_member(const Incident& incident) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%010lld%d%d%016lld:%lld",
                9'999'999'999LL - static_cast<long long>(incident.start_impact_date),
                static_cast<int>(incident.status), static_cast<int>(incident.severity),
                9'999'999'999'999'999LL - static_cast<long long>(incident.id),
                static_cast<long long>(incident.id));
  return buffer;
}

TEST_F(IndexExactnessTest, IndexesOfAnEarlierVersionAreMigratedOnceAtConnection) {
  random_writes();
  if (HasFatalFailure()) return;
  // The data set as the earlier version left it: every entry in its form;
  // and, as versions before the paired indexes left it, no pair key at all.
  for (const auto& key : stored_index_keys()) redis({"DEL", key});
  std::size_t pairs_left_out = 0;
  for (const auto& [id, incident] : model_) {
    std::string member = earlier_sort_member(incident);
    redis({"ZADD", keys_.index_all(), "0", member});
    std::vector<std::string> keys = index_keys(keys_, incident);
    for (std::size_t k = 0; k < keys.size(); ++k) {
      bool pair = std::count(keys[k].begin(), keys[k].end(), ':') > 3;
      if (pair && id % 3 == 0) {
        ++pairs_left_out;
        continue;
      }
      redis({"ZADD", keys[k], "0", member});
    }
  }
  ASSERT_GT(pairs_left_out, 100u);
  redis({"SET", keys_.incident(9'999'999), "a string where a hash belongs"});
  redis({"HSET", keys_.incident(9'999'998), "name", "a hash that does not decode"});

  IndexMigration migration(keys_);
  std::string error;
  redisContext* context = connect_redis(server_->endpoint(), std::chrono::seconds(5), error);
  ASSERT_NE(context, nullptr) << error;
  // Another process migrating: this one's connection waits (is not used).
  redis({"SET", keys_.index_migration_lock(), "another process", "PX", "60000"});
  EXPECT_FALSE(migration.ensure_current(context));
  EXPECT_GT(redis({"ZCOUNT", keys_.index_all(), "0", "0"}).integer, 0) << "nothing done";
  redis({"DEL", keys_.index_migration_lock()});
  EXPECT_TRUE(migration.ensure_current(context));
  EXPECT_EQ(redis({"EXISTS", keys_.index_migration_lock()}).integer, 0) << "the lock is let go";
  expect_indexes_of_the_model();

  // Once done, a connection's check is one GET: nothing is scanned again.
  long long scanned = scans();
  EXPECT_GT(scanned, 0);
  EXPECT_TRUE(migration.ensure_current(context));
  EXPECT_EQ(scans(), scanned);
  redisFree(context);
}

TEST_F(IndexExactnessTest, SixteenDigitMembersOfTheLastVersionAreMigratedAtConnection) {
  random_writes();
  if (HasFatalFailure()) return;
  // The data set as 663bab7 left it: the same scores, each member on sixteen
  // decimal digits (its code: earlier_index_member), no form marked.
  std::size_t entries = 0;
  for (const auto& key : stored_index_keys()) {
    auto found = redis({"ZRANGE", key, "0", "-1", "WITHSCORES"}).elements;
    for (std::size_t i = 0; i + 1 < found.size(); i += 2) {
      auto id = id_of_member(found[i].str);
      ASSERT_TRUE(id) << found[i].str;
      redis({"ZREM", key, found[i].str});
      redis({"ZADD", key, found[i + 1].str, earlier_index_member(*id)});
      ++entries;
    }
  }
  ASSERT_GT(entries, 5000u);
  redis({"DEL", keys_.index_form()});
  // A hash damaged after its entries were written: they are left over.
  Incident damaged = random_incident();
  const Id damaged_id = 9'999'997;
  const std::string stray = earlier_index_member(damaged_id);
  redis({"ZADD", keys_.index_all(), index_entry(damaged).score, stray});
  redis({"ZADD", keys_.index_status(damaged.status), index_entry(damaged).score, stray});
  redis({"HSET", keys_.incident(damaged_id), "name", "a hash that does not decode"});

  IndexMigration migration(keys_);
  std::string error;
  redisContext* context = connect_redis(server_->endpoint(), std::chrono::seconds(5), error);
  ASSERT_NE(context, nullptr) << error;
  EXPECT_TRUE(migration.ensure_current(context));
  EXPECT_EQ(redis({"GET", keys_.index_form()}).str, "score+hex14");
  expect_indexes_of_the_model();
  long long scanned = scans();
  EXPECT_TRUE(migration.ensure_current(context));
  EXPECT_EQ(scans(), scanned) << "migrated once";
  redisFree(context);
}

TEST_F(IndexExactnessTest, AMemberOfAnotherFormIsNotListedNorFailsTheList) {
  random_writes();
  if (HasFatalFailure()) return;
  // Left by damage (or an earlier version still writing), first in every
  // status key and every status x severity key: members of other forms, one
  // with a space (a scan's cursor may stop on it).
  const std::vector<Status> statuses{Status::active, Status::investigating, Status::stable,
                                     Status::resolved};
  const std::vector<Severity> severities{Severity::critical, Severity::high, Severity::moderate,
                                         Severity::low, Severity::minor};
  auto add_junk = [&](const std::string& key) {
    for (const char* junk : {"9007199254740001", "not a member", "zzzzzzzzzzzzzz"})
      redis({"ZADD", key, "1", junk});
  };
  for (Status status : statuses) {
    add_junk(keys_.index_status(status));
    for (Severity severity : severities)
      add_junk(keys_.index_pair("status", std::string(to_string(status)), "severity",
                                std::string(to_string(severity))));
  }
  for (int i = 0; i < 40; ++i) {
    // Two statuses: several keys, scanned (one, read by the page script, when
    // the same status is drawn twice); with a severity, paired keys.
    IncidentFilter filter;
    Status first = statuses[dice(4)], second = statuses[dice(4)];
    filter.statuses = {first};
    if (second != first) filter.statuses.push_back(second);
    if (i % 2) filter.severities = {severities[dice(5)]};
    std::int64_t total = 0;
    // From 4 a page: never all junk (3 entries), which a walk stops at.
    EXPECT_EQ(stored_walk(filter, 4 + dice(27), total), model_page(filter)) << i;
  }
}

TEST_F(IndexExactnessTest, ADataSetWithoutIncidentsIsMarkedCurrentWithoutAScan) {
  redis({"FLUSHALL"});
  IndexMigration migration(keys_);
  std::string error;
  redisContext* context = connect_redis(server_->endpoint(), std::chrono::seconds(5), error);
  ASSERT_NE(context, nullptr) << error;
  long long scanned = scans();
  EXPECT_TRUE(migration.ensure_current(context));
  EXPECT_EQ(redis({"GET", keys_.index_form()}).str, "score+hex14");
  EXPECT_EQ(scans(), scanned);
  // Incidents, but no form marked (an earlier version's data): migrated.
  redis({"DEL", keys_.index_form()});
  redis({"SET", keys_.incident_next_id(), "100"});
  EXPECT_TRUE(migration.ensure_current(context));
  EXPECT_GT(scans(), scanned);
  EXPECT_EQ(redis({"GET", keys_.index_form()}).str, "score+hex14");
  redisFree(context);
}

}  // namespace
}  // namespace incident::testing
