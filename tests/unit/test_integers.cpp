// The one integer parser: digits only, never overflowing, and the one id bound.
#include <gtest/gtest.h>

#include "domain/integers.hpp"

namespace incident {
namespace {

TEST(Integers, ReadsDigitsOnly) {
  EXPECT_EQ(parse_integer("0"), 0);
  EXPECT_EQ(parse_integer("0042"), 42);
  for (const char* bad : {"", " 1", "1 ", "+1", "1e3", "0x10", "-", "1.0", "-5"})
    EXPECT_FALSE(parse_integer(bad)) << bad;
  EXPECT_EQ(parse_integer("-5", true), -5);
  EXPECT_FALSE(parse_integer("--5", true));
}

TEST(Integers, HugeValuesSaturateInsteadOfOverflowing) {
  EXPECT_EQ(parse_integer("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_integer("9223372036854775808"), INT64_MAX);
  EXPECT_EQ(parse_integer(std::string(400, '9')), INT64_MAX);
  EXPECT_EQ(parse_integer("-" + std::string(40, '9'), true), -INT64_MAX);
  EXPECT_FALSE(parse_integer_in(std::string(40, '9'), 0, INT64_MAX - 1));
}

TEST(Integers, AnIdIsOneToTwoToThe53MinusOne) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("9007199254740991"), kMaxId);
  EXPECT_FALSE(parse_id("9007199254740992"));
  EXPECT_FALSE(parse_id("0"));
  EXPECT_FALSE(parse_id("-1"));
  EXPECT_FALSE(parse_id("18446744073709551617"));
}

TEST(Integers, BoundsAreInclusive) {
  EXPECT_EQ(parse_integer_in("65535", 0, 65535), 65535);
  EXPECT_FALSE(parse_integer_in("65536", 0, 65535));
  EXPECT_EQ(parse_integer_in("-3", -3, 3), -3);
  EXPECT_FALSE(parse_integer_in("-4", -3, 3));
}

}  // namespace
}  // namespace incident
