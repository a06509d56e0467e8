// End-to-end: tokens (issue, whoami), what an unusable token gets (401), what
// a missing permission gets (403), and what anonymous readers may see.
#include <algorithm>
#include <regex>

#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class AuthTest : public E2eTest {
 protected:
  /// The claims of a real token, to forge look-alikes from.
  static json real_claims() { return jwt_claims(admin_token()); }

  static Response whoami(const std::string& token) { return api().get("/api/token/whoami", token); }

  /// An incident with a public comment and an internal one.
  static json incident_with_comments() {
    long long id = new_incident()["id"];
    std::string path = incident_path(id) + "/comment";
    api().post_form(path, {{"comment", "public words"}}, admin_token());
    api().post_form(path, {{"comment", "internal words"}, {"internal", "1"}}, admin_token());
    return admin_view(id);
  }
};

bool has_internal_event(const json& incident) {
  for (const auto& event : incident["events"]) {
    if (event.value("internal", true)) return true;
  }
  return false;
}

TEST_F(AuthTest, TokenCreateAnswersAnHs256JwtAsAJsonString) {
  Response response = request_token(api(), TokenRequest(secret()));
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.is_json());
  ASSERT_TRUE(response.json().is_string()) << response.body;
  std::string token = response.json();
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  json header = json::parse(base64url_decode(token.substr(0, token.find('.'))), nullptr, false);
  EXPECT_EQ(header["alg"], "HS256") << header.dump();
}

TEST_F(AuthTest, TokenCreateWithAWrongSecretNamesSecret) {
  Response response = request_token(api(), TokenRequest("not-the-secret"));
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "secret")) << response.body;
}

TEST_F(AuthTest, TokenCreateWithoutASecretNamesSecret) {
  Response response =
      api().post_form("/api/token/create", {{"name", "x"}, {"permission", "incident_api"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "secret")) << response.body;
}

TEST_F(AuthTest, WhoamiAnswersTheClaimsOfTheToken) {
  TokenRequest request(secret());
  request.name = "pager bridge";
  request.description = "forwards alerts";
  request.permissions = {"incident_api", "scope_api"};
  Response response = whoami(issue_token(api(), request));
  ASSERT_EQ(response.status, 200) << response.describe();
  json claims = response.json()["playload"];
  ASSERT_TRUE(claims.is_object()) << response.body;
  EXPECT_EQ(claims["iss"], "ProdManager");
  EXPECT_EQ(claims["aud"], "pager bridge");
  EXPECT_EQ(claims["sub"], "forwards alerts");
  EXPECT_EQ(claims["version"], 1);
  EXPECT_EQ(claims["permissions"], json::array({"incident_api", "scope_api"}));
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(claims.value("jti", ""), uuid)) << claims.dump();
  for (const char* key : {"iat", "nbf", "exp"})
    EXPECT_TRUE(claims[key].is_number()) << key << " in " << claims.dump();
  EXPECT_GT(claims.value("exp", 0LL), claims.value("iat", 0LL));
}

TEST_F(AuthTest, WhoamiShowsTheRequestedValidityWindow) {
  TokenRequest request(secret());
  request.not_before_date = "2020-01-01T00:00";
  request.expiration_date = "2100-01-01T00:00";
  Response response = whoami(issue_token(api(), request));
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["playload"]["nbf"], 1577836800LL) << response.body;
  EXPECT_EQ(response.json()["playload"]["exp"], 4102444800LL) << response.body;
}

TEST_F(AuthTest, WhoamiWithoutATokenIs401) {
  Response response = whoami("");
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(response.is_json());
}

TEST_F(AuthTest, AGarbageTokenIs401NamingTokenOnReadsAndWrites) {
  Response read = api().get("/api/incident", "garbage");
  EXPECT_EQ(read.status, 401) << read.describe();
  EXPECT_TRUE(names_field(read.json(), "token")) << read.body;
  Response write =
      api().post_form("/api/incident/create", incident_fields(scope_id(), service_id()), "a.b.c");
  EXPECT_EQ(write.status, 401) << write.describe();
  EXPECT_TRUE(names_field(write.json(), "token")) << write.body;
}

