// Validation of single values across request shapes: ids, URLs, dates, UTF-8
// and the JSON kinds (numbers, booleans, null, objects) a JSON body can carry.
#include <gtest/gtest.h>

#include "domain/validation.hpp"
#include "fixtures.hpp"

namespace incident {
namespace {

using test::create_fields;
using test::reasons_of;
using test::set_kind;
using test::set_text;
using test::update_fields;
using Kind = FieldValue::Kind;

const char* const kBadUtf8 = "Caf\xc3 \xed\xa0\x80";  // truncated sequence and a surrogate

TEST(ParseId, ReadsPositiveDecimalIds) {
  EXPECT_EQ(parse_id("1"), Id{1});
  EXPECT_EQ(parse_id("42"), Id{42});
  EXPECT_EQ(parse_id("9007199254740991"), Id{9007199254740991});  // 2^53 - 1
}

TEST(ParseId, RejectsIdsFrom2To53) {
  EXPECT_EQ(parse_id("9007199254740992"), std::nullopt);
  EXPECT_EQ(parse_id("99999999999999999999999999"), std::nullopt);
}

class BadId : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(BadId, IsNotAValidIntegerForEitherIdField) {
  const auto [field, text] = GetParam();
  EXPECT_EQ(parse_id(text), std::nullopt);
  FieldMap fields = create_fields();
  set_text(fields, field, text);
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{field, {reason::not_integer}}}));
}

INSTANTIATE_TEST_SUITE_P(
    Ids, BadId,
    ::testing::Combine(::testing::Values("scope", "service"),
                       ::testing::Values("abc", "1.5", "-1", "0", "00", "+1", " 1", "1 ", "1e3",
                                         "0x10", "１", "9007199254740993",
                                         "123456789012345678901234567890", "1,2", " ")));

TEST(ValidateCreate, AcceptsIdsSentAsJsonNumbers) {
  FieldMap fields = create_fields();
  set_kind(fields, "scope", Kind::number, "7");
  set_kind(fields, "service", Kind::number, "8");
  const auto result = validate_create(fields);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->scope, 7);
  EXPECT_EQ(result->service, 8);
}

TEST(ValidateCreate, RejectsIdsSentAsFractionalNumbersOrBooleans) {
  FieldMap fields = create_fields();
  set_kind(fields, "scope", Kind::number, "1.5");
  set_kind(fields, "service", Kind::boolean, "true");
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"scope", {reason::not_integer}}, {"service", {reason::not_integer}}}));
}

TEST(ValidateCreate, TreatsNullIdsAsMissing) {
  FieldMap fields = create_fields();
  set_kind(fields, "scope", Kind::null);
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"scope", {reason::required}}}));
}

TEST(IsHttpUrl, AcceptsAbsoluteHttpAndHttpsUrls) {
  for (const char* url :
       {"http://example.org", "https://example.org/", "HTTPS://Example.ORG/a?b=c#d",
        "http://127.0.0.1:8080/x", "http://[::1]:8080/", "https://user:pw@host/x",
        "https://tracker.example.org/INC0000123", "http://h\xc3\xa9.example/"}) {
    EXPECT_TRUE(is_http_url(url)) << url;
  }
}

TEST(IsHttpUrl, RejectsOtherSchemesMissingHostsSpacesAndRelativeUrls) {
  for (const char* url :
       {"ftp://example.org", "file:///etc/passwd", "http://", "http:///x", "http://:8080",
        "http://@/", "http://[]/", "example.org/x", "/x", "http://a b", "http://example.org/ x",
        "http://example.org/\t", "http://example.org:80a/", "http://example.org:123456/", ""}) {
    EXPECT_FALSE(is_http_url(url)) << url;
  }
}

class BadStartDate : public ::testing::TestWithParam<const char*> {};

TEST_P(BadStartDate, IsNotAValidDatetimeOnCreateAndUpdate) {
  FieldMap create = create_fields();
  set_text(create, "start_impact_date", GetParam());
  EXPECT_EQ(reasons_of(validate_create(create)),
            (Reasons{{"start_impact_date", {reason::not_date}}}));
  FieldMap update = update_fields();
  set_text(update, "start_impact_date", GetParam());
  EXPECT_EQ(reasons_of(validate_update(update)),
            (Reasons{{"start_impact_date", {reason::not_date}}}));
}

