// End-to-end: health, unknown routes (404), wrong methods (405), ids that are
// not ids, and bytes no client should send: always JSON, never a crash.
#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;
using RoutesTest = E2eTest;

TEST_F(RoutesTest, HealthAnswersStatusOk) {
  Response response = api().get("/health");
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.is_json());
  EXPECT_EQ(response.json(), json({{"status", "ok"}}));
}

TEST_F(RoutesTest, HeadAnswersTheHeadersOfGetWithoutABody) {
  Response response = api().send("HEAD", "/health", {});
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.body.empty()) << response.describe();
  EXPECT_EQ(api().get("/health").status, 200);  // the connection's next answer is intact
}

TEST_F(RoutesTest, HealthVersionAnswersJson) {
  Response response = api().get("/health/version");
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.json().is_object()) << response.body;
}

TEST_F(RoutesTest, AnUnknownRouteIs404Json) {
  for (const char* target : {"/api/nope", "/nope", "/api/incident/1/explode", "/api/docs/x.js"}) {
    Response response = api().get(target, admin_token());
    EXPECT_EQ(response.status, 404) << target << ": " << response.describe();
    EXPECT_TRUE(response.is_json()) << target;
    EXPECT_TRUE(response.json().contains("message")) << target << ": " << response.body;
  }
}

TEST_F(RoutesTest, TheApiRootIsTheDocsPageForABrowserAndTheDocumentOtherwise) {
  Response document = api().get("/api");
  EXPECT_EQ(document.status, 200) << document.describe();
  EXPECT_EQ(document.json()["openapi"], "3.0.3");
  EXPECT_EQ(document.header_or_empty("Vary"), "Accept");
  Response page = api().get("/api", "", {{"Accept", "text/html,application/xhtml+xml"}});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header_or_empty("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/api/openapi.json"), std::string::npos);
}

TEST_F(RoutesTest, AnIdThatIsNotAPositiveNumberIs404) {
  for (const char* target : {"/api/incident/abc", "/api/incident/1abc", "/api/incident/-1",
                             "/api/incident/0", "/api/scope/abc", "/api/service/x1"}) {
    Response response = api().get(target, admin_token());
    EXPECT_EQ(response.status, 404) << target << ": " << response.describe();
    EXPECT_TRUE(response.is_json()) << target;
  }
}

TEST_F(RoutesTest, WritesToAnIdThatIsNotANumberAre404) {
  for (const char* target : {"/api/incident/abc/update", "/api/incident/abc/comment",
                             "/api/incident/abc/delete", "/api/scope/abc/delete"}) {
    Response response = api().post_form(target, {{"comment", "x"}}, admin_token());
    EXPECT_EQ(response.status, 404) << target << ": " << response.describe();
  }
}

TEST_F(RoutesTest, AHugeIdIs404NotAnError) {
  Response response = api().get("/api/incident/99999999999999999999999", admin_token());
  EXPECT_EQ(response.status, 404) << response.describe();
}

TEST_F(RoutesTest, AQueryStringOnASingleIncidentIsIgnored) {
  long long id = new_incident()["id"];
  Response response = api().get(incident_path(id) + "?foo=bar", admin_token());
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["id"], id);
}

/// A method and a target that exists for another method.
using WrongMethod = std::pair<std::string, std::string>;
class WrongMethodTest : public E2eParamTest<WrongMethod> {};

TEST_P(WrongMethodTest, AKnownPathWithAWrongMethodIs405Json) {
  auto [method, target] = GetParam();
  Headers headers = {{"Authorization", "Bearer " + admin_token()}};
  Response response = api().send(method, target, headers);
  EXPECT_EQ(response.status, 405) << method << " " << target << ": " << response.describe();
  EXPECT_TRUE(response.is_json()) << method << " " << target;
}

INSTANTIATE_TEST_SUITE_P(Routes, WrongMethodTest,
                         ::testing::Values(WrongMethod{"DELETE", "/api/incident/1"},
                                           WrongMethod{"GET", "/api/incident/create"},
                                           WrongMethod{"POST", "/api/incident"},
                                           WrongMethod{"PUT", "/api/incident/1"},
                                           WrongMethod{"GET", "/api/incident/1/update"},
                                           WrongMethod{"GET", "/api/incident/1/delete"},
                                           WrongMethod{"GET", "/api/scope/create"},
                                           WrongMethod{"DELETE", "/api/scope/1"},
                                           WrongMethod{"GET", "/api/token/create"},
                                           WrongMethod{"POST", "/api/token/whoami"}));

/// Bytes no HTTP client sends. Closing the connection, or not answering
/// within 5 s, is an answer too; a 5xx or a dead server is not.
class MalformedRequestTest : public E2eParamTest<std::string> {};

TEST_P(MalformedRequestTest, GetsAClientErrorAndTheServerLivesOn) {
  Response response = api().http().with_timeout(5).raw(GetParam());
  if (response.status != 0) {
    EXPECT_GE(response.status, 400) << response.describe();
    EXPECT_LT(response.status, 500) << response.describe();
  }
  EXPECT_EQ(api().get("/health").status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    Bytes, MalformedRequestTest,
    ::testing::Values("HELLO\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                      "GET /health HTTP/1.1\r\nNo colon here\r\n\r\n",
                      "POST /api/incident/create HTTP/1.1\r\nContent-Length: abc\r\n\r\n"));
// A negative or 20-digit Content-Length makes Pistache 0.0.5's own parser
// answer 500 before our handler runs; replacing that parser is tracked with
// the hostile-input work, so those two inputs are not listed here yet.

TEST_F(RoutesTest, AHeaderOver8KiBIs431) {
  Response response = api().get("/api/incident", "", {{"X-Big", std::string(9000, 'b')}});
  EXPECT_EQ(response.status, 431) << response.describe();
  EXPECT_EQ(api().get("/health").status, 200);
}

TEST_F(RoutesTest, MoreThanAHundredHeadersIs431) {
  Headers headers;
  for (int i = 0; i < 101; ++i) headers.emplace_back("X-Many-" + std::to_string(i), "v");
  Response response = api().get("/api/incident", "", headers);
  EXPECT_EQ(response.status, 431) << response.describe();
}

TEST_F(RoutesTest, AnEndOfBodyBeforeContentLengthDoesNotHangTheServer) {
  // Announce 100 bytes, send 10 and close: the server must drop it and carry on.
  std::string request =
      "POST /api/incident/create HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=abcd&";
  int status = api().raw(request, /*half_close=*/true).status;
  EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << status;
  EXPECT_EQ(api().get("/health").status, 200);
}

}  // namespace
}  // namespace e2e
