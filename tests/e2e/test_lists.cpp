// End-to-end: GET /api/incident pages: items, x-* headers, Link, per_page=0
// for counting, parameter validation and a total order that never overlaps.
#include <algorithm>
#include <set>
#include <tuple>

#include "e2e_test.hpp"
#include "server_process.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class ListTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    // Enough incidents for several pages of three, whatever ran before.
    for (int i = 0; i < 7; ++i) new_incident();
  }

  static long long total() {
    return std::stoll("0" + api().get("/api/incident?per_page=0").header_or_empty("x-total"));
  }
};

TEST_F(ListTest, TheFirstPageHasItemsAndEveryPaginationHeader) {
  Response response = api().get("/api/incident");
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.is_json());
  ASSERT_TRUE(response.json()["items"].is_array()) << response.body;
  EXPECT_LE(response.json()["items"].size(), 20u);
  EXPECT_EQ(response.header_or_empty("x-page"), "1");
  EXPECT_EQ(response.header_or_empty("x-per-page"), "20");
  EXPECT_EQ(response.header_or_empty("x-prev-page"), "None");
  for (const char* header : {"x-total", "x-total-pages", "x-next-page", "Link"})
    EXPECT_TRUE(response.header(header).has_value()) << header << " missing";
}

TEST_F(ListTest, PerPageZeroAnswersNoItemsButTheTotal) {
  Response response = api().get("/api/incident?per_page=0");
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["items"], json::array());
  EXPECT_EQ(response.header_or_empty("x-per-page"), "0");
  ListWalk walk = walk_list(api(), "/api/incident", admin_token(), 50);
  ASSERT_TRUE(walk.ok);
  EXPECT_EQ(response.header_or_empty("x-total"), std::to_string(walk.items.size()));
}

TEST_F(ListTest, CreatingAnIncidentRaisesTheTotalByOneAndDeletingLowersIt) {
  long long before = total();
  long long id = new_incident()["id"];
  EXPECT_EQ(total(), before + 1);
  api().post_form(incident_path(id) + "/delete", {}, admin_token());
  EXPECT_EQ(total(), before);
}

TEST_F(ListTest, PagesNeitherOverlapNorSkip) {
  ListWalk walk = walk_list(api(), "/api/incident", admin_token(), 3);
  ASSERT_TRUE(walk.ok);
  std::set<long long> ids;
  for (const auto& item : walk.items) ids.insert(item["id"].get<long long>());
  EXPECT_EQ(ids.size(), walk.items.size()) << "an incident was listed twice";
  EXPECT_EQ(static_cast<long long>(ids.size()), walk.total);
  EXPECT_EQ(walk.total_pages, (walk.total + 2) / 3);
}

TEST_F(ListTest, AMiddlePageNamesItsNeighbours) {
  Response response = api().get("/api/incident?per_page=2&page=2");
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["items"].size(), 2u);
  EXPECT_EQ(response.header_or_empty("x-page"), "2");
  EXPECT_EQ(response.header_or_empty("x-prev-page"), "1");
  EXPECT_EQ(response.header_or_empty("x-next-page"), "3");
}

TEST_F(ListTest, TheLastPageHasNoNextPage) {
  std::string pages = api().get("/api/incident?per_page=3").header_or_empty("x-total-pages");
  Response response = api().get("/api/incident?per_page=3&page=" + pages);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.header_or_empty("x-next-page"), "None");
  EXPECT_FALSE(response.json()["items"].empty());
}

TEST_F(ListTest, TheLinkHeaderPointsToTheNextAndPreviousPages) {
  std::string link = api().get("/api/incident?per_page=2&page=2").header_or_empty("Link");
  EXPECT_NE(link.find("rel=\"next\""), std::string::npos) << link;
  EXPECT_NE(link.find("rel=\"prev\""), std::string::npos) << link;
  EXPECT_NE(link.find("page=3"), std::string::npos) << link;
  EXPECT_NE(link.find("/api/incident?"), std::string::npos) << link;
}

TEST_F(ListTest, APageBeyondTheLastIsEmpty) {
  Response response = api().get("/api/incident?page=9999");
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["items"], json::array());
  EXPECT_EQ(response.header_or_empty("x-total"), std::to_string(total()));
}

TEST_F(ListTest, FiftyPerPageIsAllowed) {
  Response response = api().get("/api/incident?per_page=50");
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.header_or_empty("x-per-page"), "50");
}

TEST_F(ListTest, ListedIncidentsHaveTheIncidentShape) {
  long long id = new_incident()["id"];
  json listed = find_in_list(api(), id, admin_token());
  EXPECT_EQ(listed, admin_view(id));
}

