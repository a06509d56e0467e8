// List pages filled from kept renderings against a real redis-server: items
// come from the renderings at the very version the index holds, only the
// misses are loaded, a change shows at once, and an item that vanishes or
// goes back between the page's read and its load sends the page to be read
// again instead of answering it.
#include <algorithm>
#include <atomic>

#include "domain/lifecycle.hpp"
#include "http/render_cache.hpp"
#include "storage/incident_codec.hpp"
#include "storage/page_fill.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

const std::string kBase = "http://127.0.0.1:9";

class PageFillTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    create_scope_and_service();
  }

  /// Renders for `audience` through `cache`, counting what it renders, and
  /// runs `before_lookup` (once) when the page's ids are in.
  PageRenderer renderer(Audience audience) {
    PageRenderer out;
    out.cached = [this, audience](const IncidentRef& item) {
      if (before_lookup) std::exchange(before_lookup, nullptr)();
      ++lookups;
      return cache.find(item.id, item.version, audience, kBase);
    };
    out.render = [this, audience](const Incident& incident) {
      ++renders;
      auto json =
          std::make_shared<const std::string>(incident_json_text(incident, kBase, audience));
      cache.put(incident.id, incident.version, audience, kBase, json, cache.generation());
      return json;
    };
    return out;
  }

  RenderedPage fill(const IncidentFilter& filter = {}, Audience audience = Audience::anonymous,
                    PageRequest page = {1, 20}) {
    auto result = await_result<Result<RenderedPage>>(
        [&](auto done) { fill_page(*incidents_, page, filter, renderer(audience), done); });
    EXPECT_TRUE(result.ok());
    return result.ok() ? *result : RenderedPage{};
  }

  /// What a GET would answer for the incident as stored now.
  std::string fresh(Id id, Audience audience = Audience::anonymous) {
    auto stored = load(id);
    EXPECT_TRUE(stored);
    return stored ? incident_json_text(*stored, kBase, audience) : "";
  }

  Incident comment(const Incident& current, const std::string& text, bool internal) {
    Incident next =
        add_comment(current, CommentRequest{text, internal}, parse_date_or_die("2026-11-27T10:40"));
    auto result =
        commit({"incident.commented", current, next, next.events.front(), {}, std::nullopt});
    EXPECT_TRUE(result.ok());
    return next;
  }

  RenderCache cache{1 << 20};
  std::atomic<int> renders{0};
  std::atomic<int> lookups{0};
  std::function<void()> before_lookup;
};

TEST_F(PageFillTest, RendersOnlyWhatIsNotKeptAtItsVersion) {
  Incident a = create("a"), b = create("b"), c = create("c");
  RenderedPage first = fill();
  EXPECT_EQ(first.total, 3);
  ASSERT_EQ(first.items.size(), 3u);
  EXPECT_EQ(renders.load(), 3);
  RenderedPage second = fill();
  EXPECT_EQ(renders.load(), 3);  // every item kept at its version
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(*second.items[i], *first.items[i]);

  comment(b, "still down", false);
  RenderedPage third = fill();
  EXPECT_EQ(renders.load(), 4);  // only the changed one
  ASSERT_EQ(third.items.size(), 3u);
  // Each item is byte for byte what a GET of it answers now.
  std::vector<std::string> expected;
  for (const auto& item : third.items) expected.push_back(*item);
  std::vector<std::string> gets{fresh(a.id), fresh(b.id), fresh(c.id)};
  std::sort(expected.begin(), expected.end());
  std::sort(gets.begin(), gets.end());
  EXPECT_EQ(expected, gets);
}

TEST_F(PageFillTest, ThePageIsReadAgainOnlyWhenTheChangeStreamMoved) {
  Incident a = create("a");
  create("b");
  ASSERT_EQ(fill().items.size(), 2u);
  // A version written behind the server's back (no commit: no stream entry)
  // is not seen: the page's ids and versions are those read before.
  redis({"HSET", keys_.incident(a.id), "version", "9"});
  for (const auto& item : fill().items)
    EXPECT_EQ(item->find("\"version\":9"), std::string::npos) << *item;
  // Every commit appends to the stream: once it moved, the page is read again.
  redis({"XADD", keys_.change_stream(), "*", "data", "{}"});
  RenderedPage page = fill();
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(std::count_if(
                page.items.begin(), page.items.end(),
                [](const auto& item) { return item->find("\"version\":9") != std::string::npos; }),
            1);
}

TEST_F(PageFillTest, AnEmptyOrTrimmedStreamNeverMakesAnOldPageLookCurrent) {
  Incident a = create("a");
  redis({"DEL", keys_.change_stream()});  // no stream: never "the same"
  ASSERT_EQ(fill().items.size(), 1u);
  redis({"HSET", keys_.incident(a.id), "version", "9"});
  EXPECT_NE(fill().items.at(0)->find("\"version\":9"), std::string::npos);
  // A commit's entry, trimmed away with every other one (by age): the stream
  // is empty again, but its last generated id moved, and stays moved.
  redis({"XADD", keys_.change_stream(), "*", "data", "{}"});
  redis({"XTRIM", keys_.change_stream(), "MAXLEN", "0"});
  redis({"HSET", keys_.incident(a.id), "version", "10"});
  EXPECT_NE(fill().items.at(0)->find("\"version\":10"), std::string::npos);
  redis({"HSET", keys_.incident(a.id), "version", "11"});  // no commit: no stream entry
  EXPECT_NE(fill().items.at(0)->find("\"version\":10"), std::string::npos);
  redis({"XADD", keys_.change_stream(), "*", "data", "{}"});
  redis({"XTRIM", keys_.change_stream(), "MAXLEN", "0"});
  EXPECT_NE(fill().items.at(0)->find("\"version\":11"), std::string::npos);
}

