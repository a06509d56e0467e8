// The guard around every call from Pistache's reactor: an exception becomes a
// dropped connection and a log line, never the end of the process.
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "http/reactor_guard.hpp"

namespace incident {
namespace {

TEST(ReactorGuard, WorkThatCompletesKeepsTheConnection) {
  int dropped = 0;
  EXPECT_TRUE(run_guarded(
      "serving", [] {}, [&] { ++dropped; }));
  EXPECT_EQ(dropped, 0);
}

TEST(ReactorGuard, AnExceptionDropsOnlyThatConnection) {
  int dropped = 0;
  EXPECT_FALSE(run_guarded(
      "serving", [] { throw std::runtime_error("parser bug"); }, [&] { ++dropped; }));
  EXPECT_FALSE(run_guarded(
      "accepting", [] { throw std::bad_alloc(); }, [&] { ++dropped; }));
  EXPECT_FALSE(run_guarded(
      "closing", [] { throw 42; }, [&] { ++dropped; }));
  EXPECT_EQ(dropped, 3);
}

TEST(ReactorGuard, AFailingDropEscapesNeither) {
  EXPECT_FALSE(run_guarded(
      "serving", [] { throw std::logic_error("first"); },
      [] { throw std::logic_error("second"); }));
}

}  // namespace
}  // namespace incident