/// The sort key of the contract: newest impact, then status, then severity, then newest id.
std::tuple<std::string, int, int, long long> order_key(const json& item) {
  static const std::vector<std::string> statuses = {"active", "investigating", "stable",
                                                    "resolved"};
  static const std::vector<std::string> severities = {"critical", "high", "moderate", "low",
                                                      "minor"};
  auto rank = [](const std::vector<std::string>& order, const std::string& value) {
    return static_cast<int>(std::find(order.begin(), order.end(), value) - order.begin());
  };
  return {item["start_impact_date"], -rank(statuses, item["status"]),
          -rank(severities, item["severity"]), item["id"]};
}

TEST_F(ListTest, EveryPageFollowsTheContractOrder) {
  ListWalk walk = walk_list(api(), "/api/incident", admin_token(), 4);
  ASSERT_TRUE(walk.ok);
  for (std::size_t i = 1; i < walk.items.size(); ++i)
    EXPECT_GT(order_key(walk.items[i - 1]), order_key(walk.items[i]))
        << walk.items[i - 1].dump() << "\nlisted before\n"
        << walk.items[i].dump();
}

TEST_F(ListTest, TiesOnImpactDateGoActiveFirstThenCriticalFirstThenNewestFirst) {
  Fields same_start = {{"start_impact_date", "2001-02-03T04:05"}};
  long long minor = new_incident(merged(same_start, {{"severity", "minor"}}))["id"];
  json investigating = new_incident(merged(same_start, {{"severity", "critical"}}));
  long long older_critical = new_incident(merged(same_start, {{"severity", "critical"}}))["id"];
  long long newer_critical = new_incident(merged(same_start, {{"severity", "critical"}}))["id"];
  api().post_form(incident_path(investigating["id"]) + "/update",
                  update_fields(investigating, {{"status", "investigating"}}), admin_token());
  std::vector<long long> order;
  for (const auto& item : walk_list(api(), "/api/incident", admin_token(), 50).items) {
    if (item["start_impact_date"] == "2001-02-03T04:05") order.push_back(item["id"]);
  }
  std::vector<long long> expected = {newer_critical, older_critical, minor,
                                     investigating["id"].get<long long>()};
  EXPECT_EQ(order, expected);
}

/// A query parameter, a bad value for it.
using BadParameter = std::pair<std::string, std::string>;
class BadPaginationTest : public E2eParamTest<BadParameter> {};

TEST_P(BadPaginationTest, AnInvalidValueIs400NamingTheParameter) {
  auto [parameter, value] = GetParam();
  Response response = api().get("/api/incident?" + parameter + "=" + value);
  EXPECT_EQ(response.status, 400) << parameter << "=" << value << ": " << response.describe();
  EXPECT_TRUE(names_field(response.json(), parameter)) << response.body;
}

INSTANTIATE_TEST_SUITE_P(
    Values, BadPaginationTest,
    ::testing::Values(BadParameter{"per_page", "abc"}, BadParameter{"per_page", "-1"},
                      BadParameter{"per_page", "51"}, BadParameter{"per_page", "1.5"},
                      BadParameter{"page", "abc"}, BadParameter{"page", "0"},
                      BadParameter{"page", "-1"}, BadParameter{"page", "10000001"}));

TEST(ListBudgetTest, AListCostlierThanTheBudgetIs400SayingWhyAndACheaperOneIsServed) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = "list-budget-secret";
  options.extra_args = {"--list-budget", "100"};
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient client(server.client());
  std::string token = issue_token(client, TokenRequest("list-budget-secret"));
  long long scope = id_of(create_catalog(client, token, "scope"));
  long long service = id_of(create_catalog(client, token, "service"));
  for (int i = 0; i < 60; ++i)
    create_incident(
        client, token,
        merged(incident_fields(scope, service), {{"severity", i % 2 ? "high" : "low"}}));
  // status and scope read one paired index; severity is a second group: 60 x 2 > 100.
  std::string costly =
      "/api/incident?status=active&scope=" + std::to_string(scope) + "&severity=high&severity=low";
  Response refused = client.get(costly);
  EXPECT_EQ(refused.status, 400) << refused.describe();
  ASSERT_TRUE(names_field(refused.json(), "query")) << refused.body;
  EXPECT_NE(reasons_for(refused.json(), "query")[0].find("impact_after"), std::string::npos);
  Response cheap = client.get("/api/incident?status=active&scope=" + std::to_string(scope));
  EXPECT_EQ(cheap.status, 200) << cheap.describe();
  EXPECT_EQ(cheap.header_or_empty("x-total"), "60");
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace e2e
