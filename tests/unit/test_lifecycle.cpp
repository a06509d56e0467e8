// The lifecycle as a table: every move between the four statuses, with what
// happens to each state's date, the change recorded and the dates refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/lifecycle.hpp"
#include "lifecycle_fixtures.hpp"

namespace incident {
namespace {

using namespace test;  // NOLINT: the fixtures are this file's vocabulary
using nlohmann::json;

// The date a state must have after moving from `from` to `to` without giving
// one: kept when reached before, stamped with now when reached by this move,
// null while the incident is below it.
std::optional<Minute> expected_date(Status from, Status to, Status state) {
  if (to < state) return std::nullopt;
  return from >= state ? reached_at(state) : kNow;
}

json date_json(const std::optional<Minute>& date) {
  return date ? json(format_date(*date)) : json(nullptr);
}

class Move : public ::testing::TestWithParam<std::tuple<Status, Status>> {
 protected:
  Status from() const { return std::get<0>(GetParam()); }
  Status to() const { return std::get<1>(GetParam()); }
  Incident current() const { return incident_in(from()); }
};

TEST_P(Move, WithoutDatesStampsNewlyReachedStatesKeepsOldOnesAndClearsThoseAbove) {
  const auto result = apply_update(current(), keeping(current(), to()), kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->next.status, to());
  for (const Status state : kDatedStates) {
    EXPECT_EQ(result->next.*date_of(state), expected_date(from(), to(), state)) << field_of(state);
  }
}

TEST_P(Move, PostingBackTheDatesAsReadGivesTheSameDatesAndClearsThoseAbove) {
  const auto result = apply_update(current(), posting_back(current(), to()), kNow);
  ASSERT_TRUE(result.ok());
  for (const Status state : kDatedStates) {
    EXPECT_EQ(result->next.*date_of(state), expected_date(from(), to(), state)) << field_of(state);
  }
}

TEST_P(Move, RecordsTheStatusAndEveryDateThatMovedAsOneUpdateEvent) {
  const auto result = apply_update(current(), posting_back(current(), to()), kNow);
  ASSERT_TRUE(result.ok());
  if (from() == to()) {
    EXPECT_FALSE(result->changed());
    EXPECT_EQ(result->next, current());
    return;
  }
  json expected = {{"status", {to_string(from()), to_string(to())}}};
  for (const Status state : kDatedStates) {
    const auto before = current().*date_of(state);
    const auto after = expected_date(from(), to(), state);
    if (before != after) expected[field_of(state)] = {date_json(before), date_json(after)};
  }
  EXPECT_EQ(result->changes, expected);
  EXPECT_EQ(result->next.version, current().version + 1);
  ASSERT_EQ(result->next.events.size(), current().events.size() + 1);
  EXPECT_EQ(result->next.events.front(), (Event{"update", expected.dump(), true, kNow}));
}

TEST_P(Move, RefusesANewDateForEveryStateAboveTheNewStatusNamingEachField) {
  UpdateRequest request = posting_back(current(), to());
  Reasons expected;
  for (const Status state : kDatedStates) {
    if (state <= to()) continue;
    request.*update_of(state) = FieldUpdate<Minute>::set(kStart + 500);
    expected[field_of(state)] = {"The incident must be in " + std::string(to_string(state)) +
                                 " state."};
  }
  const auto result = apply_update(current(), request, kNow);
  if (expected.empty()) {  // nothing is above resolved
    EXPECT_TRUE(result.ok());
    return;
  }
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid);
  EXPECT_EQ(result.error().message, "Incident update failed");
  EXPECT_EQ(result.error().reasons, expected);
}

TEST_P(Move, SetsEveryDateGivenForAStateAtOrBelowTheNewStatus) {
  UpdateRequest request = keeping(current(), to());
  for (const Status state : kDatedStates) {
    if (state <= to()) request.*update_of(state) = FieldUpdate<Minute>::set(kStart + 100);
  }
  const auto result = apply_update(current(), request, kNow);
  ASSERT_TRUE(result.ok());
  for (const Status state : kDatedStates) {
    const auto expected = state <= to() ? std::optional<Minute>(kStart + 100) : std::nullopt;
    EXPECT_EQ(result->next.*date_of(state), expected) << field_of(state);
  }
}

TEST_P(Move, RefusesEveryGivenDateEarlierThanTheStartOfImpact) {
  UpdateRequest request = keeping(current(), to());
  Reasons expected;
  for (const Status state : kDatedStates) {
    if (state > to()) continue;
    request.*update_of(state) = FieldUpdate<Minute>::set(kStart - 1);
    expected[field_of(state)] = {"Date must not be earlier than start_impact_date."};
  }
  const auto result = apply_update(current(), request, kNow);
  EXPECT_EQ(result.ok(), expected.empty());
  if (!result.ok()) {
    EXPECT_EQ(result.error().reasons, expected);
  }
}

TEST_P(Move, IgnoresAClearOfTheDateOfAReachedState) {
  UpdateRequest request = keeping(current(), to());
  for (const Status state : kDatedStates) {
    request.*update_of(state) = FieldUpdate<Minute>::clear();
  }
  const auto result = apply_update(current(), request, kNow);
  ASSERT_TRUE(result.ok());
  for (const Status state : kDatedStates) {
    EXPECT_EQ(result->next.*date_of(state), expected_date(from(), to(), state)) << field_of(state);
  }
}

std::string move_name(const ::testing::TestParamInfo<std::tuple<Status, Status>>& info) {
  return std::string(to_string(std::get<0>(info.param))) + "_to_" +
         std::string(to_string(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(AllStatusPairs, Move,
                         ::testing::Combine(::testing::ValuesIn(kStatuses),
                                            ::testing::ValuesIn(kStatuses)),
                         move_name);

TEST(ApplyUpdate, StampsNowEvenBeforeAStartOfImpactInTheFuture) {
  Incident current = incident_in(Status::active);
  current.start_impact_date = kNow + 60;
  const auto result = apply_update(current, keeping(current, Status::stable), kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->next.investigation_date, kNow);
  EXPECT_EQ(result->next.stable_date, kNow);
}

TEST(ApplyUpdate, ChecksGivenDatesAgainstTheStartOfImpactOfTheSameRequest) {
  const Incident current = incident_in(Status::active);
  UpdateRequest request = keeping(current, Status::investigating);
  request.start_impact_date = kStart + 30;
  request.investigation_date = FieldUpdate<Minute>::set(kStart + 20);
  const auto result = apply_update(current, request, kNow);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.error().reasons,
      (Reasons{{"investigation_date", {"Date must not be earlier than start_impact_date."}}}));
}

TEST(ApplyUpdate, AcceptsAGivenDateEqualToTheStartOfImpact) {
  const Incident current = incident_in(Status::active);
  UpdateRequest request = keeping(current, Status::resolved);
  request.resolve_date = FieldUpdate<Minute>::set(kStart);
  const auto result = apply_update(current, request, kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->next.resolve_date, kStart);
}

TEST(ApplyUpdate, ReportsEveryRefusedDateInOneError) {
  const Incident current = incident_in(Status::active);
  UpdateRequest request = keeping(current, Status::investigating);
  request.investigation_date = FieldUpdate<Minute>::set(kStart - 5);
  request.resolve_date = FieldUpdate<Minute>::set(kStart + 5);
  const auto result = apply_update(current, request, kNow);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reasons,
            (Reasons{{"investigation_date", {"Date must not be earlier than start_impact_date."}},
                     {"resolve_date", {"The incident must be in resolved state."}}}));
}

}  // namespace
}  // namespace incident
