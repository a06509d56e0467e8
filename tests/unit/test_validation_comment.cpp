// Validation of comments (text and the internal flag) and of scope/service
// writes, whose messages name the kind of entry.
#include <gtest/gtest.h>

#include "domain/validation.hpp"
#include "fixtures.hpp"

namespace incident {
namespace {

using test::reasons_of;
using test::repeat;
using test::set_kind;
using test::set_text;
using Kind = FieldValue::Kind;

FieldMap comment_fields(const std::string& comment) {
  FieldMap fields;
  set_text(fields, "comment", comment);
  return fields;
}

TEST(ValidateComment, ReadsAPublicCommentByDefault) {
  const auto result = validate_comment(comment_fields("Failover started"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->comment, "Failover started");
  EXPECT_FALSE(result->internal);
}

TEST(ValidateComment, KeepsTheCommentAsWritten) {
  EXPECT_EQ(validate_comment(comment_fields("  indented log\n"))->comment, "  indented log\n");
}

TEST(ValidateComment, RequiresAComment) {
  for (const auto& fields : {FieldMap{}, comment_fields(""), comment_fields(" \n\t ")}) {
    const auto result = validate_comment(fields);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "Incident comment failed");
    EXPECT_EQ(result.error().reasons, (Reasons{{"comment", {"This field is required."}}}));
  }
}

TEST(ValidateComment, LimitsTheCommentTo65536CodePoints) {
  EXPECT_TRUE(validate_comment(comment_fields(repeat("\xe2\x82\xac", 65536))).ok());
  EXPECT_EQ(reasons_of(validate_comment(comment_fields(repeat("x", 65537)))),
            (Reasons{{"comment", {"Field must be at most 65536 characters long."}}}));
}

TEST(ValidateComment, RejectsInvalidUtf8) {
  EXPECT_EQ(reasons_of(validate_comment(comment_fields("bad \xff byte"))),
            (Reasons{{"comment", {reason::not_utf8}}}));
}

class InternalFlag : public ::testing::TestWithParam<std::pair<const char*, bool>> {};

TEST_P(InternalFlag, IsReadFromTheWordsFormsSend) {
  FieldMap fields = comment_fields("text");
  set_text(fields, "internal", GetParam().first);
  const auto result = validate_comment(fields);
  ASSERT_TRUE(result.ok()) << GetParam().first;
  EXPECT_EQ(result->internal, GetParam().second) << GetParam().first;
}

INSTANTIATE_TEST_SUITE_P(Words, InternalFlag,
                         ::testing::Values(std::pair{"1", true}, std::pair{"true", true},
                                           std::pair{"TRUE", true}, std::pair{"on", true},
                                           std::pair{"yes", true}, std::pair{"Y", true},
                                           std::pair{"0", false}, std::pair{"false", false},
                                           std::pair{"False", false}, std::pair{"off", false},
                                           std::pair{"no", false}, std::pair{"n", false},
                                           std::pair{"", false}));

TEST(ValidateComment, RejectsAnInternalFlagThatIsNoBoolean) {
  for (const char* bad : {"maybe", "2", "yes please", " true"}) {
    FieldMap fields = comment_fields("text");
    set_text(fields, "internal", bad);
    EXPECT_EQ(reasons_of(validate_comment(fields)), (Reasons{{"internal", {reason::not_boolean}}}))
        << bad;
  }
}

TEST(ValidateComment, AcceptsJsonBooleansNumbersAndNullForInternal) {
  FieldMap fields = comment_fields("text");
  set_kind(fields, "internal", Kind::boolean, "true");
  EXPECT_TRUE(validate_comment(fields)->internal);
  set_kind(fields, "internal", Kind::boolean, "false");
  EXPECT_FALSE(validate_comment(fields)->internal);
  set_kind(fields, "internal", Kind::number, "1");
  EXPECT_TRUE(validate_comment(fields)->internal);
  set_kind(fields, "internal", Kind::number, "0");
  EXPECT_FALSE(validate_comment(fields)->internal);
  set_kind(fields, "internal", Kind::null);
  EXPECT_FALSE(validate_comment(fields)->internal);
}

TEST(ValidateComment, RejectsAStructuredInternalAndANumericComment) {
  FieldMap fields;
  set_kind(fields, "comment", Kind::number, "42");
  set_kind(fields, "internal", Kind::structured);
  EXPECT_EQ(reasons_of(validate_comment(fields)),
            (Reasons{{"comment", {reason::not_string}}, {"internal", {"Not a valid value."}}}));
}

TEST(ValidateCatalogCreate, ReadsATrimmedNameAndAnOptionalDescription) {
  FieldMap fields;
  set_text(fields, "name", "  France DC01 ");
  set_text(fields, "description", "France datacenter - zone 01");
  const auto result = validate_catalog_create(fields, "Scope");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->name, "France DC01");
  EXPECT_EQ(result->description, "France datacenter - zone 01");
}

TEST(ValidateCatalogCreate, AcceptsAOneCharacterNameAndNoDescription) {
  FieldMap fields;
  set_text(fields, "name", "\xc3\xa9");
  const auto result = validate_catalog_create(fields, "Service");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->description, std::nullopt);
}

