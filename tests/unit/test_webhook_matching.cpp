// Which change-feed messages a webhook subscription takes (events, wildcards,
// filters) and with what body (the public view unless internal), from one
// parse of the message, and the secrets that sign during rotations.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "webhooks/parsed_change.hpp"
#include "webhooks/signature.hpp"
#include "webhooks/subscription.hpp"

namespace incident::webhooks {
namespace {

using nlohmann::json;

const std::string kUrl = "https://hooks.example.com/incidents";

struct IncidentShape {
  std::int64_t scope = 1, service = 2;
  std::string severity = "high", status = "active";
};

std::string incident_message(const std::string& type, IncidentShape shape = {},
                             bool internal_event = false) {
  const json event = {{"type", type == "incident.commented" ? "comment" : "update"},
                      {"content", internal_event ? "Codename BLUEBIRD is the root cause"
                                                 : "We are looking into it"},
                      {"internal", internal_event}};
  return json{{"type", type},
              {"id", 7},
              {"version", 3},
              {"at", "2026-11-27T10:04"},
              {"changes", {{"name", {"Codename BLUEBIRD", "Database outage"}}}},
              {"incident",
               {{"id", 7},
                {"name", "Database outage"},
                {"scope", shape.scope},
                {"service", shape.service},
                {"severity", shape.severity},
                {"status", shape.status},
                {"events", json::array({event})}}}}
      .dump();
}

std::string catalog_message(const std::string& kind, const std::string& change, std::int64_t id) {
  return json{{"type", kind + "." + change},
              {"id", id},
              {"version", 1},
              {"at", "2026-11-27T10:04"},
              {"changes", {{"name", {nullptr, "France DC01"}}}},
              {kind, {{"id", id}, {"name", "France DC01"}, {"description", nullptr}}}}
      .dump();
}

Subscription subscriber(std::vector<std::string> events = {"incident.*"}) {
  Subscription s;
  s.id = 1;
  s.url = kUrl;
  s.events = std::move(events);
  s.internal = true;
  s.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  return s;
}

bool takes(const Subscription& s, const std::string& message) {
  return webhook_body_for(s, message).has_value();
}

TEST(WebhookMatching, TheDefaultTakesEveryIncidentEventAndNoCatalogEvent) {
  const Subscription s = subscriber();
  for (const char* type :
       {"incident.created", "incident.updated", "incident.commented", "incident.deleted"})
    EXPECT_TRUE(takes(s, incident_message(type))) << type;
  for (const char* kind : {"scope", "service"})
    for (const char* change : {"created", "updated", "deleted"})
      EXPECT_FALSE(takes(s, catalog_message(kind, change, 1))) << kind << change;
}

TEST(WebhookMatching, AnExactEventTakesOnlyItsType) {
  const Subscription s = subscriber({"incident.commented", "scope.deleted"});
  EXPECT_TRUE(takes(s, incident_message("incident.commented")));
  EXPECT_FALSE(takes(s, incident_message("incident.created")));
  EXPECT_FALSE(takes(s, incident_message("incident.updated")));
  EXPECT_TRUE(takes(s, catalog_message("scope", "deleted", 1)));
  EXPECT_FALSE(takes(s, catalog_message("scope", "created", 1)));
  EXPECT_FALSE(takes(s, catalog_message("service", "deleted", 1)));
}

TEST(WebhookMatching, AWildcardTakesItsWholeFamilyOnly) {
  const Subscription scopes = subscriber({"scope.*"});
  for (const char* change : {"created", "updated", "deleted"}) {
    EXPECT_TRUE(takes(scopes, catalog_message("scope", change, 1))) << change;
    EXPECT_FALSE(takes(scopes, catalog_message("service", change, 1))) << change;
  }
  EXPECT_FALSE(takes(scopes, incident_message("incident.created")));
  const Subscription services = subscriber({"service.*"});
  EXPECT_TRUE(takes(services, catalog_message("service", "updated", 1)));
  EXPECT_FALSE(takes(services, catalog_message("scope", "updated", 1)));
  const Subscription all = subscriber({"incident.*", "scope.*", "service.*"});
  EXPECT_TRUE(takes(all, incident_message("incident.deleted")));
  EXPECT_TRUE(takes(all, catalog_message("scope", "created", 1)));
  EXPECT_TRUE(takes(all, catalog_message("service", "deleted", 1)));
  // A family is matched whole: "incident." is no prefix of "incidents.created".
  EXPECT_FALSE(takes(subscriber(), R"({"type": "incidents.created", "incident": {}})"));
  EXPECT_FALSE(takes(subscriber(), R"({"type": "incident.", "incident": {}})"));
}

TEST(WebhookMatching, EachIncidentFilterMustAllowTheIncident) {
  Subscription s = subscriber();
  s.scopes = {1, 4};
  EXPECT_TRUE(takes(s, incident_message("incident.updated", {1, 2, "high", "active"})));
  EXPECT_TRUE(takes(s, incident_message("incident.updated", {4, 2, "high", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.updated", {2, 2, "high", "active"})));
  s = subscriber();
  s.services = {2};
  EXPECT_TRUE(takes(s, incident_message("incident.created", {9, 2, "low", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.created", {9, 3, "low", "active"})));
  s = subscriber();
  s.severities = {"critical", "high"};
  EXPECT_TRUE(takes(s, incident_message("incident.created", {1, 2, "critical", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.created", {1, 2, "moderate", "active"})));
  s = subscriber();
  s.statuses = {"resolved"};
  EXPECT_TRUE(takes(s, incident_message("incident.deleted", {1, 2, "high", "resolved"})));
  EXPECT_FALSE(takes(s, incident_message("incident.deleted", {1, 2, "high", "stable"})));
}

TEST(WebhookMatching, FiltersCombineWithAnd) {
  Subscription s = subscriber();
  s.scopes = {1};
  s.services = {2};
  s.severities = {"high"};
  s.statuses = {"active"};
  EXPECT_TRUE(takes(s, incident_message("incident.updated", {1, 2, "high", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.updated", {5, 2, "high", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.updated", {1, 5, "high", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.updated", {1, 2, "low", "active"})));
  EXPECT_FALSE(takes(s, incident_message("incident.updated", {1, 2, "high", "stable"})));
}

TEST(WebhookMatching, AFilteredSubscriptionSkipsAnIncidentItCannotRead) {
  Subscription s = subscriber();
  EXPECT_TRUE(takes(s, R"({"type": "incident.updated", "id": 7})"));
  s.scopes = {1};
  for (const char* message : {R"({"type": "incident.updated", "id": 7})",
                              R"({"type": "incident.updated", "incident": []})",
                              R"({"type": "incident.updated", "incident": {"scope": "1"}})",
                              R"({"type": "incident.updated", "incident": {"service": 1}})"})
    EXPECT_FALSE(takes(s, message)) << message;
}

TEST(WebhookMatching, CatalogEventsAreFilteredByTheirOwnIdOnly) {
  Subscription s = subscriber({"scope.*", "service.*"});
  s.scopes = {3};
  s.services = {5};
  s.severities = {"critical"};  // says nothing of scopes and services
  s.statuses = {"resolved"};
  EXPECT_TRUE(takes(s, catalog_message("scope", "updated", 3)));
  EXPECT_FALSE(takes(s, catalog_message("scope", "updated", 5)));
  EXPECT_TRUE(takes(s, catalog_message("service", "created", 5)));
  EXPECT_FALSE(takes(s, catalog_message("service", "created", 3)));
  s.scopes = {};
  EXPECT_TRUE(
      takes(s, catalog_message("scope", "deleted", 42)));  // the service filter is no scope filter
  s.services = {};
  EXPECT_TRUE(takes(s, catalog_message("service", "deleted", 42)));
}

TEST(WebhookMatching, ADisabledSubscriptionTakesNothing) {
  Subscription s = subscriber({"incident.*", "scope.*"});
  s.enabled = false;
  EXPECT_FALSE(takes(s, incident_message("incident.created")));
  EXPECT_FALSE(takes(s, catalog_message("scope", "created", 1)));
}

TEST(WebhookMatching, SkipsMessagesThatAreNotMessages) {
  const Subscription s = subscriber();
  for (const char* message : {"", "not json", "[1]", "{}", R"({"type": 5, "incident": {}})",
                              R"({"incident": {"scope": 1}})"})
    EXPECT_FALSE(takes(s, message)) << message;
}

TEST(WebhookBody, AnInternalSubscriptionGetsTheMessageAsItIs) {
  const std::string message = incident_message("incident.commented", {}, true);
  EXPECT_EQ(webhook_body_for(subscriber(), message), message);
}

TEST(WebhookBody, OthersGetThePublicViewWithoutInternalEventsOrPreviousValues) {
  Subscription s = subscriber();
  s.internal = false;
  const auto body = webhook_body_for(s, incident_message("incident.updated", {}, true));
  ASSERT_TRUE(body);
  const json shown = json::parse(*body);
  EXPECT_EQ(shown["changes"], json::object());
  EXPECT_EQ(shown["incident"]["events"], json::array());
  EXPECT_EQ(shown["incident"]["id"], 7);
  EXPECT_EQ(body->find("BLUEBIRD"), std::string::npos) << *body;
  const auto catalog =
      webhook_body_for(subscriber({"scope.*"}), catalog_message("scope", "created", 1));
  ASSERT_TRUE(catalog);
  s.events = {"scope.*"};
  const json public_catalog =
      json::parse(*webhook_body_for(s, catalog_message("scope", "created", 1)));
  EXPECT_EQ(public_catalog["changes"], json::object());
  EXPECT_EQ(public_catalog["scope"]["name"], "France DC01");
}

TEST(WebhookBody, AnInternalCommentIsNeverDeliveredToOthers) {
  Subscription s = subscriber();
  s.internal = false;
  EXPECT_EQ(webhook_body_for(s, incident_message("incident.commented", {}, true)), std::nullopt);
  const auto visible = webhook_body_for(s, incident_message("incident.commented", {}, false));
  ASSERT_TRUE(visible);
  EXPECT_NE(visible->find("We are looking into it"), std::string::npos);
}

// A subscription whose secret was rotated: the previous one signs until expiry.
Subscription rotated() {
  Subscription s = subscriber();
  s.previous_secrets = {{"whsec_aGVsbG8=", 1764237600000}};
  return s;
}

TEST(WebhookRotation, ThePreviousSecretSignsUntilItExpires) {
  Subscription s = rotated();
  const std::string previous = s.previous_secrets[0].secret;
  const std::int64_t expiry = s.previous_secrets[0].expires_ms;
  EXPECT_EQ(signing_secrets(s, expiry - 1), (std::vector<std::string>{s.secret, previous}));
  EXPECT_EQ(signing_secrets(s, 0), (std::vector<std::string>{s.secret, previous}));
  EXPECT_EQ(signing_secrets(s, expiry), std::vector<std::string>{s.secret});
  EXPECT_EQ(signing_secrets(s, expiry + 1), std::vector<std::string>{s.secret});
  s.previous_secrets[0].secret.clear();
  EXPECT_EQ(signing_secrets(s, 0), std::vector<std::string>{s.secret});
  s.secret.clear();
  EXPECT_TRUE(signing_secrets(s, 0).empty());
}

TEST(WebhookRotation, EveryPreviousSecretSignsUntilItsOwnExpiry) {
  // Rotated at 1000, then again at 2000 (windows of 10,000 ms): the first
  // replaced secret keeps its window, the second rotation does not end it.
  Subscription s = subscriber();
  s.previous_secrets = {{"whsec_c2Vjb25k", 12000}, {"whsec_Zmlyc3Q=", 11000}};
  EXPECT_EQ(signing_secrets(s, 2000),
            (std::vector<std::string>{s.secret, "whsec_c2Vjb25k", "whsec_Zmlyc3Q="}));
  EXPECT_EQ(signing_secrets(s, 11000), (std::vector<std::string>{s.secret, "whsec_c2Vjb25k"}));
  EXPECT_EQ(signing_secrets(s, 12000), std::vector<std::string>{s.secret});
}

TEST(WebhookRotation, AtMostTheBoundOfPreviousSecretsSign) {
  Subscription s = subscriber();
  for (int i = 0; i < 5; ++i)
    s.previous_secrets.push_back({"whsec_" + std::to_string(i) + "AAA", 10000});
  const auto secrets = signing_secrets(s, 0);
  ASSERT_EQ(secrets.size(), 1 + kMaxPreviousSecrets);
  EXPECT_EQ(secrets[1], "whsec_0AAA");  // the newest ones
}

TEST(WebhookRotation, BothSecretsVerifyTheHeaderDuringTheWindow) {
  const Subscription s = rotated();
  const std::string previous = s.previous_secrets[0].secret;
  const std::string header =
      webhook_signature_header(signing_secrets(s, 0), "msg_1", 1764237600, "{}");
  EXPECT_TRUE(verify_webhook_signature(header, s.secret, "msg_1", 1764237600, "{}"));
  EXPECT_TRUE(verify_webhook_signature(header, previous, "msg_1", 1764237600, "{}"));
  const std::string after = webhook_signature_header(
      signing_secrets(s, s.previous_secrets[0].expires_ms), "msg_1", 1764237600, "{}");
  EXPECT_FALSE(verify_webhook_signature(after, previous, "msg_1", 1764237600, "{}"));
}

TEST(ParsedChange, OneParseServesEverySubscriptionAsWebhookBodyForWould) {
  Subscription internal = subscriber();
  Subscription open = subscriber();
  open.internal = false;
  Subscription critical = open;
  critical.severities = {"critical"};
  for (const std::string& message :
       {incident_message("incident.updated", {}, true),
        incident_message("incident.commented", {}, true),
        incident_message("incident.commented", {}, false), catalog_message("scope", "created", 1),
        std::string("not json"), std::string(R"({"type": 5})")}) {
    const ParsedChange change(message);
    for (const Subscription* s : {&internal, &open, &critical}) {
      const std::string* body = matching_body(*s, change);
      const auto expected = webhook_body_for(*s, message);
      ASSERT_EQ(body != nullptr, expected.has_value()) << message;
      if (body) {
        EXPECT_EQ(*body, *expected) << message;
      }
    }
  }
}

TEST(ParsedChange, MakesThePublicBodyOnceAndTheInternalOneNever) {
  const ParsedChange change(incident_message("incident.updated", {}, true));
  EXPECT_EQ(change.type(), "incident.updated");
  Subscription open = subscriber();
  open.internal = false;
  const std::string* first = matching_body(open, change);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(matching_body(open, change), first);  // the same string: made once
  EXPECT_EQ(matching_body(subscriber(), change), &change.internal_body());
  EXPECT_EQ(change.internal_body(), incident_message("incident.updated", {}, true));
  EXPECT_EQ(ParsedChange("[1]").type(), "");
  EXPECT_FALSE(ParsedChange("[1]").is_object());
}

}  // namespace
}  // namespace incident::webhooks
