// End-to-end: what ProdManager's Python client does with `requests`: form POSTs
// whose 302 it follows with a GET, updates that post back every attribute it
// read (links and events included), lists paged by x-total-pages, counts by x-total.
#include "e2e_test.hpp"
#include "python_requests.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class PythonClientTest : public E2eTest {
 protected:
  static PythonRequests client() { return PythonRequests(api().base_url(), admin_token()); }

  /// requests.post(create, data={...}) as the client does, landing on the incident.
  static json create_like_the_client() {
    json data = {{"scope", scope_id()},
                 {"service", service_id()},
                 {"name", unique_name("Python incident")},
                 {"severity", "high"},
                 {"description", "from python"},
                 {"external_link", nullptr}};
    PythonRequests::Result result = client().post("/api/incident/create", data);
    EXPECT_EQ(result.response.status, 200) << result.response.describe();
    return result.response.json();
  }

  /// GET, change some attributes, post the whole dict back; the landing page.
  static PythonRequests::Result post_back(long long id, const json& changes) {
    json incident = client().get(incident_path(id)).response.json();
    incident.update(changes);
    return client().post(incident_path(id) + "/update", incident);
  }
};

TEST_F(PythonClientTest, RequestsFormEncodesADictTheWayTheServerMustParse) {
  json data = {{"id", 7},
               {"links", {{"self", "http://h/a"}, {"scope", "http://h/s"}}},
               {"events", {{{"content", "c"}, {"type", "comment"}}}},
               {"resolve_date", nullptr},
               {"name", "\xC3\x89t\xC3\xA9 x"}};
  // Checked against python3 -c "requests.Request('POST', url, data=...).prepare().body".
  EXPECT_EQ(form_encode(requests_form_pairs(data)),
            "events=content&events=type&id=7&links=scope&links=self&name=%C3%89t%C3%A9+x");
}

TEST_F(PythonClientTest, CreatingFollowsTheRedirectAndLandsOnTheNewIncident) {
  json data = {{"scope", scope_id()},
               {"service", service_id()},
               {"name", unique_name("Python incident")},
               {"severity", "high"}};
  PythonRequests::Result result = client().post("/api/incident/create", data);
  ASSERT_EQ(result.history.size(), 1u) << result.response.describe();
  EXPECT_EQ(result.history[0].status, 302);
  ASSERT_EQ(result.response.status, 200) << result.response.describe();
  json incident = result.response.json();
  EXPECT_EQ(result.url, api().base_url() + incident_path(incident["id"].get<long long>()));
  EXPECT_EQ(incident["name"], data["name"]);
  EXPECT_EQ(incident["status"], "active");
}

TEST_F(PythonClientTest, PostingBackEverythingWithAChangedStatusChangesOnlyThat) {
  long long id = create_like_the_client()["id"];
  PythonRequests::Result result = post_back(id, {{"status", "investigating"}});
  ASSERT_EQ(result.response.status, 200) << result.response.describe();
  json incident = result.response.json();
  EXPECT_EQ(incident["status"], "investigating");
  EXPECT_TRUE(incident["investigation_date"].is_string());
  EXPECT_EQ(incident["version"], 2);
  json changes = json::parse(incident["events"][0].value("content", ""), nullptr, false);
  for (const auto& change : changes.items())
    EXPECT_TRUE(change.key() == "status" || change.key() == "investigation_date")
        << "posting back changed " << change.key() << ": " << changes.dump();
}

TEST_F(PythonClientTest, PostingBackAnUnchangedIncidentChangesNothing) {
  long long id = create_like_the_client()["id"];
  json before = admin_view(id);
  PythonRequests::Result result = post_back(id, json::object());
  ASSERT_EQ(result.response.status, 200) << result.response.describe();
  EXPECT_EQ(admin_view(id), before);
}

TEST_F(PythonClientTest, ReopeningByPostingBackTheOldDatesClearsThem) {
  long long id = create_like_the_client()["id"];
  ASSERT_EQ(post_back(id, {{"status", "resolved"}}).response.status, 200);
  json incident = post_back(id, {{"status", "active"}}).response.json();
  EXPECT_EQ(incident["status"], "active");
  for (const char* key : {"investigation_date", "stable_date", "resolve_date"})
    EXPECT_TRUE(incident[key].is_null()) << key << " in " << incident.dump();
}