TEST_F(AuthTest, AnAuthorizationThatIsNotBearerIs401) {
  Response response = api().get("/api/incident", "", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(response.status, 401) << response.describe();
}

TEST_F(AuthTest, ATokenWhosePayloadWasEditedIs401) {
  std::string token = token_with({"scope_api"});
  json claims = jwt_claims(token);
  claims["permissions"] = json::array({"incident_api", "scope_api", "service_api"});
  std::string header = token.substr(0, token.find('.'));
  std::string signature = token.substr(token.rfind('.'));
  std::string edited = header + "." + base64url(claims.dump()) + signature;
  Response response = whoami(edited);
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_F(AuthTest, ATokenSignedWithOurSecretElsewhereIsAccepted) {
  // The control for the forgeries below: our forging is a faithful JWT.
  Response response = whoami(forge_jwt(real_claims(), secret()));
  EXPECT_EQ(response.status, 200) << response.describe();
}

TEST_F(AuthTest, ATokenSignedWithAnotherSecretIs401) {
  Response response = whoami(forge_jwt(real_claims(), secret() + "-not"));
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_F(AuthTest, AnExpiredTokenIs401) {
  json claims = real_claims();
  claims["nbf"] = 1577836800;  // 2020-01-01
  claims["iat"] = 1577836800;
  claims["exp"] = 1577840400;  // an hour later
  Response response = whoami(forge_jwt(claims, secret()));
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_F(AuthTest, ATokenNotValidYetIs401) {
  TokenRequest request(secret());
  request.not_before_date = "2099-01-01T00:00";
  request.expiration_date = "2100-01-01T00:00";
  std::string token = issue_token(api(), request);
  ASSERT_FALSE(token.empty());
  Response response = whoami(token);
  EXPECT_EQ(response.status, 401) << response.describe();
}

TEST_F(AuthTest, ATimeClaimOfTheWrongTypeIs401NotAbsent) {
  const json future_nbfs = {4102444800.5, "4102444800", "2100-01-01T00:00", json::array({1}),
                            nullptr};
  for (const auto& nbf : future_nbfs) {
    json claims = real_claims();
    claims["nbf"] = nbf;
    Response response = whoami(forge_jwt(claims, secret()));
    EXPECT_EQ(response.status, 401) << nbf.dump() << ": " << response.describe();
    EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
  }
  json claims = real_claims();
  claims["exp"] = 4102444800.0;
  EXPECT_EQ(whoami(forge_jwt(claims, secret())).status, 401) << "a float exp";
}

TEST_F(AuthTest, TheBearerSchemeIsMatchedWhateverItsCase) {
  std::string token = admin_token();
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER ", "bEaReR   "}) {
    Response response = api().get("/api/token/whoami", "", {{"Authorization", scheme + token}});
    EXPECT_EQ(response.status, 200) << scheme << ": " << response.describe();
  }
  for (const char* wrong : {"Bearer", "Basic ", "Bearer:", "Bearer\t", "Token "}) {
    Response response =
        api().get("/api/token/whoami", "", {{"Authorization", wrong + std::string(token)}});
    EXPECT_EQ(response.status, 401) << wrong << ": " << response.describe();
  }
}

TEST_F(AuthTest, ATokenFromAnotherIssuerIs401) {
  json claims = real_claims();
  claims["iss"] = "SomeoneElse";
  Response response = whoami(forge_jwt(claims, secret()));
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_F(AuthTest, ATokenOfAnotherVersionIs401) {
  json claims = real_claims();
  claims["version"] = 2;
  Response response = whoami(forge_jwt(claims, secret()));
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_F(AuthTest, AnOversizedTokenIs401EvenWhenSignedWithOurSecret) {
  json claims = real_claims();
  claims["sub"] = std::string(5000, 'x');  // over 4 KiB, under the 8 KiB header limit
  Response response = whoami(forge_jwt(claims, secret()));
  EXPECT_EQ(response.status, 401) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_F(AuthTest, TokenCreateRefusesTextThatCannotBeSigned) {
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"permission", "\xff"}, {"name", std::string("o\0ps", 4)}, {"description", "\xc3"}}) {
    Fields fields = {{"secret", secret()}, {"name", "ops"}, {"permission", "incident_api"}};
    fields = merged(fields, {{field, value}});
    Response response = api().post_form("/api/token/create", fields);
    EXPECT_EQ(response.status, 400) << field << ": " << response.describe();
    EXPECT_TRUE(names_field(response.json(), field)) << response.body;
  }
}

TEST_F(AuthTest, AnUnsignedAlgNoneTokenIs401) {
  Response response = whoami(forge_jwt(real_claims(), "", "none"));
  EXPECT_EQ(response.status, 401) << response.describe();
}

TEST_F(AuthTest, AnonymousWritesToIncidentsAreForbidden) {
  json incident = new_incident();
  std::string path = incident_path(incident["id"].get<long long>());
  EXPECT_EQ(
      api().post_form("/api/incident/create", incident_fields(scope_id(), service_id())).status,
      403);
  EXPECT_EQ(api().post_form(path + "/update", update_fields(incident)).status, 403);
  EXPECT_EQ(api().post_form(path + "/comment", {{"comment", "drive-by"}}).status, 403);
  EXPECT_EQ(api().post_form(path + "/delete", {}).status, 403);
  EXPECT_EQ(admin_view(incident["id"]), incident);
}

TEST_F(AuthTest, ATokenWithoutIncidentApiIsForbiddenNamingToken) {
  std::string token = token_with({"scope_api", "service_api"});
  json incident = new_incident();
  std::string path = incident_path(incident["id"].get<long long>());
  std::vector<Response> responses = {
      api().post_form("/api/incident/create", incident_fields(scope_id(), service_id()), token),
      api().post_form(path + "/update", update_fields(incident, {{"severity", "low"}}), token),
      api().post_form(path + "/comment", {{"comment", "no"}}, token),
      api().post_form(path + "/delete", {}, token)};
  for (const auto& response : responses) {
    EXPECT_EQ(response.status, 403) << response.describe();
    EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
  }
  EXPECT_EQ(admin_view(incident["id"]), incident);
}

TEST_F(AuthTest, ATokenWithOnlyIncidentApiMayWriteIncidents) {
  std::string token = token_with({"incident_api"});
  Response response =
      api().post_form("/api/incident/create", incident_fields(scope_id(), service_id()), token);
  EXPECT_EQ(response.status, 302) << response.describe();
}

TEST_F(AuthTest, AnonymousReadersOfAnIncidentSeeOnlyPublicEvents) {
  json full = incident_with_comments();
  Response response = api().get(incident_path(full["id"].get<long long>()));
  ASSERT_EQ(response.status, 200) << response.describe();
  json anonymous = response.json();
  ASSERT_EQ(anonymous["events"].size(), 1u) << anonymous.dump();
  EXPECT_EQ(anonymous["events"][0]["content"], "public words");
  EXPECT_EQ(response.body.find("internal words"), std::string::npos);
  EXPECT_EQ(anonymous["name"], full["name"]);
}

TEST_F(AuthTest, TokenHoldersSeeEveryEvent) {
  json full = incident_with_comments();
  EXPECT_EQ(full["events"].size(), 3u) << full.dump();
  EXPECT_TRUE(has_internal_event(full));
  EXPECT_EQ(full["events"][0]["content"], "internal words");
}

TEST_F(AuthTest, AnonymousListsShowOnlyPublicEvents) {
  json full = incident_with_comments();
  json listed = find_in_list(api(), full["id"], "");
  ASSERT_TRUE(listed.is_object());
  EXPECT_FALSE(has_internal_event(listed)) << listed.dump();
  EXPECT_EQ(listed["events"].size(), 1u) << listed.dump();
  EXPECT_EQ(find_in_list(api(), full["id"], admin_token())["events"].size(), 3u);
}

}  // namespace
}  // namespace e2e