TEST_F(PageFillTest, AudiencesNeverShareARendering) {
  Incident a = create("a");
  comment(a, "internal detail", true);
  RenderedPage holder = fill({}, Audience::token_holder);
  RenderedPage anonymous = fill({}, Audience::anonymous);
  ASSERT_EQ(holder.items.size(), 1u);
  ASSERT_EQ(anonymous.items.size(), 1u);
  EXPECT_NE(holder.items[0]->find("internal detail"), std::string::npos);
  EXPECT_EQ(anonymous.items[0]->find("internal detail"), std::string::npos);
  EXPECT_EQ(*anonymous.items[0], fresh(a.id, Audience::anonymous));
}

TEST_F(PageFillTest, AnItemDeletedBeforeItsLoadSendsThePageToBeReadAgain) {
  create("a");
  Incident b = create("b");
  create("c");
  fill();  // a and c kept: only b will be loaded
  cache.forget_before(b.id, b.version + 1);
  int lookups_before = lookups.load();
  // Between the page's ids and the load of b, b goes (its hash and its index
  // entries, as the delete script does).
  before_lookup = [&] {
    for (const auto& key : {keys_.incident(b.id), keys_.events(b.id)}) redis({"DEL", key});
    redis({"ZREM", keys_.index_all(), index_entry(b).member});
  };
  RenderedPage page = fill();
  EXPECT_EQ(page.total, 2);  // read again: one state, without b
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(lookups.load() - lookups_before, 3 + 2);
  for (const auto& item : page.items)
    EXPECT_EQ(item->find("\"id\":" + std::to_string(b.id) + ","), std::string::npos);
}

TEST_F(PageFillTest, AnItemOlderAtItsLoadThanInThePageIsNeverShownOld) {
  Incident a = create("a");
  // The page reads version 5; before the load the hash says 1 again (what a
  // failover that lost writes looks like): the page is read again, and shows
  // the version that read holds.
  redis({"HSET", keys_.incident(a.id), "version", "5"});
  before_lookup = [&] { redis({"HSET", keys_.incident(a.id), "version", "1"}); };
  RenderedPage page = fill();
  EXPECT_EQ(lookups.load(), 2);
  EXPECT_EQ(renders.load(), 1);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_NE(page.items[0]->find("\"version\":1"), std::string::npos) << *page.items[0];
}

TEST_F(PageFillTest, FiltersThatReadSeveralKeysAreFilledTheSameWay) {
  create("a", Severity::high);
  create("b", Severity::low);
  create("c", Severity::critical);
  IncidentFilter filter;
  filter.severities = {Severity::high, Severity::low};
  RenderedPage first = fill(filter);
  EXPECT_EQ(first.total, 2);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(renders.load(), 2);
  RenderedPage second = fill(filter);
  EXPECT_EQ(renders.load(), 2);
  EXPECT_EQ(*second.items[0], *first.items[0]);
  EXPECT_EQ(*second.items[1], *first.items[1]);
}

TEST_F(PageFillTest, ReadsAgainOnlyWithinTheListBudget) {
  for (int i = 0; i < 15; ++i) {
    for (Severity severity : {Severity::high, Severity::low}) {
      Incident created = create("i" + std::to_string(i), severity);
      redis({"HSET", keys_.incident(created.id), "version", "50"});
    }
  }
  IncidentFilter filter;
  filter.severities = {Severity::high, Severity::low};
  // Nothing kept, and before each read's loads its first item goes back a
  // version (as a failover that lost a write leaves it): every read loads
  // all 20 of its items and finds one older than the page said.
  int reads = 0, calls = 0;
  PageRenderer renderer;
  renderer.cached = [&](const IncidentRef& item) -> std::shared_ptr<const std::string> {
    if (calls++ % 20 == 0) {
      ++reads;
      redis({"HSET", keys_.incident(item.id), "version", std::to_string(item.version - 1)});
    }
    return nullptr;
  };
  renderer.render = [](const Incident& incident) {
    return std::make_shared<const std::string>(std::to_string(incident.id));
  };
  auto fill_under = [&](std::int64_t budget) {
    reads = calls = 0;
    incidents_->set_list_budget(budget);
    auto result = await_result<Result<RenderedPage>>([&](auto done) {
      fill_page(*incidents_, {1, 20}, filter, renderer, done);
    });
    EXPECT_TRUE(result.ok());
    // Whichever read answers, its item gone back is left out, never a 400.
    if (result.ok()) {
      EXPECT_EQ(result->items.size(), 19u);
      EXPECT_EQ(result->total, 30);
    }
    return reads;
  };
  // Each read of two keys of 15 or fewer entries is judged to examine their
  // count, at most 30: a second read only fits in twice that.
  EXPECT_EQ(fill_under(30), 1);
  EXPECT_EQ(fill_under(59), 1);
  EXPECT_EQ(fill_under(60), 2);
  EXPECT_EQ(fill_under(1000), kPageFillAttempts);
}

TEST_F(PageFillTest, PagesBeyondTheEndAndEmptyPagesLoadNothing) {
  create("a");
  RenderedPage beyond = fill({}, Audience::anonymous, {3, 20});
  EXPECT_EQ(beyond.total, 1);
  EXPECT_TRUE(beyond.items.empty());
  RenderedPage headers_only = fill({}, Audience::anonymous, {1, 0});
  EXPECT_EQ(headers_only.total, 1);
  EXPECT_TRUE(headers_only.items.empty());
  EXPECT_EQ(renders.load(), 0);
}

}  // namespace
}  // namespace incident::testing
