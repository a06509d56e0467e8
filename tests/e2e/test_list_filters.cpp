// End-to-end: filters of GET /api/incident over 1,000 incidents: each filter
// alone, combined, repeated, the bounds of the date filters, invalid values,
// and page walks that neither overlap nor skip, in the specified order, also
// while another client keeps updating incidents.
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

constexpr int kIncidents = 1000;
const char* kStatuses[] = {"active", "investigating", "stable", "resolved"};
const char* kSeverities[] = {"critical", "high", "moderate", "low", "minor"};

/// 2025-01-01T00:00 plus `minutes`, as the API writes dates.
std::string start_date(int minutes) {
  int day = minutes / 1440, hour = minutes % 1440 / 60, minute = minutes % 60;
  char text[32];
  std::snprintf(text, sizeof text, "2025-01-%02dT%02d:%02d", 1 + day, hour, minute);
  return text;
}

using Predicate = std::function<bool(const json&)>;

class ListFilterTest : public E2eTest {
 protected:
  static void SetUpTestSuite() {
    E2eTest::SetUpTestSuite();
    if (!scopes_.empty()) return;
    for (int i = 0; i < 3; ++i) {
      scopes_.push_back(id_of(create_catalog(api(), admin_token(), "scope")));
      services_.push_back(id_of(create_catalog(api(), admin_token(), "service")));
    }
    // Many incidents share a start date, so the order's later keys matter.
    for (int i = 0; i < kIncidents; ++i) {
      Fields fields =
          merged(incident_fields(scopes_[i % 3], services_[i / 3 % 3]),
                 {{"severity", kSeverities[i % 5]}, {"start_impact_date", start_date(i / 4 * 11)}});
      if (i % 2 == 0) fields.push_back({"external_reference", "REF-" + std::to_string(i % 10)});
      json created = create_incident(api(), admin_token(), fields);
      int status = i / 7 % 4;
      if (status == 0) continue;
      Response updated =
          api().post_form(incident_path(id_of(created)) + "/update",
                          update_fields(created, {{"status", kStatuses[status]}}), admin_token());
      ASSERT_LT(updated.status, 400) << updated.describe();
    }
  }

  /// Every incident, as the unfiltered list shows it.
  static std::vector<json> everything() {
    ListWalk walk = walk_list(api(), "/api/incident", admin_token(), 50);
    EXPECT_TRUE(walk.ok);
    return walk.items;
  }

  static std::vector<long long> ids(const std::vector<json>& items) {
    std::vector<long long> out;
    for (const auto& item : items) out.push_back(item["id"].get<long long>());
    return out;
  }

  /// The filtered walk equals the unfiltered list filtered by `expected`.
  static void expect_filter(const std::string& query, const Predicate& expected,
                            int per_page = 50) {
    std::vector<json> model;
    for (const auto& item : everything())
      if (expected(item)) model.push_back(item);
    ListWalk walk = walk_list(api(), "/api/incident?" + query, admin_token(), per_page);
    ASSERT_TRUE(walk.ok) << query;
    EXPECT_EQ(walk.total, static_cast<long long>(model.size())) << query;
    EXPECT_EQ(ids(walk.items), ids(model)) << query;
  }

  static Response get(const std::string& query) {
    return api().get("/api/incident?" + query, admin_token());
  }

  static std::vector<long long> scopes_;
  static std::vector<long long> services_;
};

std::vector<long long> ListFilterTest::scopes_;
std::vector<long long> ListFilterTest::services_;

Predicate field_is(const std::string& name, const json& value) {
  return [=](const json& item) { return item[name] == value; };
}

TEST_F(ListFilterTest, EveryStatusAlone) {
  for (const char* status : kStatuses)
    expect_filter(std::string("status=") + status, field_is("status", status));
}

TEST_F(ListFilterTest, EverySeverityAlone) {
  for (const char* severity : kSeverities)
    expect_filter(std::string("severity=") + severity, field_is("severity", severity));
}