TEST_F(PythonClientTest, PostingBackEventsAsPythonReprStringsIsIgnoredToo) {
  long long id = create_like_the_client()["id"];
  json incident = client().get(incident_path(id)).response.json();
  Fields pairs = requests_form_pairs(incident);
  pairs = without(pairs, "events");
  for (const auto& event : incident["events"]) pairs.emplace_back("events", python_str(event));
  pairs = merged(pairs, {{"severity", "low"}});
  PythonRequests::Result result = client().post_pairs(incident_path(id) + "/update", pairs);
  ASSERT_EQ(result.response.status, 200) << result.response.describe();
  EXPECT_EQ(result.response.json()["severity"], "low");
  EXPECT_EQ(result.response.json()["version"], 2);
}

TEST_F(PythonClientTest, CommentingFollowsTheRedirectToTheIncident) {
  long long id = create_like_the_client()["id"];
  PythonRequests::Result result =
      client().post(incident_path(id) + "/comment", {{"comment", "on it"}, {"internal", 1}});
  ASSERT_EQ(result.response.status, 200) << result.response.describe();
  EXPECT_EQ(result.response.json()["events"][0]["content"], "on it");
  EXPECT_EQ(result.response.json()["events"][0]["internal"], true);
}

TEST_F(PythonClientTest, ListingPagesThroughXTotalPagesAndFindsEveryIncident) {
  long long id = create_like_the_client()["id"];
  std::vector<json> items;
  long long pages = 1;
  for (long long page = 1; page <= pages; ++page) {
    Response response =
        client().get("/api/incident", {{"page", std::to_string(page)}, {"per_page", "5"}}).response;
    ASSERT_EQ(response.status, 200) << response.describe();
    pages = std::stoll(response.header_or_empty("x-total-pages"));
    json body = response.json();
    for (const auto& item : body["items"]) items.push_back(item);
  }
  long long total = std::stoll(
      client().get("/api/incident", {{"per_page", "0"}}).response.header_or_empty("x-total"));
  EXPECT_EQ(static_cast<long long>(items.size()), total);
  bool found = false;
  for (const auto& item : items) found = found || item["id"] == id;
  EXPECT_TRUE(found);
}

TEST_F(PythonClientTest, CountingWithPerPageZeroSeesANewIncident) {
  auto count = [] {
    Response response = client().get("/api/incident", {{"per_page", "0"}}).response;
    EXPECT_EQ(response.json()["items"], json::array());
    return std::stoll(response.header_or_empty("x-total"));
  };
  long long before = count();
  create_like_the_client();
  EXPECT_EQ(count(), before + 1);
}

TEST_F(PythonClientTest, DeletingFollowsTheRedirectToTheListAndTheIncidentIsGone) {
  long long id = create_like_the_client()["id"];
  PythonRequests::Result result = client().post(incident_path(id) + "/delete", json::object());
  ASSERT_EQ(result.history.size(), 1u);
  EXPECT_EQ(result.url, api().base_url() + "/api/incident");
  EXPECT_EQ(result.response.status, 200) << result.response.describe();
  EXPECT_TRUE(result.response.json()["items"].is_array());
  EXPECT_EQ(client().get(incident_path(id)).response.status, 404);
}

TEST_F(PythonClientTest, AWholeClientSessionReadsLikeTheScriptThatDrivesIt) {
  PythonRequests requests = client();
  // create -> land on the incident (302 followed with a GET)
  json incident = create_like_the_client();
  long long id = incident["id"];
  // read it again, then post it all back with a new status and severity
  json read = requests.get(incident_path(id)).response.json();
  read["status"] = "stable";
  read["severity"] = "critical";
  json updated = requests.post(incident_path(id) + "/update", read).response.json();
  EXPECT_EQ(updated["status"], "stable");
  EXPECT_EQ(updated["severity"], "critical");
  EXPECT_TRUE(updated["stable_date"].is_string());
  // comment, then count and delete
  json commented =
      requests.post(incident_path(id) + "/comment", {{"comment", "stable now"}}).response.json();
  EXPECT_EQ(commented["version"], 3);
  Response count = requests.get("/api/incident", {{"per_page", "0"}}).response;
  long long before = std::stoll(count.header_or_empty("x-total"));
  EXPECT_EQ(requests.post(incident_path(id) + "/delete", json::object()).response.status, 200);
  count = requests.get("/api/incident", {{"per_page", "0"}}).response;
  EXPECT_EQ(std::stoll(count.header_or_empty("x-total")), before - 1);
}

}  // namespace
}  // namespace e2e
