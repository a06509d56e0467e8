// The incident model's enum names: every status and severity round-trips
// through its API spelling, and nothing else parses.
#include <gtest/gtest.h>

#include "domain/incident.hpp"

namespace incident {
namespace {

TEST(StatusNames, RoundTripEveryStatusInLifecycleOrder) {
  const char* names[] = {"active", "investigating", "stable", "resolved"};
  for (int i = 0; i < 4; ++i) {
    const auto status = static_cast<Status>(i);
    EXPECT_EQ(to_string(status), names[i]);
    EXPECT_EQ(parse_status(names[i]), status);
  }
}

TEST(SeverityNames, RoundTripEverySeverityInListOrder) {
  const char* names[] = {"critical", "high", "moderate", "low", "minor"};
  for (int i = 0; i < 5; ++i) {
    const auto severity = static_cast<Severity>(i);
    EXPECT_EQ(to_string(severity), names[i]);
    EXPECT_EQ(parse_severity(names[i]), severity);
  }
}

TEST(EnumNames, AreCaseSensitiveAndExact) {
  EXPECT_EQ(parse_status("Active"), std::nullopt);
  EXPECT_EQ(parse_status("active "), std::nullopt);
  EXPECT_EQ(parse_status(""), std::nullopt);
  EXPECT_EQ(parse_severity("HIGH"), std::nullopt);
  EXPECT_EQ(parse_severity("medium"), std::nullopt);
}

TEST(IncidentEquality, ComparesEveryFieldIncludingEvents) {
  Incident a;
  Incident b;
  EXPECT_EQ(a, b);
  b.events.push_front(Event{"comment", "x", false, 1});
  EXPECT_FALSE(a == b);
  a.events.push_front(Event{"comment", "x", true, 1});
  EXPECT_FALSE(a == b);
  a.events = {Event{"comment", "x", false, 1}};
  EXPECT_EQ(a, b);
  a.resolve_date = 5;
  EXPECT_FALSE(a == b);
}

}  // namespace
}  // namespace incident
