// Pagination: page/per_page from the query string, the x-* headers and the
// RFC 8288 Link header, including empty lists and per_page=0.
#include <gtest/gtest.h>

#include "domain/pagination.hpp"
#include "fixtures.hpp"

namespace incident {
namespace {

using test::reasons_of;
using test::set_text;

FieldMap query(const char* page, const char* per_page) {
  FieldMap fields;
  if (page != nullptr) set_text(fields, "page", page);
  if (per_page != nullptr) set_text(fields, "per_page", per_page);
  return fields;
}

TEST(ParsePageRequest, DefaultsToTheFirstPageOfTwenty) {
  const auto result = parse_page_request(FieldMap{});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->page, 1);
  EXPECT_EQ(result->per_page, 20);
  EXPECT_EQ(result->offset(), 0);
}

TEST(ParsePageRequest, ReadsBothParametersAndComputesTheOffset) {
  const auto result = parse_page_request(query("3", "50"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->page, 3);
  EXPECT_EQ(result->per_page, 50);
  EXPECT_EQ(result->offset(), 100);
}

TEST(ParsePageRequest, AcceptsTheBoundsOfEachRange) {
  EXPECT_TRUE(parse_page_request(query("1", "0")).ok());
  EXPECT_TRUE(parse_page_request(query("10000000", "50")).ok());
}

TEST(ParsePageRequest, IgnoresOtherParameters) {
  FieldMap fields = query("2", nullptr);
  set_text(fields, "status", "active");
  EXPECT_EQ(parse_page_request(fields)->page, 2);
}

struct BadPage {
  const char* page;
  const char* per_page;
  Reasons reasons;
};

class PageRejects : public ::testing::TestWithParam<BadPage> {};

TEST_P(PageRejects, NamingTheParameterAndWhy) {
  const auto result = parse_page_request(query(GetParam().page, GetParam().per_page));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::invalid);
  EXPECT_EQ(result.error().message, "Invalid pagination");
  EXPECT_EQ(result.error().reasons, GetParam().reasons);
}

const std::vector<std::string> kNotInt{"Not a valid integer value."};
const std::vector<std::string> kPageRange{"Must be between 1 and 10000000."};
const std::vector<std::string> kPerPageRange{"Must be between 0 and 50."};

INSTANTIATE_TEST_SUITE_P(
    Values, PageRejects,
    ::testing::Values(BadPage{"0", nullptr, {{"page", kPageRange}}},
                      BadPage{"-1", nullptr, {{"page", kPageRange}}},
                      BadPage{"10000001", nullptr, {{"page", kPageRange}}},
                      BadPage{"99999999999999999999999", nullptr, {{"page", kPageRange}}},
                      BadPage{"abc", nullptr, {{"page", kNotInt}}},
                      BadPage{"1.5", nullptr, {{"page", kNotInt}}},
                      BadPage{"", nullptr, {{"page", kNotInt}}},
                      BadPage{" 2", nullptr, {{"page", kNotInt}}},
                      BadPage{"-", nullptr, {{"page", kNotInt}}},
                      BadPage{nullptr, "51", {{"per_page", kPerPageRange}}},
                      BadPage{nullptr, "-1", {{"per_page", kPerPageRange}}},
                      BadPage{nullptr, "ten", {{"per_page", kNotInt}}},
                      BadPage{"x", "100", {{"page", kNotInt}, {"per_page", kPerPageRange}}}));

std::map<std::string, std::string> headers(std::int64_t page, std::int64_t per_page,
                                           std::int64_t total) {
  return pagination_headers(PageRequest{page, per_page}, total);
}

TEST(PaginationHeaders, DescribeAMiddlePage) {
  EXPECT_EQ(headers(2, 20, 45), (std::map<std::string, std::string>{{"x-next-page", "3"},
                                                                    {"x-page", "2"},
                                                                    {"x-per-page", "20"},
                                                                    {"x-prev-page", "1"},
                                                                    {"x-total", "45"},
                                                                    {"x-total-pages", "3"}}));
}

TEST(PaginationHeaders, SayNoneBeforeTheFirstAndAfterTheLastPage) {
  EXPECT_EQ(headers(1, 20, 45)["x-prev-page"], "None");
  EXPECT_EQ(headers(3, 20, 45)["x-next-page"], "None");
}

TEST(PaginationHeaders, RoundTheNumberOfPagesUp) {
  EXPECT_EQ(headers(1, 20, 40)["x-total-pages"], "2");
  EXPECT_EQ(headers(1, 20, 41)["x-total-pages"], "3");
  EXPECT_EQ(headers(1, 1, 1)["x-total-pages"], "1");
}

TEST(PaginationHeaders, DescribeAnEmptyList) {
  const auto h = headers(1, 20, 0);
  EXPECT_EQ(h.at("x-total"), "0");
  EXPECT_EQ(h.at("x-total-pages"), "0");
  EXPECT_EQ(h.at("x-prev-page"), "None");
  EXPECT_EQ(h.at("x-next-page"), "None");
}

TEST(PaginationHeaders, CountNoPagesWhenPerPageIsZero) {
  const auto h = headers(1, 0, 45);
  EXPECT_EQ(h.at("x-total"), "45");
  EXPECT_EQ(h.at("x-total-pages"), "0");
  EXPECT_EQ(h.at("x-per-page"), "0");
  EXPECT_EQ(h.at("x-next-page"), "None");
}

TEST(PaginationHeaders, PointBackFromAPagePastTheEnd) {
  const auto h = headers(9, 20, 45);
  EXPECT_EQ(h.at("x-prev-page"), "8");
  EXPECT_EQ(h.at("x-next-page"), "None");
}

const std::string kBase = "http://host/api/incident";

TEST(LinkHeader, ListsFirstLastPrevAndNextOfAMiddlePage) {
  EXPECT_EQ(link_header(PageRequest{2, 20}, 45, kBase, ""),
            "<http://host/api/incident?page=1&per_page=20>; rel=\"first\", "
            "<http://host/api/incident?page=3&per_page=20>; rel=\"last\", "
            "<http://host/api/incident?page=1&per_page=20>; rel=\"prev\", "
            "<http://host/api/incident?page=3&per_page=20>; rel=\"next\"");
}

TEST(LinkHeader, KeepsTheOtherQueryParametersFirst) {
  EXPECT_EQ(link_header(PageRequest{1, 10}, 5, kBase, "status=active&scope=1"),
            "<http://host/api/incident?status=active&scope=1&page=1&per_page=10>; rel=\"first\", "
            "<http://host/api/incident?status=active&scope=1&page=1&per_page=10>; rel=\"last\"");
}

TEST(LinkHeader, OmitsPrevOnTheFirstPageAndNextOnTheLast) {
  const std::string first = link_header(PageRequest{1, 20}, 45, kBase, "");
  EXPECT_EQ(first.find("rel=\"prev\""), std::string::npos);
  EXPECT_NE(first.find("<http://host/api/incident?page=2&per_page=20>; rel=\"next\""),
            std::string::npos);
  const std::string last = link_header(PageRequest{3, 20}, 45, kBase, "");
  EXPECT_EQ(last.find("rel=\"next\""), std::string::npos);
}

TEST(LinkHeader, GivesAnEmptyListOnePage) {
  EXPECT_EQ(link_header(PageRequest{1, 20}, 0, kBase, ""),
            "<http://host/api/incident?page=1&per_page=20>; rel=\"first\", "
            "<http://host/api/incident?page=1&per_page=20>; rel=\"last\"");
}

TEST(LinkHeader, IsEmptyWhenPerPageIsZero) {
  EXPECT_EQ(link_header(PageRequest{1, 0}, 45, kBase, ""), "");
}

}  // namespace
}  // namespace incident