TEST(ValidateCatalogCreate, NamesTheKindOfEntryInItsMessage) {
  const auto scope = validate_catalog_create(FieldMap{}, "Scope");
  const auto service = validate_catalog_create(FieldMap{}, "Service");
  ASSERT_FALSE(scope.ok());
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(scope.error().message, "Scope creation failed");
  EXPECT_EQ(service.error().message, "Service creation failed");
  EXPECT_EQ(scope.error().reasons, (Reasons{{"name", {"This field is required."}}}));
}

TEST(ValidateCatalogCreate, RejectsBlankTooLongAndOverlongFields) {
  FieldMap fields;
  set_text(fields, "name", repeat("\xc3\xa9", 256));
  set_text(fields, "description", repeat("x", 65537));
  EXPECT_EQ(reasons_of(validate_catalog_create(fields, "Scope")),
            (Reasons{{"description", {"Field must be at most 65536 characters long."}},
                     {"name", {"Field must be at most 255 characters long."}}}));
  set_text(fields, "name", "   ");
  set_text(fields, "description", repeat("x", 65536));
  EXPECT_EQ(reasons_of(validate_catalog_create(fields, "Scope")),
            (Reasons{{"name", {reason::required}}}));
}

TEST(ValidateCatalogUpdate, KeepsClearsOrSetsTheDescription) {
  FieldMap fields;
  set_text(fields, "name", "France DC01");
  EXPECT_FALSE(validate_catalog_update(fields, "Scope")->description.present);
  set_text(fields, "description", "");
  const auto cleared = validate_catalog_update(fields, "Scope")->description;
  EXPECT_TRUE(cleared.present && !cleared.value);
  set_text(fields, "description", "zone 01");
  EXPECT_EQ(validate_catalog_update(fields, "Scope")->description.value, "zone 01");
}

TEST(ValidateCatalogUpdate, RequiresANameAndNamesTheKindInItsMessage) {
  FieldMap fields;
  set_text(fields, "description", "zone 01");
  const auto result = validate_catalog_update(fields, "Service");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "Service update failed");
  EXPECT_EQ(result.error().reasons, (Reasons{{"name", {"This field is required."}}}));
}

TEST(ValidateCatalogUpdate, RejectsInvalidUtf8InItsFields) {
  FieldMap fields;
  set_text(fields, "name", "ok name \xc0\xaf");
  set_text(fields, "description", "\xed\xbf\xbf");
  EXPECT_EQ(reasons_of(validate_catalog_update(fields, "Scope")),
            (Reasons{{"description", {reason::not_utf8}}, {"name", {reason::not_utf8}}}));
}

}  // namespace
}  // namespace incident
