// Probation: an endpoint whose latest attempt failed, or that has not yet
// succeeded, has one attempt on the wire; a success gives it the full
// allowance back. So N hanging endpoints hold at most N of the sender's slots.
#include <gtest/gtest.h>

#include "webhooks/endpoint_slots.hpp"

namespace incident::webhooks {
namespace {

TEST(WebhookEndpointSlots, AnEndpointStartsOnProbationUntilASuccess) {
  EndpointSlots slots(16);
  EXPECT_TRUE(slots.on_probation(1));
  EXPECT_EQ(slots.room(1), 1u);
  slots.started(1);
  EXPECT_EQ(slots.room(1), 0u);
  slots.ended(1, AttemptEnd::succeeded);
  EXPECT_FALSE(slots.on_probation(1));
  EXPECT_EQ(slots.room(1), 16u);
}

TEST(WebhookEndpointSlots, AFailureLeavesOneSlotUntilASuccess) {
  EndpointSlots slots(16);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  for (int i = 0; i < 16; ++i) slots.started(1);
  EXPECT_EQ(slots.room(1), 0u);
  slots.ended(1, AttemptEnd::failed);  // 15 still on the wire: no room until 0
  EXPECT_TRUE(slots.on_probation(1));
  for (int i = 0; i < 14; ++i) slots.ended(1, AttemptEnd::failed);
  EXPECT_EQ(slots.in_flight(1), 1u);
  EXPECT_EQ(slots.room(1), 0u);
  slots.ended(1, AttemptEnd::failed);
  EXPECT_EQ(slots.room(1), 1u);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  EXPECT_EQ(slots.room(1), 16u);
}

TEST(WebhookEndpointSlots, TheLatestAttemptToEndDecides) {
  EndpointSlots slots(4);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  slots.started(1);
  slots.started(1);
  slots.ended(1, AttemptEnd::failed);
  EXPECT_EQ(slots.room(1), 0u);  // probation: one on the wire already
  slots.ended(1, AttemptEnd::succeeded);
  EXPECT_EQ(slots.room(1), 4u);
}

TEST(WebhookEndpointSlots, StoppingSaysNothingOfTheEndpoint) {
  EndpointSlots slots(4);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  slots.started(1);
  slots.ended(1, AttemptEnd::stopped);
  EXPECT_FALSE(slots.on_probation(1));
  EXPECT_EQ(slots.room(1), 4u);
}

TEST(WebhookEndpointSlots, HangingEndpointsHoldOneSlotEach) {
  EndpointSlots slots(16);
  std::size_t held = 0;
  for (EndpointSlots::Id id = 1; id <= 40; ++id) {
    while (slots.room(id) > 0) {
      slots.started(id);
      ++held;
    }
  }
  EXPECT_EQ(held, 40u);
  for (EndpointSlots::Id id = 1; id <= 40; ++id) slots.ended(id, AttemptEnd::failed);
  for (EndpointSlots::Id id = 1; id <= 40; ++id) EXPECT_EQ(slots.room(id), 1u);
}

TEST(WebhookEndpointSlots, EndpointsAreApart) {
  EndpointSlots slots(2);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  slots.started(2);
  slots.ended(2, AttemptEnd::failed);
  EXPECT_EQ(slots.room(1), 2u);
  EXPECT_EQ(slots.room(2), 1u);
}

TEST(WebhookEndpointSlots, ForgettingWaitsForTheLastAttemptToEnd) {
  EndpointSlots slots(2);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  slots.started(1);
  slots.forget(1);  // one still on the wire: kept
  EXPECT_EQ(slots.in_flight(1), 1u);
  slots.ended(1, AttemptEnd::succeeded);
  slots.forget(1);
  EXPECT_TRUE(slots.on_probation(1));
  EXPECT_EQ(slots.in_flight(1), 0u);
}

TEST(WebhookEndpointSlots, AnAllowanceOfZeroIsOne) {
  EndpointSlots slots(0);
  slots.started(1);
  slots.ended(1, AttemptEnd::succeeded);
  EXPECT_EQ(slots.room(1), 1u);
}

}  // namespace
}  // namespace incident::webhooks
