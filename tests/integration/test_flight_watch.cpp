// The sweep that bounds incident actors' round trips in flight: which flights
// it reports overdue, what it keeps watching, and that it holds at most one
// entry per actor and no actor alive.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <thread>

#include "actors/flight_watch.hpp"

namespace incident {
namespace {

using std::chrono::milliseconds;
using Clock = FlightWatch::Clock;

caf::behavior idle_actor(caf::event_based_actor*, int) {
  return {[](int) {}};
}

class FlightWatchTest : public ::testing::Test {
 protected:
  /// Counts flight `flight` of `counters` as taken off at `at` and tells the watch.
  void take_off(FlightCounters& counters, std::uint64_t flight, Clock::time_point at) {
    counters.take_off(flight, at.time_since_epoch().count());
    watch_.took_off(actor_.address(), counters_of(counters));
  }
  std::shared_ptr<FlightCounters> counters_of(FlightCounters& counters) {
    return std::shared_ptr<FlightCounters>(&counters, [](FlightCounters*) {});
  }

  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  caf::actor actor_ = system_.spawn(idle_actor, 0);
  FlightWatch watch_{milliseconds(1000)};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(FlightWatchTest, AFlightUnansweredPastItsBoundIsReportedOnce) {
  FlightCounters counters;
  take_off(counters, 1, t0_);
  EXPECT_TRUE(watch_.overdue(t0_ + milliseconds(999)).empty()) << "not due before its bound";
  auto late = watch_.overdue(t0_ + milliseconds(1000));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].first, actor_);
  EXPECT_EQ(late[0].second, 1u);
  EXPECT_EQ(watch_.watched(), 0u);
  EXPECT_TRUE(watch_.overdue(t0_ + milliseconds(5000)).empty()) << "never twice";
  EXPECT_FALSE(counters.watched) << "its next take-off is watched again";
}

TEST_F(FlightWatchTest, OneEntryPerActorWhateverTheRateOfFlights) {
  FlightCounters counters;
  for (std::uint64_t flight = 1; flight <= 1000; ++flight) {
    take_off(counters, flight, t0_);
    counters.landed = flight;
  }
  EXPECT_EQ(watch_.watched(), 1u);
}

TEST_F(FlightWatchTest, AnActorThatWentIdleIsForgottenAndWatchedAgainAtItsNextFlight) {
  FlightCounters counters;
  take_off(counters, 1, t0_);
  counters.landed = 1;
  EXPECT_TRUE(watch_.overdue(t0_ + milliseconds(1000)).empty());
  EXPECT_EQ(watch_.watched(), 0u);
  take_off(counters, 2, t0_ + milliseconds(2000));
  EXPECT_EQ(watch_.watched(), 1u);
  auto late = watch_.overdue(t0_ + milliseconds(3000));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 2u);
}

TEST_F(FlightWatchTest, ALaterFlightIsDueABoundAfterItsOwnTakeOff) {
  FlightCounters counters;
  take_off(counters, 1, t0_);
  counters.landed = 1;
  take_off(counters, 2, t0_ + milliseconds(400));  // the entry of flight 1 stays
  EXPECT_EQ(watch_.watched(), 1u);
  EXPECT_TRUE(watch_.overdue(t0_ + milliseconds(1000)).empty()) << "flight 2 is not due yet";
  EXPECT_EQ(watch_.watched(), 1u) << "and stays watched";
  auto late = watch_.overdue(t0_ + milliseconds(1400));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 2u);
}

TEST_F(FlightWatchTest, ALaterFlightAlreadyPastItsBoundIsReportedInTheSameSweep) {
  FlightCounters counters;
  take_off(counters, 1, t0_);
  counters.landed = 1;
  take_off(counters, 2, t0_ + milliseconds(100));
  auto late = watch_.overdue(t0_ + milliseconds(1250));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 2u);
}

TEST_F(FlightWatchTest, AFlightReportedAlongsideALaterOneInTheAirLeavesThatOneWatched) {
  // The sweep finds flight 1 unanswered; before it lets go of the entry, the
  // actor lands it and takes off flight 2 (adding no entry: one is held).
  FlightCounters counters;
  take_off(counters, 1, t0_);
  counters.landed = 1;
  counters.take_off(2, (t0_ + milliseconds(900)).time_since_epoch().count());
  watch_.took_off(actor_.address(), counters_of(counters));
  counters.landed = 0;  // as the sweep saw it: flight 1 unanswered
  std::vector<std::pair<caf::actor, std::uint64_t>> late;
  // Simulated through the counters: flight 1 counted unanswered when looked at.
  late = watch_.overdue(t0_ + milliseconds(1000));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 1u);
  EXPECT_EQ(watch_.watched(), 1u) << "flight 2 is watched";
  counters.landed = 1;
  late = watch_.overdue(t0_ + milliseconds(1900));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].second, 2u);
}

TEST_F(FlightWatchTest, AnActorThatEndedIsNotReportedNorKeptAlive) {
  FlightCounters counters;
  take_off(counters, 1, t0_);
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  caf::actor_addr address = actor_.address();
  actor_ = nullptr;
  // Gone once CAF's worker let go of it too (a moment after it ended).
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (caf::actor_cast<caf::actor>(address) && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_FALSE(caf::actor_cast<caf::actor>(address));
  EXPECT_TRUE(watch_.overdue(t0_ + milliseconds(1000)).empty());
}

TEST(FlightWatch, SweepsOftenEnoughToFindAFlightWithinAQuarterBoundOfItsDeadline) {
  EXPECT_EQ(FlightWatch(milliseconds(5000)).sweep_period(), milliseconds(1250));
  EXPECT_EQ(FlightWatch(milliseconds(1000)).sweep_period(), milliseconds(250));
  EXPECT_EQ(FlightWatch(milliseconds(8)).sweep_period(), milliseconds(10)) << "a floor";
}

}  // namespace
}  // namespace incident
