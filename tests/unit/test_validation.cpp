// Validation of incident creates and updates: required fields, lengths in code
// points, choices, optional fields and the keep/clear/set rules of updates.
#include <gtest/gtest.h>

#include "domain/dates.hpp"
#include "domain/validation.hpp"
#include "fixtures.hpp"
#include "http/body_parser.hpp"

namespace incident {
namespace {

using test::create_fields;
using test::reasons_of;
using test::repeat;
using test::set_text;

const std::string kE = "\xc3\xa9";  // one code point, two bytes

TEST(ValidateCreate, AcceptsTheMinimalFieldsAndLeavesOptionalsUnset) {
  const auto result = validate_create(create_fields());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->name, "Database outage");
  EXPECT_EQ(result->severity, Severity::high);
  EXPECT_EQ(result->scope, 1);
  EXPECT_EQ(result->service, 2);
  EXPECT_EQ(result->description, std::nullopt);
  EXPECT_EQ(result->external_reference, std::nullopt);
  EXPECT_EQ(result->external_link, std::nullopt);
  EXPECT_EQ(result->start_impact_date, std::nullopt);
}

TEST(ValidateCreate, RefusesAJsonListWhereOneValueBelongs) {
  auto fields = parse_body(std::string("application/json"),
                           R"({"scope": 1, "service": [2, 999], "name": ["a", "b"],
                               "severity": "high", "description": ["x"]})");
  ASSERT_TRUE(fields.ok());
  const auto result = validate_create(*fields);
  ASSERT_FALSE(result.ok());
  const auto reasons = result.error().reasons;
  for (const char* field : {"service", "name", "description"})
    EXPECT_EQ(reasons.at(field), std::vector<std::string>{"Expected one value, not a list."})
        << field;
  EXPECT_EQ(reasons.count("scope"), 0u);
}

TEST(ValidateCreate, ReadsEveryOptionalField) {
  FieldMap fields = create_fields();
  set_text(fields, "description", "Primary database unreachable");
  set_text(fields, "external_reference", "INC0000123");
  set_text(fields, "external_link", "https://tracker.example.org/INC0000123");
  set_text(fields, "start_impact_date", "2026-11-27 09:58");
  const auto result = validate_create(fields);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->description, "Primary database unreachable");
  EXPECT_EQ(result->external_reference, "INC0000123");
  EXPECT_EQ(result->external_link, "https://tracker.example.org/INC0000123");
  EXPECT_EQ(result->start_impact_date, parse_date("2026-11-27T09:58"));
}

TEST(ValidateCreate, ReportsEveryMissingRequiredFieldWithTheExactReason) {
  const auto result = validate_create(FieldMap{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid);
  EXPECT_EQ(result.error().message, "Incident creation failed");
  const std::vector<std::string> required{"This field is required."};
  EXPECT_EQ(
      result.error().reasons,
      (Reasons{
          {"name", required}, {"scope", required}, {"service", required}, {"severity", required}}));
}

TEST(ValidateCreate, ReportsBadFieldsOfDifferentKindsTogether) {
  FieldMap fields;
  set_text(fields, "name", "abc");
  set_text(fields, "severity", "urgent");
  set_text(fields, "scope", "abc");
  set_text(fields, "external_link", "ftp://example.org");
  set_text(fields, "start_impact_date", "yesterday");
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"external_link", {"Invalid URL."}},
                     {"name", {"Field must be at least 4 characters long."}},
                     {"scope", {"Not a valid integer value."}},
                     {"service", {"This field is required."}},
                     {"severity", {"Not a valid choice."}},
                     {"start_impact_date", {"Not a valid datetime value."}}}));
}

TEST(ValidateCreate, TreatsAnEmptyNameAsMissing) {
  FieldMap fields = create_fields();
  set_text(fields, "name", "");
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"name", {reason::required}}}));
}

TEST(ValidateCreate, TreatsABlankNameAsMissing) {
  FieldMap fields = create_fields();
  set_text(fields, "name", " \t\r\n ");
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"name", {reason::required}}}));
}

TEST(ValidateCreate, TrimsSurroundingSpacesFromTheName) {
  FieldMap fields = create_fields();
  set_text(fields, "name", "  Database outage\t\n");
  EXPECT_EQ(validate_create(fields)->name, "Database outage");
}

TEST(ValidateCreate, CountsTheNameLengthAfterTrimming) {
  FieldMap fields = create_fields();
  set_text(fields, "name", "   abc   ");
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"name", {"Field must be at least 4 characters long."}}}));
}

struct LengthCase {
  std::string text;
  bool ok;
};

class NameLength : public ::testing::TestWithParam<LengthCase> {};

TEST_P(NameLength, IsCountedInCodePointsBetween4And255) {
  FieldMap fields = create_fields();
  set_text(fields, "name", GetParam().text);
  EXPECT_EQ(validate_create(fields).ok(), GetParam().ok) << GetParam().text.size() << " bytes";
}

INSTANTIATE_TEST_SUITE_P(
    Names, NameLength,
    ::testing::Values(LengthCase{"abc", false}, LengthCase{"abcd", true},
                      LengthCase{repeat(kE, 3), false}, LengthCase{repeat(kE, 4), true},
                      LengthCase{repeat("x", 255), true}, LengthCase{repeat("x", 256), false},
                      LengthCase{repeat(kE, 255), true}, LengthCase{repeat(kE, 256), false},
                      LengthCase{repeat("\xf0\x9f\x94\xa5", 255), true}));