TEST_F(ListFilterTest, ScopeServiceAndExternalReferenceAlone) {
  expect_filter("scope=" + std::to_string(scopes_[1]), field_is("scope", scopes_[1]));
  expect_filter("service=" + std::to_string(services_[2]), field_is("service", services_[2]));
  expect_filter("external_reference=REF-4", field_is("external_reference", "REF-4"));
  expect_filter("external_reference=NOT-THERE", [](const json&) { return false; });
}

TEST_F(ListFilterTest, RepeatedValuesAreOred) {
  expect_filter("status=active&status=resolved", [](const json& item) {
    return item["status"] == "active" || item["status"] == "resolved";
  });
  expect_filter(
      "scope=" + std::to_string(scopes_[0]) + "&scope=" + std::to_string(scopes_[2]),
      [](const json& item) { return item["scope"] == scopes_[0] || item["scope"] == scopes_[2]; });
  expect_filter("severity=low&severity=low", field_is("severity", "low"));
}

TEST_F(ListFilterTest, DifferentFiltersAreAnded) {
  std::string scope = std::to_string(scopes_[0]), service = std::to_string(services_[1]);
  expect_filter("scope=" + scope + "&status=resolved", [&](const json& item) {
    return item["scope"] == scopes_[0] && item["status"] == "resolved";
  });
  expect_filter("severity=critical&severity=minor&status=active&status=stable&service=" + service,
                [&](const json& item) {
                  return (item["severity"] == "critical" || item["severity"] == "minor") &&
                         (item["status"] == "active" || item["status"] == "stable") &&
                         item["service"] == services_[1];
                });
  expect_filter(
      "scope=" + scope + "&service=" + service + "&severity=high&external_reference=REF-2",
      [&](const json& item) {
        return item["scope"] == scopes_[0] && item["service"] == services_[1] &&
               item["severity"] == "high" && item["external_reference"] == "REF-2";
      });
}

TEST_F(ListFilterTest, ImpactAfterIsInclusiveAndImpactBeforeStrict) {
  std::string bound = start_date(55 * 11);  // a start date four incidents share
  expect_filter("impact_after=" + bound,
                [&](const json& item) { return item["start_impact_date"] >= bound; });
  expect_filter("impact_before=" + bound,
                [&](const json& item) { return item["start_impact_date"] < bound; });
  std::string spaced = bound;
  spaced[10] = ' ';
  expect_filter("impact_after=" + spaced.substr(0, 10) + "%20" + spaced.substr(11),
                [&](const json& item) { return item["start_impact_date"] >= bound; });
  std::string upper = start_date(90 * 11);
  expect_filter("impact_after=" + bound + "&impact_before=" + upper + "&status=stable",
                [&](const json& item) {
                  return item["start_impact_date"] >= bound && item["start_impact_date"] < upper &&
                         item["status"] == "stable";
                });
  expect_filter("impact_after=" + upper + "&impact_before=" + bound,
                [](const json&) { return false; });
  Response exact = get("impact_after=" + bound + "&impact_before=" + start_date(55 * 11 + 1));
  ASSERT_EQ(exact.status, 200) << exact.describe();
  EXPECT_EQ(exact.header_or_empty("x-total"), "4");
}

TEST_F(ListFilterTest, InvalidValuesAre400NamingTheFilter) {
  for (const auto& [query, name] : std::vector<std::pair<std::string, std::string>>{
           {"status=open", "status"},
           {"status=active&status=nope", "status"},
           {"severity=urgent", "severity"},
           {"scope=abc", "scope"},
           {"scope=0", "scope"},
           {"service=-2", "service"},
           {"external_reference=", "external_reference"},
           {"impact_after=tomorrow", "impact_after"},
           {"impact_before=2025-13-01T00:00", "impact_before"},
           {"status=%FF", "status"}}) {
    Response response = get(query);
    EXPECT_EQ(response.status, 400) << query;
    EXPECT_TRUE(names_field(response.json(), name)) << query << ": " << response.body;
  }
  std::string many = "status=active";
  for (int i = 1; i <= 51; ++i) many += "&scope=" + std::to_string(i);
  Response response = get(many);
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(names_field(response.json(), "scope")) << response.body;
  EXPECT_EQ(get("status=active&colour=blue").status, 200) << "unknown parameters are ignored";
}

