// The list pages kept with the change stream's last id: each query keeps its
// newest page, the least recently used goes past the bound, and nothing read
// before a clear() (a failover) is kept after it.
#include <gtest/gtest.h>

#include "storage/page_ref_cache.hpp"

namespace incident {
namespace {

IncidentRefPage page(std::int64_t total, std::vector<IncidentRef> items) {
  return IncidentRefPage{total, std::move(items)};
}

TEST(PageRefCache, KeepsEachQuerysLastPageWithItsRevision) {
  PageRefCache pages(8);
  EXPECT_FALSE(pages.find("idx 0 20").has_value());
  pages.put("idx 0 20", "5-0", page(2, {{7, 3}, {6, 1}}), pages.generation());
  auto kept = pages.find("idx 0 20");
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->revision, "5-0");
  EXPECT_EQ(kept->page.total, 2);
  ASSERT_EQ(kept->page.items.size(), 2u);
  EXPECT_EQ(kept->page.items[0].id, 7);
  EXPECT_EQ(kept->page.items[0].version, 3);
  EXPECT_FALSE(pages.find("idx 20 20").has_value());
  pages.put("idx 0 20", "9-0", page(1, {{7, 4}}), pages.generation());
  EXPECT_EQ(pages.find("idx 0 20")->revision, "9-0");
  EXPECT_EQ(pages.find("idx 0 20")->page.items[0].version, 4);
  EXPECT_EQ(pages.size(), 1u);
}

TEST(PageRefCache, DropsTheLeastRecentlyUsedPastItsBound) {
  PageRefCache pages(2);
  pages.put("a", "1-0", page(0, {}), pages.generation());
  pages.put("b", "1-0", page(0, {}), pages.generation());
  ASSERT_TRUE(pages.find("a").has_value());  // b is now the least recently used
  pages.put("c", "1-0", page(0, {}), pages.generation());
  EXPECT_TRUE(pages.find("a").has_value());
  EXPECT_FALSE(pages.find("b").has_value());
  EXPECT_TRUE(pages.find("c").has_value());
  EXPECT_EQ(pages.size(), 2u);
}

TEST(PageRefCache, NothingReadBeforeAClearIsKeptAfterIt) {
  PageRefCache pages(4);
  pages.put("a", "1-0", page(0, {}), pages.generation());
  const std::uint64_t before = pages.generation();
  pages.clear();
  EXPECT_FALSE(pages.find("a").has_value());
  pages.put("b", "2-0", page(0, {}), before);  // read before the clear, answered after
  EXPECT_FALSE(pages.find("b").has_value());
  EXPECT_EQ(pages.size(), 0u);
  pages.put("b", "2-0", page(0, {}), pages.generation());
  EXPECT_TRUE(pages.find("b").has_value());
}

TEST(PageRefCache, ABoundOfZeroKeepsNothing) {
  PageRefCache pages(0);
  pages.put("a", "1-0", page(0, {}), pages.generation());
  EXPECT_FALSE(pages.find("a").has_value());
}

}  // namespace
}  // namespace incident
