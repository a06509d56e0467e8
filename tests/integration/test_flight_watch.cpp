// The sweep that bounds incident actors' round trips in flight: which flights
// it reports overdue, and what it forgets.
#include <gtest/gtest.h>

#include <thread>

#include "actors/flight_watch.hpp"

namespace incident {
namespace {

using std::chrono::milliseconds;

LandedFlights counter(std::uint64_t landed) {
  return std::make_shared<std::atomic<std::uint64_t>>(landed);
}

TEST(FlightWatch, ReportsOnlyFlightsStillUnansweredPastTheirBound) {
  FlightWatch watch(milliseconds(1000));
  auto now = FlightWatch::Clock::now();
  auto landed = counter(0);
  watch.took_off(caf::actor{}, landed, 1);
  watch.took_off(caf::actor{}, landed, 2);
  auto other = counter(0);
  watch.took_off(caf::actor{}, other, 7);
  EXPECT_TRUE(watch.overdue(now).empty()) << "nothing is due before its bound";
  EXPECT_EQ(watch.watched(), 3u);

  landed->store(1);  // flight 1 settled; 2 and 7 did not
  auto late = watch.overdue(now + milliseconds(1001));
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].second, 2u);
  EXPECT_EQ(late[1].second, 7u);
  EXPECT_EQ(watch.watched(), 0u) << "swept flights are forgotten";
  EXPECT_TRUE(watch.overdue(now + milliseconds(5000)).empty()) << "and never reported twice";
}

TEST(FlightWatch, AFlightThatLandedLateIsNotReported) {
  FlightWatch watch(milliseconds(50));
  auto landed = counter(0);
  watch.took_off(caf::actor{}, landed, 1);
  landed->store(1);
  EXPECT_TRUE(watch.overdue(FlightWatch::Clock::now() + milliseconds(60)).empty());
}

TEST(FlightWatch, SweepsInDeadlineOrderAndKeepsWhatIsNotDue) {
  FlightWatch watch(milliseconds(1000));
  auto landed = counter(0);
  auto first = FlightWatch::Clock::now();
  watch.took_off(caf::actor{}, landed, 1);
  std::this_thread::sleep_for(milliseconds(20));
  watch.took_off(caf::actor{}, landed, 2);
  // Between the two deadlines: only the first is due.
  auto late = watch.overdue(first + milliseconds(1010));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 1u);
  EXPECT_EQ(watch.watched(), 1u);
  late = watch.overdue(first + milliseconds(1100));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 2u);
}

TEST(FlightWatch, SweepsOftenEnoughToFindAFlightWithinAQuarterBoundOfItsDeadline) {
  EXPECT_EQ(FlightWatch(milliseconds(5000)).sweep_period(), milliseconds(1250));
  EXPECT_EQ(FlightWatch(milliseconds(1000)).sweep_period(), milliseconds(250));
  EXPECT_EQ(FlightWatch(milliseconds(8)).sweep_period(), milliseconds(10)) << "a floor";
}

}  // namespace
}  // namespace incident
