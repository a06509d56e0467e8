// UTF-8: well-formed text passes, every kind of ill-formed sequence is refused,
// and lengths count code points rather than bytes.
#include <gtest/gtest.h>

#include <string>

#include "domain/utf8.hpp"

namespace incident {
namespace {

TEST(Utf8, AcceptsEmptyText) { EXPECT_TRUE(is_valid_utf8("")); }

TEST(Utf8, AcceptsAscii) { EXPECT_TRUE(is_valid_utf8("Database outage #7")); }

TEST(Utf8, AcceptsEveryLengthOfSequence) {
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));          // U+00E9
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));      // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x94\xa5"));  // U+1F525
}

TEST(Utf8, AcceptsTheBoundariesOfEachRange) {
  EXPECT_TRUE(is_valid_utf8("\xc2\x80"));          // U+0080, smallest two-byte
  EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));      // U+0800, smallest three-byte
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));      // U+D7FF, just below surrogates
  EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));      // U+E000, just above surrogates
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));  // U+10000, smallest four-byte
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
}

TEST(Utf8, AcceptsAnEmbeddedNul) { EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3))); }

class Utf8Rejects : public ::testing::TestWithParam<const char*> {};

TEST_P(Utf8Rejects, IllFormedSequences) { EXPECT_FALSE(is_valid_utf8(GetParam())); }

INSTANTIATE_TEST_SUITE_P(Bytes, Utf8Rejects,
                         ::testing::Values("\x80",                   // lone continuation
                                           "\xbf",                   // lone continuation
                                           "\xc0\x80",               // overlong NUL
                                           "\xc1\xbf",               // overlong two-byte
                                           "\xe0\x80\x80",           // overlong three-byte
                                           "\xe0\x9f\xbf",           // overlong U+07FF
                                           "\xf0\x80\x80\x80",       // overlong four-byte
                                           "\xf0\x8f\xbf\xbf",       // overlong U+FFFF
                                           "\xed\xa0\x80",           // U+D800 surrogate
                                           "\xed\xbf\xbf",           // U+DFFF surrogate
                                           "\xf4\x90\x80\x80",       // U+110000
                                           "\xf5\x80\x80\x80",       // lead above F4
                                           "\xff",                   // never valid
                                           "\xfe",                   // never valid
                                           "\xc3",                   // truncated two-byte
                                           "\xe2\x82",               // truncated three-byte
                                           "\xf0\x9f\x94",           // truncated four-byte
                                           "abc\xe2\x82",            // truncated at the end
                                           "\xc3\x41",               // bad continuation
                                           "\xe2\x41\xac",           // bad second byte
                                           "\xe2\x82\x41",           // bad third byte
                                           "\xf0\x9f\x94\x41",       // bad fourth byte
                                           "\xc3\xa9\xa9",           // extra continuation
                                           "ok\xf8\x88\x80\x80\x80"  // five-byte form
                                           ));

TEST(Utf8Length, CountsAsciiBytes) { EXPECT_EQ(utf8_length("abcd"), 4u); }

TEST(Utf8Length, CountsEachMultiByteCharacterOnce) {
  EXPECT_EQ(utf8_length("\xc3\xa9t\xc3\xa9"), 3u);         // "ete" with accents
  EXPECT_EQ(utf8_length("\xe2\x82\xac\xe2\x82\xac"), 2u);  // two euro signs
  EXPECT_EQ(utf8_length("\xf0\x9f\x94\xa5!"), 2u);         // emoji and '!'
}

TEST(Utf8Length, IsZeroForEmptyText) { EXPECT_EQ(utf8_length(""), 0u); }

}  // namespace
}  // namespace incident
