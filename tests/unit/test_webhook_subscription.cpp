// Webhook subscriptions: the create and update requests field by field, and
// the API and stored forms of a subscription.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/validation.hpp"
#include "fixtures.hpp"
#include "http/body_parser.hpp"
#include "webhooks/subscription.hpp"

namespace incident::webhooks {
namespace {

using nlohmann::json;
using test::reasons_of;
using test::repeat;
using test::set_kind;
using test::set_text;

const std::string kUrl = "https://hooks.example.com/incidents";

FieldMap form(const std::string& text) { return parse_urlencoded(text); }

FieldMap json_fields(const std::string& body) {
  auto fields = parse_body(std::string("application/json"), body);
  if (!fields.ok()) {
    ADD_FAILURE() << "not a JSON object: " << body;
    return {};
  }
  return *fields;
}

std::vector<std::string> reasons_for(const Result<Subscription>& result, const std::string& field) {
  const Reasons reasons = reasons_of(result);
  const auto it = reasons.find(field);
  return it == reasons.end() ? std::vector<std::string>{} : it->second;
}

// ---- Create ----------------------------------------------------------------

TEST(WebhookCreate, NeedsOnlyAUrlAndTakesEveryIncidentEventByDefault) {
  const auto result = validate_webhook_create(form("url=" + kUrl));
  ASSERT_TRUE(result.ok()) << json(reasons_of(result)).dump();
  EXPECT_EQ(result->url, kUrl);
  EXPECT_EQ(result->description, "");
  EXPECT_EQ(result->events, std::vector<std::string>{"incident.*"});
  EXPECT_TRUE(result->scopes.empty());
  EXPECT_TRUE(result->services.empty());
  EXPECT_TRUE(result->severities.empty());
  EXPECT_TRUE(result->statuses.empty());
  EXPECT_FALSE(result->internal);
  EXPECT_TRUE(result->enabled);
  EXPECT_EQ(result->id, 0);
  EXPECT_EQ(result->secret, "");
}

TEST(WebhookCreate, ReadsEveryFieldFromRepeatedFormFields) {
  const auto result = validate_webhook_create(
      form("url=" + kUrl +
           "&description=Pager%20bridge&event=incident.created&event=scope.*&scope=3&scope=1"
           "&service=2&severity=critical&severity=high&status=active&internal=on&enabled=no"));
  ASSERT_TRUE(result.ok()) << json(reasons_of(result)).dump();
  EXPECT_EQ(result->description, "Pager bridge");
  EXPECT_EQ(result->events, (std::vector<std::string>{"incident.created", "scope.*"}));
  EXPECT_EQ(result->scopes, (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(result->services, std::vector<std::int64_t>{2});
  EXPECT_EQ(result->severities, (std::vector<std::string>{"critical", "high"}));
  EXPECT_EQ(result->statuses, std::vector<std::string>{"active"});
  EXPECT_TRUE(result->internal);
  EXPECT_FALSE(result->enabled);
}

TEST(WebhookCreate, ReadsEveryFieldFromAJsonBody) {
  const auto result = validate_webhook_create(json_fields(R"({
      "url": "https://hooks.example.com/incidents", "description": "Pager bridge",
      "event": ["incident.updated", "service.deleted"], "scope": [1, "2"], "service": [5],
      "severity": ["low"], "status": ["resolved", "stable"], "internal": true, "enabled": false})"));
  ASSERT_TRUE(result.ok()) << json(reasons_of(result)).dump();
  EXPECT_EQ(result->events, (std::vector<std::string>{"incident.updated", "service.deleted"}));
  EXPECT_EQ(result->scopes, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(result->services, std::vector<std::int64_t>{5});
  EXPECT_EQ(result->severities, std::vector<std::string>{"low"});
  EXPECT_EQ(result->statuses, (std::vector<std::string>{"resolved", "stable"}));
  EXPECT_TRUE(result->internal);
  EXPECT_FALSE(result->enabled);
  // One value where a list belongs is a list of one.
  const auto single = validate_webhook_create(json_fields(
      R"({"url": "https://hooks.example.com/", "event": "scope.created", "scope": 4})"));
  ASSERT_TRUE(single.ok()) << json(reasons_of(single)).dump();
  EXPECT_EQ(single->events, std::vector<std::string>{"scope.created"});
  EXPECT_EQ(single->scopes, std::vector<std::int64_t>{4});
}

TEST(WebhookCreate, AcceptsEveryEventAndWildcard) {
  for (const char* event :
       {"incident.created", "incident.updated", "incident.commented", "incident.deleted",
        "incident.*", "scope.created", "scope.updated", "scope.deleted", "scope.*",
        "service.created", "service.updated", "service.deleted", "service.*"}) {
    const auto result = validate_webhook_create(form("url=" + kUrl + "&event=" + event));
    ASSERT_TRUE(result.ok()) << event;
    EXPECT_EQ(result->events, std::vector<std::string>{event});
  }
}

TEST(WebhookCreate, RefusesAnUnknownEventNamingTheField) {
  for (const char* event : {"incident", "incident.", "*", "*.created", "Incident.created",
                            "incident.closed", "scope.commented", "token.*", "incident.**"}) {
    const auto result = validate_webhook_create(form("url=" + kUrl + "&event=" + event));
    ASSERT_FALSE(result.ok()) << event;
    EXPECT_EQ(result.error().kind, ErrorKind::invalid);
    ASSERT_EQ(reasons_for(result, "event").size(), 1u) << event;
    EXPECT_EQ(reasons_for(result, "event")[0].rfind("Invalid value: expected one of", 0), 0u);
  }
  const auto number =
      validate_webhook_create(json_fields(R"({"url": "http://a.example/", "event": [1]})"));
  EXPECT_EQ(reasons_for(number, "event").size(), 1u);
}

TEST(WebhookCreate, KeepsEachValueOnceInRequestOrder) {
  const auto result = validate_webhook_create(
      form("url=" + kUrl +
           "&event=scope.*&event=incident.*&event=scope.*&scope=2&scope=1&scope=2"
           "&severity=low&severity=low"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->events, (std::vector<std::string>{"scope.*", "incident.*"}));
  EXPECT_EQ(result->scopes, (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(result->severities, std::vector<std::string>{"low"});
}

TEST(WebhookCreate, RefusesAScopeOrServiceThatIsNotAnId) {
  for (const char* bad : {"0", "-1", "abc", "1.5", "+1", " 1", "9007199254740992"}) {
    FieldMap fields = form("url=" + kUrl);
    set_text(fields, "scope", bad);
    set_text(fields, "service", bad);
    const auto result = validate_webhook_create(fields);
    EXPECT_EQ(reasons_for(result, "scope"),
              std::vector<std::string>{"Invalid value: expected a scope id."})
        << bad;
    EXPECT_EQ(reasons_for(result, "service"),
              std::vector<std::string>{"Invalid value: expected a service id."})
        << bad;
  }
  const auto boolean =
      validate_webhook_create(json_fields(R"({"url": "http://a.example/", "scope": [true]})"));
  EXPECT_EQ(reasons_for(boolean, "scope").size(), 1u);
  const auto largest = validate_webhook_create(form("url=" + kUrl + "&scope=9007199254740991"));
  ASSERT_TRUE(largest.ok());
  EXPECT_EQ(largest->scopes, std::vector<std::int64_t>{9007199254740991});
}

TEST(WebhookCreate, RefusesASeverityOrStatusTheProjectDoesNotDefine) {
  const auto result = validate_webhook_create(
      form("url=" + kUrl + "&severity=high&severity=severe&status=closed&status=Active"));
  EXPECT_EQ(reasons_for(result, "severity"),
            std::vector<std::string>{
                "Invalid value: expected one of critical, high, moderate, low, minor."});
  EXPECT_EQ(reasons_for(result, "status"),
            std::vector<std::string>{
                "Invalid value: expected one of active, investigating, stable, resolved."});
  for (const char* severity : {"critical", "high", "moderate", "low", "minor"})
    EXPECT_TRUE(validate_webhook_create(form("url=" + kUrl + "&severity=" + severity)).ok());
  for (const char* status : {"active", "investigating", "stable", "resolved"})
    EXPECT_TRUE(validate_webhook_create(form("url=" + kUrl + "&status=" + status)).ok());
}

TEST(WebhookCreate, TakesAtMostFiftyValuesPerFilter) {
  for (const std::string field : {"event", "scope", "service", "severity", "status"}) {
    const std::string value = field == "event"      ? "incident.*"
                              : field == "severity" ? "low"
                              : field == "status"   ? "active"
                                                    : "1";
    FieldMap fields = form("url=" + kUrl);
    for (int i = 0; i < 50; ++i) add_text(fields, field, value);
    EXPECT_TRUE(validate_webhook_create(fields).ok()) << field;
    add_text(fields, field, value);
    EXPECT_EQ(reasons_for(validate_webhook_create(fields), field),
              std::vector<std::string>{"At most 50 values."})
        << field;
  }
}

TEST(WebhookCreate, TheUrlIsRequired) {
  for (const FieldMap& fields :
       {form(""), form("url="), form("url=%20%20"), json_fields(R"({"url": null})")})
    EXPECT_EQ(reasons_for(validate_webhook_create(fields), "url"),
              std::vector<std::string>{reason::required});
  EXPECT_EQ(
      reasons_for(validate_webhook_create(json_fields(R"({"url": ["http://a/", "http://b/"]})")),
                  "url"),
      std::vector<std::string>{"Expected one value, not a list."});
  EXPECT_EQ(reasons_for(validate_webhook_create(json_fields(R"({"url": 42})")), "url"),
            std::vector<std::string>{reason::not_string});
}

TEST(WebhookCreate, RefusesABadUrlNamingTheField) {
  const auto result = validate_webhook_create(form("url=ftp://hooks.example.com/"));
  EXPECT_EQ(reasons_for(result, "url"),
            std::vector<std::string>{"The scheme must be http or https."});
  EXPECT_EQ(result.error().message, "Webhook creation failed");
  // Surrounding spaces are trimmed, as for names.
  const auto trimmed = validate_webhook_create(form("url=%20" + kUrl + "%20"));
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(trimmed->url, kUrl);
  FieldMap long_url = form("");
  set_text(long_url, "url", "https://a.example/" + repeat("a", 2049 - 18));
  EXPECT_EQ(reasons_for(validate_webhook_create(long_url), "url"),
            std::vector<std::string>{"Field must be at most 2048 characters long."});
}

TEST(WebhookCreate, TheDescriptionIsOptionalUpToTheProjectLimit) {
  FieldMap fields = form("url=" + kUrl);
  set_text(fields, "description", repeat("\xc3\xa9", kDescriptionMax));
  const auto longest = validate_webhook_create(fields);
  ASSERT_TRUE(longest.ok());
  EXPECT_EQ(longest->description.size(), 2 * kDescriptionMax);
  set_text(fields, "description", repeat("a", kDescriptionMax + 1));
  EXPECT_EQ(reasons_for(validate_webhook_create(fields), "description").size(), 1u);
  set_text(fields, "description", "\xff");
  EXPECT_EQ(reasons_for(validate_webhook_create(fields), "description"),
            std::vector<std::string>{reason::not_utf8});
}

TEST(WebhookCreate, ReadsInternalAndEnabledAsTheProjectReadsBooleans) {
  for (const char* yes : {"1", "true", "on", "yes", "y", "TRUE", "Yes"}) {
    const auto r =
        validate_webhook_create(form("url=" + kUrl + "&internal=" + yes + "&enabled=" + yes));
    ASSERT_TRUE(r.ok()) << yes;
    EXPECT_TRUE(r->internal) << yes;
    EXPECT_TRUE(r->enabled) << yes;
  }
  for (const char* no : {"0", "false", "off", "no", "n"}) {
    const auto r =
        validate_webhook_create(form("url=" + kUrl + "&internal=" + no + "&enabled=" + no));
    ASSERT_TRUE(r.ok()) << no;
    EXPECT_FALSE(r->internal) << no;
    EXPECT_FALSE(r->enabled) << no;
  }
  FieldMap numbers = form("url=" + kUrl);
  set_kind(numbers, "internal", FieldValue::Kind::number, "1");
  set_kind(numbers, "enabled", FieldValue::Kind::number, "0");
  const auto r = validate_webhook_create(numbers);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->internal);
  EXPECT_FALSE(r->enabled);
  const auto bad = validate_webhook_create(form("url=" + kUrl + "&internal=maybe&enabled=2x"));
  EXPECT_EQ(reasons_for(bad, "internal"), std::vector<std::string>{reason::not_boolean});
  EXPECT_EQ(reasons_for(bad, "enabled"), std::vector<std::string>{reason::not_boolean});
}

TEST(WebhookCreate, ReportsEveryBadFieldAtOnce) {
  const auto result = validate_webhook_create(
      form("url=mailto:x@example.com&event=nope&scope=x&service=0&severity=huge&status=done"
           "&internal=perhaps&enabled=later"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid);
  std::vector<std::string> fields;
  for (const auto& [field, whys] : result.error().reasons) fields.push_back(field);
  EXPECT_EQ(fields, (std::vector<std::string>{"enabled", "event", "internal", "scope", "service",
                                              "severity", "status", "url"}));
}

// ---- Update ----------------------------------------------------------------

Subscription stored() {
  Subscription s;
  s.id = 12;
  s.url = kUrl;
  s.description = "Pager bridge";
  s.events = {"incident.created", "scope.*"};
  s.scopes = {1, 2};
  s.services = {3};
  s.severities = {"critical"};
  s.statuses = {"active", "investigating"};
  s.internal = true;
  s.enabled = true;
  s.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  s.previous_secrets = {{"whsec_aGVsbG8=", 1764237600000}, {"whsec_b2xk", 1764237500000}};
  s.created_at = "2026-11-27T10:04";
  s.updated_at = "2026-11-28T08:00";
  s.disabled_reason = "";
  s.failure_run = 2;
  return s;
}

TEST(WebhookUpdate, AbsentFieldsKeepTheirValues) {
  const auto result = apply_webhook_update(stored(), form(""));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, stored());
  EXPECT_EQ(*apply_webhook_update(stored(), json_fields("{}")), stored());
}

TEST(WebhookUpdate, ChangesEachFieldItIsGiven) {
  const auto result = apply_webhook_update(
      stored(), json_fields(R"({"url": "http://new.example/hook", "description": "New",
          "event": ["service.*"], "scope": [9], "service": [8, 7], "severity": ["minor"],
          "status": ["resolved"], "internal": false})"));
  ASSERT_TRUE(result.ok()) << json(reasons_of(result)).dump();
  Subscription expected = stored();
  expected.url = "http://new.example/hook";
  expected.description = "New";
  expected.events = {"service.*"};
  expected.scopes = {9};
  expected.services = {8, 7};
  expected.severities = {"minor"};
  expected.statuses = {"resolved"};
  expected.internal = false;
  EXPECT_EQ(*result, expected);
}

TEST(WebhookUpdate, AnEmptyListClearsAFilterAndRestoresTheDefaultEvents) {
  const auto from_json = apply_webhook_update(
      stored(), json_fields(R"({"event": [], "scope": [], "service": [], "severity": [],
                                "status": [], "description": null})"));
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(from_json->events, std::vector<std::string>{"incident.*"});
  EXPECT_TRUE(from_json->scopes.empty());
  EXPECT_TRUE(from_json->services.empty());
  EXPECT_TRUE(from_json->severities.empty());
  EXPECT_TRUE(from_json->statuses.empty());
  EXPECT_EQ(from_json->description, "");
  const auto from_form =
      apply_webhook_update(stored(), form("event=&scope=&service=&severity=&status=&description="));
  ASSERT_TRUE(from_form.ok());
  EXPECT_EQ(*from_form, *from_json);
}

TEST(WebhookUpdate, TheUrlCanChangeButNotBeRemoved) {
  for (const FieldMap& fields : {form("url="), json_fields(R"({"url": null})")})
    EXPECT_EQ(reasons_for(apply_webhook_update(stored(), fields), "url"),
              std::vector<std::string>{reason::required});
  const auto bad = apply_webhook_update(stored(), form("url=https://u@example.com/"));
  EXPECT_EQ(reasons_for(bad, "url"),
            std::vector<std::string>{"No user information (user@) allowed."});
  EXPECT_EQ(bad.error().message, "Webhook update failed");
}

TEST(WebhookUpdate, RefusesEachBadFieldAsACreateDoes) {
  const auto result = apply_webhook_update(
      stored(), form("event=incident.closed&scope=-2&service=x&severity=urgent&status=open"
                     "&internal=sometimes&enabled=never"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reasons.size(), 7u);
  for (const char* field :
       {"event", "scope", "service", "severity", "status", "internal", "enabled"})
    EXPECT_EQ(reasons_for(result, field).size(), 1u) << field;
}

TEST(WebhookUpdate, EnablingForgetsWhyTheServerDisabledIt) {
  Subscription disabled = stored();
  disabled.enabled = false;
  disabled.disabled_reason = "Endpoint failed for 5 days.";
  disabled.failure_run = 120;
  const auto enabled = apply_webhook_update(disabled, form("enabled=true"));
  ASSERT_TRUE(enabled.ok());
  EXPECT_TRUE(enabled->enabled);
  EXPECT_EQ(enabled->disabled_reason, "");
  EXPECT_EQ(enabled->failure_run, 0);
  // Saying it again changes nothing; other updates keep the reason.
  EXPECT_EQ(apply_webhook_update(disabled, form("enabled=false"))->disabled_reason,
            disabled.disabled_reason);
  EXPECT_EQ(apply_webhook_update(disabled, form("description=x"))->disabled_reason,
            disabled.disabled_reason);
  const auto paused = apply_webhook_update(stored(), json_fields(R"({"enabled": false})"));
  ASSERT_TRUE(paused.ok());
  EXPECT_FALSE(paused->enabled);
  EXPECT_EQ(paused->disabled_reason, "");
  EXPECT_EQ(paused->failure_run, stored().failure_run);
}

// ---- API and stored forms -------------------------------------------------

TEST(WebhookJson, ShowsTheSubscriptionAndItsSecretOnlyWhenAsked) {
  const json shown = webhook_to_json(stored(), false);
  const json expected = {{"id", 12},
                         {"url", kUrl},
                         {"description", "Pager bridge"},
                         {"events", {"incident.created", "scope.*"}},
                         {"filters",
                          {{"scope", {1, 2}},
                           {"service", {3}},
                           {"severity", {"critical"}},
                           {"status", {"active", "investigating"}}}},
                         {"internal", true},
                         {"enabled", true},
                         {"disabled_reason", nullptr},
                         {"created_at", "2026-11-27T10:04"},
                         {"updated_at", "2026-11-28T08:00"}};
  EXPECT_EQ(shown, expected);
  EXPECT_EQ(shown.dump().find("whsec_"), std::string::npos);
  json with_secret = expected;
  with_secret["secret"] = stored().secret;
  EXPECT_EQ(webhook_to_json(stored(), true), with_secret);
}

TEST(WebhookJson, ShowsEmptyFiltersAsEmptyListsAndMissingTextsAsNull) {
  Subscription s = stored();
  s.description = "";
  s.scopes = {};
  s.services = {};
  s.severities = {};
  s.statuses = {};
  s.enabled = false;
  s.disabled_reason = "Endpoint failed for 5 days.";
  const json shown = webhook_to_json(s, false);
  EXPECT_TRUE(shown["description"].is_null());
  for (const char* filter : {"scope", "service", "severity", "status"})
    EXPECT_EQ(shown["filters"][filter], json::array()) << filter;
  EXPECT_EQ(shown["enabled"], false);
  EXPECT_EQ(shown["disabled_reason"], "Endpoint failed for 5 days.");
}

TEST(WebhookStoredForm, RoundTripsEveryField) {
  Subscription s = stored();
  s.description = "Bridge \xc3\xa9 \"quoted\"\n";
  s.enabled = false;
  s.disabled_reason = "Endpoint failed for 5 days.";
  s.failure_run = 9007199254740991;
  const auto decoded = decode_subscription(encode_subscription(s));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, s);
  EXPECT_EQ(*decode_subscription(encode_subscription(stored())), stored());
}

TEST(WebhookStoredForm, AllowsAnEmptySecretForAStoreThatKeepsSecretsApart) {
  Subscription s = stored();
  s.secret.clear();
  s.previous_secrets.clear();
  const auto decoded = decode_subscription(encode_subscription(s));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, s);
}

TEST(WebhookStoredForm, ReadsTheSinglePreviousSecretOfAnOlderVersionAsTheLastOne) {
  const auto decoded = decode_subscription(
      R"({"id": 3, "url": "http://a.example/", "previous_secret": "whsec_aGVsbG8=",
          "previous_secret_expires_ms": 1764237600000})");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->previous_secrets,
            (std::vector<PreviousSecret>{{"whsec_aGVsbG8=", 1764237600000}}));
  const auto empty = decode_subscription(
      R"({"id": 3, "url": "http://a.example/", "previous_secret": "",
          "previous_secret_expires_ms": 0})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->previous_secrets.empty());
}

TEST(WebhookStoredForm, AbsentFieldsTakeTheirDefaults) {
  const auto decoded = decode_subscription(R"({"id": 3, "url": "http://a.example/"})");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->id, 3);
  EXPECT_TRUE(decoded->enabled);
  EXPECT_FALSE(decoded->internal);
  EXPECT_TRUE(decoded->events.empty());
}

TEST(WebhookStoredForm, RefusesAnythingElse) {
  for (const std::string& text :
       {std::string(""),
        std::string("not json"),
        std::string("[]"),
        std::string("null"),
        std::string(R"({"url": "http://a.example/"})"),
        std::string(R"({"id": 0, "url": "http://a.example/"})"),
        std::string(R"({"id": "3", "url": "http://a.example/"})"),
        std::string(R"({"id": 3})"),
        std::string(R"({"id": 3, "url": ""})"),
        std::string(R"({"id": 3, "url": 5})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "events": "incident.*"})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "scopes": ["1"]})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "scopes": [1.5]})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "enabled": 1})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "secret": "whsec_!"})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "previous_secret": "x"})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "previous_secrets": {}})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "previous_secrets": ["x"]})"),
        std::string(R"({"id": 3, "url": "http://a.example/",
            "previous_secrets": [{"secret": "x", "expires_ms": 1}]})"),
        std::string(R"({"id": 3, "url": "http://a.example/",
            "previous_secrets": [{"secret": "whsec_aGVsbG8=", "expires_ms": "1"}]})"),
        std::string(R"({"id": 3, "url": "http://a.example/", "failure_run": null})"),
        encode_subscription(stored()).substr(1)})
    EXPECT_EQ(decode_subscription(text), std::nullopt) << text;
}

}  // namespace
}  // namespace incident::webhooks