TEST(ValidateCreate, NamesTheMaximumOfATooLongName) {
  FieldMap fields = create_fields();
  set_text(fields, "name", repeat("x", 256));
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"name", {"Field must be at most 255 characters long."}}}));
}

TEST(ValidateCreate, AcceptsADescriptionOf65536CodePoints) {
  FieldMap fields = create_fields();
  set_text(fields, "description", repeat(kE, 65536));
  EXPECT_TRUE(validate_create(fields).ok());
}

TEST(ValidateCreate, RejectsADescriptionOf65537CodePoints) {
  FieldMap fields = create_fields();
  set_text(fields, "description", repeat("x", 65537));
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"description", {"Field must be at most 65536 characters long."}}}));
}

TEST(ValidateCreate, TreatsEmptyOptionalFieldsAsUnset) {
  FieldMap fields = create_fields();
  for (const char* name :
       {"description", "external_reference", "external_link", "start_impact_date"}) {
    set_text(fields, name, "");
  }
  const auto result = validate_create(fields);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->description, std::nullopt);
  EXPECT_EQ(result->external_reference, std::nullopt);
  EXPECT_EQ(result->external_link, std::nullopt);
  EXPECT_EQ(result->start_impact_date, std::nullopt);
}

TEST(ValidateCreate, LimitsTheExternalReferenceTo255CodePoints) {
  FieldMap fields = create_fields();
  set_text(fields, "external_reference", repeat(kE, 255));
  EXPECT_TRUE(validate_create(fields).ok());
  set_text(fields, "external_reference", repeat(kE, 256));
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"external_reference", {"Field must be at most 255 characters long."}}}));
}

TEST(ValidateCreate, LimitsTheExternalLinkTo2048CodePoints) {
  FieldMap fields = create_fields();
  const std::string prefix = "https://example.org/";
  set_text(fields, "external_link", prefix + repeat("a", 2048 - prefix.size()));
  EXPECT_TRUE(validate_create(fields).ok());
  set_text(fields, "external_link", prefix + repeat("a", 2049 - prefix.size()));
  EXPECT_EQ(reasons_of(validate_create(fields)),
            (Reasons{{"external_link", {"Field must be at most 2048 characters long."}}}));
}

class BadLink : public ::testing::TestWithParam<const char*> {};

TEST_P(BadLink, IsRejectedAsAnInvalidUrl) {
  FieldMap fields = create_fields();
  set_text(fields, "external_link", GetParam());
  EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"external_link", {reason::not_url}}}));
}

INSTANTIATE_TEST_SUITE_P(Links, BadLink,
                         ::testing::Values("ftp://example.org/file", "example.org",
                                           "/relative/path", "//example.org/x", "http://",
                                           "https:///path", "http://:80/", "http:example.org",
                                           "http://exa mple.org", "http://example.org/a b",
                                           "mailto:ops@example.org", "javascript:alert(1)",
                                           "http://example.org:port/", "http://[::1/",
                                           "http://example.org/\x01", "https://ex<ample>.org"));

class SeverityChoice : public ::testing::TestWithParam<std::pair<const char*, Severity>> {};

TEST_P(SeverityChoice, IsReadFromItsName) {
  FieldMap fields = create_fields();
  set_text(fields, "severity", GetParam().first);
  EXPECT_EQ(validate_create(fields)->severity, GetParam().second);
}

INSTANTIATE_TEST_SUITE_P(Severities, SeverityChoice,
                         ::testing::Values(std::pair{"critical", Severity::critical},
                                           std::pair{"high", Severity::high},
                                           std::pair{"moderate", Severity::moderate},
                                           std::pair{"low", Severity::low},
                                           std::pair{"minor", Severity::minor}));

TEST(ValidateCreate, RejectsSeveritiesOutsideTheChoices) {
  for (const char* bad : {"urgent", "High", " high", "high ", "0", "critical,high"}) {
    FieldMap fields = create_fields();
    set_text(fields, "severity", bad);
    EXPECT_EQ(reasons_of(validate_create(fields)), (Reasons{{"severity", {reason::not_choice}}}))
        << bad;
  }
}

TEST(ValidateCreate, IgnoresUpdateOnlyFieldsEvenWhenTheyAreInvalid) {
  FieldMap fields = create_fields();
  set_text(fields, "status", "bogus");
  set_text(fields, "investigation_date", "bogus");
  set_text(fields, "stable_date", "bogus");
  set_text(fields, "resolve_date", "bogus");
  EXPECT_TRUE(validate_create(fields).ok());
}

TEST(ValidateCreate, IgnoresUnknownFieldsAsClientsPostBackWhatTheyRead) {
  FieldMap fields = create_fields();
  set_text(fields, "id", "not a number");
  set_text(fields, "links", "whatever");
  set_text(fields, "version", "x");
  test::set_kind(fields, "events", FieldValue::Kind::structured);
  EXPECT_TRUE(validate_create(fields).ok());
}

TEST(ValidateCreate, UsesTheFirstValueOfARepeatedField) {
  FieldMap fields = create_fields();
  add_text(fields, "name", "Second name ignored");
  EXPECT_EQ(validate_create(fields)->name, "Database outage");
}

}  // namespace
}  // namespace incident
