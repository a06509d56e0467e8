// Validation of incident updates: the required fields, status choices and the
// keep (absent) / clear (empty or null) / set rules of optional fields and dates.
#include <gtest/gtest.h>

#include "domain/dates.hpp"
#include "domain/validation.hpp"
#include "fixtures.hpp"

namespace incident {
namespace {

using test::reasons_of;
using test::repeat;
using test::set_kind;
using test::set_text;
using test::update_fields;

const std::string kE = "\xc3\xa9";  // one code point, two bytes

TEST(ValidateUpdate, ReadsTheRequiredFieldsAndKeepsEverythingElse) {
  FieldMap fields = update_fields();
  set_text(fields, "status", "stable");
  const auto result = validate_update(fields);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, Status::stable);
  EXPECT_EQ(result->name, "Database outage");
  EXPECT_FALSE(result->description.present);
  EXPECT_FALSE(result->external_reference.present);
  EXPECT_FALSE(result->external_link.present);
  EXPECT_FALSE(result->investigation_date.present);
  EXPECT_FALSE(result->stable_date.present);
  EXPECT_FALSE(result->resolve_date.present);
  EXPECT_EQ(result->start_impact_date, std::nullopt);
}

class UpdateRequired : public ::testing::TestWithParam<const char*> {};

TEST_P(UpdateRequired, FieldIsNamedWhenMissing) {
  FieldMap fields = update_fields();
  fields.erase(GetParam());
  const auto result = validate_update(fields);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "Incident update failed");
  EXPECT_EQ(result.error().reasons, (Reasons{{GetParam(), {"This field is required."}}}));
}

INSTANTIATE_TEST_SUITE_P(Fields, UpdateRequired,
                         ::testing::Values("name", "severity", "status", "scope", "service"));

TEST(ValidateUpdate, ReadsEveryStatus) {
  for (const Status status :
       {Status::active, Status::investigating, Status::stable, Status::resolved}) {
    FieldMap fields = update_fields();
    set_text(fields, "status", std::string(to_string(status)));
    EXPECT_EQ(validate_update(fields)->status, status);
  }
}

TEST(ValidateUpdate, RejectsAStatusOutsideTheChoices) {
  FieldMap fields = update_fields();
  set_text(fields, "status", "closed");
  EXPECT_EQ(reasons_of(validate_update(fields)), (Reasons{{"status", {reason::not_choice}}}));
}

class UpdatedText : public ::testing::TestWithParam<const char*> {};

FieldUpdate<std::string> read_text(const FieldMap& fields, const std::string& name) {
  const UpdateRequest r = validate_update(fields).value();
  if (name == "description") return r.description;
  if (name == "external_link") return r.external_link;
  return r.external_reference;
}

TEST_P(UpdatedText, IsKeptWhenAbsentClearedWhenEmptyOrNullAndSetOtherwise) {
  const std::string field = GetParam();
  const auto read = [&](const FieldMap& fields) { return read_text(fields, field); };
  FieldMap fields = update_fields();
  EXPECT_FALSE(read(fields).present);
  set_text(fields, field, "");
  EXPECT_TRUE(read(fields).present && !read(fields).value);
  set_kind(fields, field, FieldValue::Kind::null);
  EXPECT_TRUE(read(fields).present && !read(fields).value);
  set_text(fields, field, "https://example.org/x");
  EXPECT_EQ(read(fields).value, "https://example.org/x");
}

INSTANTIATE_TEST_SUITE_P(Fields, UpdatedText,
                         ::testing::Values("description", "external_reference", "external_link"));

TEST(ValidateUpdate, ChecksLengthsAndLinksLikeCreate) {
  FieldMap fields = update_fields();
  set_text(fields, "name", "abc");
  set_text(fields, "description", repeat(kE, 65537));
  set_text(fields, "external_reference", repeat("x", 256));
  set_text(fields, "external_link", "www.example.org");
  EXPECT_EQ(reasons_of(validate_update(fields)),
            (Reasons{{"description", {"Field must be at most 65536 characters long."}},
                     {"external_link", {reason::not_url}},
                     {"external_reference", {"Field must be at most 255 characters long."}},
                     {"name", {"Field must be at least 4 characters long."}}}));
}

class StateDateField : public ::testing::TestWithParam<const char*> {};

FieldUpdate<Minute> read_date(const FieldMap& fields, const std::string& name) {
  const UpdateRequest r = validate_update(fields).value();
  if (name == "investigation_date") return r.investigation_date;
  if (name == "stable_date") return r.stable_date;
  return r.resolve_date;
}

TEST_P(StateDateField, IsKeptWhenAbsent) {
  EXPECT_FALSE(read_date(update_fields(), GetParam()).present);
}

TEST_P(StateDateField, IsClearedWhenEmptyOrNull) {
  FieldMap fields = update_fields();
  set_text(fields, GetParam(), "");
  EXPECT_TRUE(read_date(fields, GetParam()).present);
  EXPECT_FALSE(read_date(fields, GetParam()).value);
  set_kind(fields, GetParam(), FieldValue::Kind::null);
  EXPECT_TRUE(read_date(fields, GetParam()).present);
  EXPECT_FALSE(read_date(fields, GetParam()).value);
}

TEST_P(StateDateField, IsSetFromAValidDate) {
  FieldMap fields = update_fields();
  set_text(fields, GetParam(), "2026-11-27T10:04:30");
  EXPECT_EQ(read_date(fields, GetParam()).value, parse_date("2026-11-27T10:04"));
}

TEST_P(StateDateField, IsNamedWhenNotADate) {
  FieldMap fields = update_fields();
  set_text(fields, GetParam(), "2026-02-30T10:00");
  EXPECT_EQ(reasons_of(validate_update(fields)), (Reasons{{GetParam(), {reason::not_date}}}));
}

INSTANTIATE_TEST_SUITE_P(Dates, StateDateField,
                         ::testing::Values("investigation_date", "stable_date", "resolve_date"));

TEST(ValidateUpdate, KeepsTheStartImpactDateWhenAbsentEmptyOrNull) {
  FieldMap fields = update_fields();
  EXPECT_EQ(validate_update(fields)->start_impact_date, std::nullopt);
  set_text(fields, "start_impact_date", "");
  EXPECT_EQ(validate_update(fields)->start_impact_date, std::nullopt);
  set_kind(fields, "start_impact_date", FieldValue::Kind::null);
  EXPECT_EQ(validate_update(fields)->start_impact_date, std::nullopt);
  set_text(fields, "start_impact_date", "2026-11-27T09:58");
  EXPECT_EQ(validate_update(fields)->start_impact_date, parse_date("2026-11-27T09:58"));
}

}  // namespace
}  // namespace incident