INSTANTIATE_TEST_SUITE_P(Dates, BadStartDate,
                         ::testing::Values("now", "2026-11-27", "27/11/2026 10:02",
                                           "2026-11-27T10:02Z", "2026-11-27T10:02:00.000",
                                           "2026-11-27T25:00", "2026-02-29T10:00", " ",
                                           "1969-12-31T23:59", "2026-11-27T10:02:00+00:00",
                                           "1795773720"));

TEST(ValidateCreate, RejectsADateSentAsAJsonNumber) {
  FieldMap fields = create_fields();
  set_kind(fields, "start_impact_date", Kind::number, "1795773720");
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"start_impact_date", {reason::not_date}}}));
}

class InvalidUtf8 : public ::testing::TestWithParam<const char*> {};

TEST_P(InvalidUtf8, IsTheOnlyReasonGivenForTheField) {
  FieldMap fields = update_fields();
  set_text(fields, GetParam(), kBadUtf8);
  EXPECT_EQ(reasons_of(validate_update(fields)), (Reasons{{GetParam(), {reason::not_utf8}}}));
}

INSTANTIATE_TEST_SUITE_P(Fields, InvalidUtf8,
                         ::testing::Values("name", "description", "external_reference",
                                           "external_link", "severity", "status", "scope",
                                           "service", "start_impact_date", "investigation_date",
                                           "stable_date", "resolve_date"));

TEST(ValidateCreate, RejectsInvalidUtf8InEveryCreateField) {
  FieldMap fields;
  for (const char* name : {"name", "description", "external_reference", "external_link", "severity",
                           "scope", "service", "start_impact_date"}) {
    set_text(fields, name, kBadUtf8);
  }
  const Reasons reasons = reasons_of(validate_create(fields));
  EXPECT_EQ(reasons.size(), 8u);
  for (const auto& [field, why] : reasons) {
    EXPECT_EQ(why, std::vector<std::string>{reason::not_utf8}) << field;
  }
}

TEST(ValidateCreate, RejectsANumberOrABooleanWhereAStringBelongs) {
  FieldMap fields = create_fields();
  set_kind(fields, "name", Kind::number, "12345");
  set_kind(fields, "description", Kind::boolean, "true");
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"description", {reason::not_string}}, {"name", {reason::not_string}}}));
}

TEST(ValidateCreate, TreatsANullNameAsMissingAndANullDescriptionAsUnset) {
  FieldMap fields = create_fields();
  set_kind(fields, "description", Kind::null);
  EXPECT_EQ(validate_create(fields)->description, std::nullopt);
  set_kind(fields, "name", Kind::null);
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"name", {reason::required}}}));
}

TEST(ValidateCreate, RejectsANumberForTheSeverityAsNotAChoice) {
  FieldMap fields = create_fields();
  set_kind(fields, "severity", Kind::number, "1");
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"severity", {reason::not_choice}}}));
}

class StructuredValue : public ::testing::TestWithParam<const char*> {};

TEST_P(StructuredValue, OfAKnownFieldIsNotAValidValue) {
  FieldMap fields = update_fields();
  set_kind(fields, GetParam(), Kind::structured);
  EXPECT_EQ(reasons_of(validate_update(fields)), (Reasons{{GetParam(), {"Not a valid value."}}}));
}

INSTANTIATE_TEST_SUITE_P(Fields, StructuredValue,
                         ::testing::Values("name", "description", "external_reference",
                                           "external_link", "severity", "status", "scope",
                                           "service", "start_impact_date", "investigation_date",
                                           "stable_date", "resolve_date"));

TEST(ValidateUpdate, IgnoresStructuredValuesOfUnknownFields) {
  FieldMap fields = update_fields();
  set_kind(fields, "links", Kind::structured);
  set_kind(fields, "events", Kind::structured);
  set_kind(fields, "id", Kind::number, "7");
  set_kind(fields, "version", Kind::number, "3");
  set_text(fields, "creation_date", "not a date");
  EXPECT_TRUE(validate_update(fields).ok());
}

}  // namespace
}  // namespace incident