TEST_F(ListFilterTest, LinksToOtherPagesKeepTheFilters) {
  Response response = get("status=resolved&scope=" + std::to_string(scopes_[0]) + "&per_page=5");
  ASSERT_EQ(response.status, 200) << response.describe();
  std::string link = response.header_or_empty("Link");
  EXPECT_NE(link.find("?status=resolved&scope=" + std::to_string(scopes_[0]) +
                      "&page=2&per_page=5>; rel=\"next\""),
            std::string::npos)
      << link;
}

/// The list order: start_impact_date descending, then status, then severity
/// (enum order), then id descending.
bool in_list_order(const json& a, const json& b) {
  auto rank = [](const json& item) {
    auto index = [](const char* const* names, int count, const std::string& name) {
      return static_cast<int>(std::find(names, names + count, name) - names);
    };
    return std::make_tuple(item["start_impact_date"].get<std::string>(),
                           -index(kStatuses, 4, item["status"]),
                           -index(kSeverities, 5, item["severity"]), item["id"].get<long long>());
  };
  return rank(a) > rank(b);
}

TEST_F(ListFilterTest, WalksOfEveryPageSizeNeitherOverlapNorSkipInTheSpecifiedOrder) {
  std::vector<json> all = everything();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kIncidents));
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), in_list_order));
  for (int per_page : {1, 7, 20, 33, 50}) {
    ListWalk walk = walk_list(api(), "/api/incident", admin_token(), per_page);
    ASSERT_TRUE(walk.ok);
    EXPECT_EQ(walk.total, kIncidents);
    EXPECT_EQ(walk.total_pages, (kIncidents + per_page - 1) / per_page);
    EXPECT_EQ(ids(walk.items), ids(all)) << "per_page " << per_page;
  }
  expect_filter(
      "status=resolved&status=active",
      [](const json& item) { return item["status"] == "resolved" || item["status"] == "active"; },
      13);
}

TEST_F(ListFilterTest, WalksStayWellFormedWhileAnotherClientUpdates) {
  std::vector<json> all = everything();
  std::atomic<bool> stop{false};
  std::atomic<int> updates{0};
  std::thread writer([&] {
    for (std::size_t i = 0; !stop; i = (i + 37) % all.size()) {
      const char* status = kStatuses[updates % 4];
      json current = fetch_incident(api(), all[i]["id"].get<long long>(), admin_token());
      if (!current.is_object()) continue;
      Response response = api().post_form(
          incident_path(all[i]["id"].get<long long>()) + "/update",
          update_fields(current, {{"severity", kSeverities[updates % 5]}, {"status", status}}),
          admin_token());
      if (response.status < 400) ++updates;
    }
  });
  for (int round = 0; round < 3; ++round) {
    for (const std::string query : {"", "status=resolved", "severity=high&status=active"}) {
      for (int page = 1; page <= 60; ++page) {
        Response response = get(query + "&per_page=20&page=" + std::to_string(page));
        ASSERT_EQ(response.status, 200) << response.describe();
        json body = response.json();
        ASSERT_TRUE(body.is_object() && body["items"].is_array()) << response.body;
        EXPECT_LE(body["items"].size(), 20u);
        for (const auto& item : body["items"])
          EXPECT_TRUE(item.contains("id") && item.contains("status"));
        if (body["items"].empty()) break;
      }
    }
  }
  stop = true;
  writer.join();
  EXPECT_GT(updates.load(), 0);
  EXPECT_EQ(everything().size(), static_cast<std::size_t>(kIncidents));
}

}  // namespace
}  // namespace e2e
