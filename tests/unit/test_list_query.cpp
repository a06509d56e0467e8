#include <gtest/gtest.h>

#include "domain/dates.hpp"
#include "domain/lifecycle.hpp"
#include "domain/list_query.hpp"

namespace incident {
namespace {

FieldMap query(std::initializer_list<std::pair<std::string, std::string>> pairs) {
  FieldMap out;
  for (const auto& [name, value] : pairs) add_text(out, name, value);
  return out;
}

Minute date(const char* text) { return *parse_date(text); }

TEST(ListQueryTest, NoFilterIsEmpty) {
  auto filter = parse_incident_filter(query({{"page", "2"}, {"unknown", "x"}}));
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter->empty());
  EXPECT_EQ(filter_query_string(*filter), "");
}

TEST(ListQueryTest, ReadsEveryFilterWithRepeatsKeptDistinctInOrder) {
  auto filter = parse_incident_filter(query({{"status", "resolved"},
                                             {"status", "active"},
                                             {"status", "resolved"},
                                             {"severity", "low"},
                                             {"scope", "2"},
                                             {"scope", "11"},
                                             {"service", "3"},
                                             {"external_reference", "INC 1/é"},
                                             {"impact_after", "2026-11-01T10:00"},
                                             {"impact_before", "2026-11-02 10:00"}}));
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->statuses, (std::vector<Status>{Status::resolved, Status::active}));
  EXPECT_EQ(filter->severities, std::vector<Severity>{Severity::low});
  EXPECT_EQ(filter->scopes, (std::vector<Id>{2, 11}));
  EXPECT_EQ(filter->services, std::vector<Id>{3});
  EXPECT_EQ(filter->external_references, std::vector<std::string>{"INC 1/é"});
  EXPECT_EQ(filter->impact_after, date("2026-11-01T10:00"));
  EXPECT_EQ(filter->impact_before, date("2026-11-02T10:00"));
  EXPECT_EQ(filter_query_string(*filter),
            "status=resolved&status=active&severity=low&scope=2&scope=11&service=3&"
            "external_reference=INC%201%2F%C3%A9&impact_after=2026-11-01T10%3A00&"
            "impact_before=2026-11-02T10%3A00");
}

TEST(ListQueryTest, RepeatedDateBoundsKeepTheWidest) {
  auto filter = parse_incident_filter(query({{"impact_after", "2026-11-03T00:00"},
                                             {"impact_after", "2026-11-01T00:00"},
                                             {"impact_before", "2026-11-05T00:00"},
                                             {"impact_before", "2026-11-09T00:00"}}));
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->impact_after, date("2026-11-01T00:00"));
  EXPECT_EQ(filter->impact_before, date("2026-11-09T00:00"));
  EXPECT_FALSE(filter->impossible());
}

TEST(ListQueryTest, AnEmptyDateRangeIsImpossibleNotAnError) {
  auto filter = parse_incident_filter(
      query({{"impact_after", "2026-11-03T00:00"}, {"impact_before", "2026-11-03T00:00"}}));
  ASSERT_TRUE(filter.ok());
  EXPECT_TRUE(filter->impossible());
}

class InvalidFilterTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(InvalidFilterTest, IsA400NamingTheFilter) {
  auto [name, value] = GetParam();
  auto filter = parse_incident_filter(query({{name, value}, {"status", "active"}}));
  ASSERT_FALSE(filter.ok()) << name << "=" << value;
  EXPECT_EQ(filter.error().kind, ErrorKind::invalid);
  EXPECT_EQ(filter.error().reasons.size(), 1u);
  EXPECT_EQ(filter.error().reasons.count(name), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Values, InvalidFilterTest,
    ::testing::Values(std::pair<std::string, std::string>{"status", "open"},
                      std::pair<std::string, std::string>{"status", ""},
                      std::pair<std::string, std::string>{"status", "Active"},
                      std::pair<std::string, std::string>{"severity", "urgent"},
                      std::pair<std::string, std::string>{"scope", "0"},
                      std::pair<std::string, std::string>{"scope", "-1"},
                      std::pair<std::string, std::string>{"scope", "abc"},
                      std::pair<std::string, std::string>{"scope", "1.5"},
                      std::pair<std::string, std::string>{"service", "99999999999999999999"},
                      std::pair<std::string, std::string>{"external_reference", ""},
                      std::pair<std::string, std::string>{"external_reference",
                                                          std::string(256, 'r')},
                      std::pair<std::string, std::string>{"impact_after", "yesterday"},
                      std::pair<std::string, std::string>{"impact_after", "2026-02-30T10:00"},
                      std::pair<std::string, std::string>{"impact_before", "2026-11-01"},
                      std::pair<std::string, std::string>{"impact_before", "2026-11-01T25:00"}));

TEST(ListQueryTest, MoreThanFiftyValuesIsA400) {
  FieldMap many;
  for (int i = 1; i <= 51; ++i) add_text(many, "scope", std::to_string(i));
  auto filter = parse_incident_filter(many);
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.error().reasons.count("scope"), 1u);
  many["scope"].pop_back();
  EXPECT_TRUE(parse_incident_filter(many).ok());
}

TEST(ListQueryTest, EveryInvalidFilterIsNamedAtOnce) {
  auto filter = parse_incident_filter(query({{"status", "x"}, {"severity", "y"}, {"scope", "z"}}));
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.error().reasons.size(), 3u);
}

TEST(ListQueryTest, MatchesAppliesEveryFilter) {
  Incident incident = create_incident(CreateRequest{"Outage", {}, {}, {}, Severity::low, 1, 1, {}},
                                      7, date("2026-11-02T10:00"));
  incident.status = Status::stable;
  incident.severity = Severity::high;
  incident.scope = 2;
  incident.service = 3;
  incident.external_reference = "REF";
  incident.start_impact_date = date("2026-11-02T10:00");
  IncidentFilter filter;
  EXPECT_TRUE(matches(filter, incident));
  filter.statuses = {Status::active, Status::stable};
  filter.severities = {Severity::high};
  filter.scopes = {2};
  filter.services = {1, 3};
  filter.external_references = {"REF"};
  filter.impact_after = date("2026-11-02T10:00");   // at or after
  filter.impact_before = date("2026-11-02T10:01");  // strictly before
  EXPECT_TRUE(matches(filter, incident));
  filter.impact_before = date("2026-11-02T10:00");
  EXPECT_FALSE(matches(filter, incident));
  filter.impact_before.reset();
  filter.services = {1};
  EXPECT_FALSE(matches(filter, incident));
  filter.services.clear();
  incident.external_reference.reset();
  EXPECT_FALSE(matches(filter, incident));
}

}  // namespace
}  // namespace incident
