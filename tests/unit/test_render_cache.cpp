// The renderings kept for list pages: one is used only at its very version,
// audience and base URL, the newest is never replaced by an older one, memory
// stays within the bound (least recently used out first), and concurrent use
// is safe (this test also runs under ThreadSanitizer).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http/render_cache.hpp"

namespace incident {
namespace {

const std::string kBase = "http://127.0.0.1:8080";

std::shared_ptr<const std::string> text(std::string value) {
  return std::make_shared<const std::string>(std::move(value));
}

/// A capacity that gives each of the 16 shards `per_shard` bytes.
std::size_t per_shard(std::size_t bytes) { return 16 * bytes; }

TEST(RenderCache, AnswersOnlyTheVersionKept) {
  RenderCache cache(1 << 20);
  EXPECT_EQ(cache.find(7, 1, Audience::anonymous, kBase), nullptr);
  cache.put(7, 1, Audience::anonymous, kBase, text("{\"v\":1}"), cache.generation());
  auto found = cache.find(7, 1, Audience::anonymous, kBase);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(*found, "{\"v\":1}");
  EXPECT_EQ(cache.find(7, 2, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.find(7, 0, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.find(8, 1, Audience::anonymous, kBase), nullptr);
}

TEST(RenderCache, KeepsAudiencesApart) {
  RenderCache cache(1 << 20);
  cache.put(7, 3, Audience::token_holder, kBase, text("with internal events"), cache.generation());
  EXPECT_EQ(cache.find(7, 3, Audience::anonymous, kBase), nullptr);
  cache.put(7, 3, Audience::anonymous, kBase, text("public"), cache.generation());
  EXPECT_EQ(*cache.find(7, 3, Audience::anonymous, kBase), "public");
  EXPECT_EQ(*cache.find(7, 3, Audience::token_holder, kBase), "with internal events");
}

TEST(RenderCache, KeepsBaseUrlsApartAndOnlyAFew) {
  RenderCache cache(1 << 20);
  std::vector<std::string> bases;
  for (int i = 0; i < 5; ++i) bases.push_back("http://host" + std::to_string(i));
  for (int i = 0; i < 5; ++i)
    cache.put(7, 1, Audience::anonymous, bases[i], text(bases[i]), cache.generation());
  for (int i = 0; i < 4; ++i) {
    auto found = cache.find(7, 1, Audience::anonymous, bases[i]);
    ASSERT_NE(found, nullptr) << bases[i];
    EXPECT_EQ(*found, bases[i]);
  }
  EXPECT_EQ(cache.find(7, 1, Audience::anonymous, bases[4]), nullptr);
}

TEST(RenderCache, ANewerVersionReplacesAnOlderOneNeverTheReverse) {
  RenderCache cache(1 << 20);
  cache.put(7, 2, Audience::anonymous, kBase, text("two"), cache.generation());
  cache.put(7, 1, Audience::anonymous, kBase, text("one"),
            cache.generation());  // a slow page answers late
  EXPECT_EQ(cache.find(7, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(*cache.find(7, 2, Audience::anonymous, kBase), "two");
  cache.put(7, 3, Audience::anonymous, kBase, text("three"), cache.generation());
  EXPECT_EQ(cache.find(7, 2, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(*cache.find(7, 3, Audience::anonymous, kBase), "three");
  EXPECT_EQ(cache.bytes(),
            cache.find(7, 3, Audience::anonymous, kBase)->capacity() + RenderCache::kEntryOverhead);
}

TEST(RenderCache, ForgetBeforeDropsOnlyOlderVersions) {
  RenderCache cache(1 << 20);
  cache.put(7, 4, Audience::anonymous, kBase, text("a"), cache.generation());
  cache.put(7, 4, Audience::token_holder, kBase, text("b"), cache.generation());
  cache.put(23, 1, Audience::anonymous, kBase, text("c"),
            cache.generation());  // same shard, another id
  cache.forget_before(7, 4);
  EXPECT_NE(cache.find(7, 4, Audience::anonymous, kBase), nullptr);
  cache.forget_before(7, 5);
  EXPECT_EQ(cache.find(7, 4, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.find(7, 4, Audience::token_holder, kBase), nullptr);
  EXPECT_NE(cache.find(23, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.bytes(), cache.find(23, 1, Audience::anonymous, kBase)->capacity() +
                               RenderCache::kEntryOverhead);
}

TEST(RenderCache, StaysWithinItsBytesLeastRecentlyUsedOutFirst) {
  const std::size_t entry = 300 + RenderCache::kEntryOverhead;
  RenderCache cache(per_shard(2 * entry + 10));  // two entries per shard
  std::string body(300, 'x');
  // Ids 16, 32 and 48 fall in one shard.
  cache.put(16, 1, Audience::anonymous, kBase, text(body), cache.generation());
  cache.put(32, 1, Audience::anonymous, kBase, text(body), cache.generation());
  ASSERT_NE(cache.find(16, 1, Audience::anonymous, kBase), nullptr);  // 32 is now the oldest
  cache.put(48, 1, Audience::anonymous, kBase, text(body), cache.generation());
  EXPECT_NE(cache.find(16, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.find(32, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_NE(cache.find(48, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.bytes(), 2 * entry);
  EXPECT_LE(cache.bytes(), cache.capacity());
}

TEST(RenderCache, ARenderingLargerThanAShardIsNotKept) {
  RenderCache cache(per_shard(1000));
  cache.put(1, 1, Audience::anonymous, kBase, text(std::string(2000, 'x')), cache.generation());
  EXPECT_EQ(cache.find(1, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(RenderCache, WhatWasReadBeforeAClearIsNotKeptAfterIt) {
  RenderCache cache(1 << 20);
  std::uint64_t before = cache.generation();
  cache.clear();  // a failover, while a page was being read
  cache.put(7, 1, Audience::anonymous, kBase, text("from the old primary"), before);
  EXPECT_EQ(cache.find(7, 1, Audience::anonymous, kBase), nullptr);
  cache.put(7, 1, Audience::anonymous, kBase, text("from the new one"), cache.generation());
  EXPECT_EQ(*cache.find(7, 1, Audience::anonymous, kBase), "from the new one");
}

TEST(RenderCache, LookingUpWithOtherBaseUrlsTakesNoRoom) {
  RenderCache cache(1 << 20);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(cache.find(7, 1, Audience::anonymous, "http://probe" + std::to_string(i)), nullptr);
  cache.put(7, 1, Audience::anonymous, kBase, text("kept"), cache.generation());
  EXPECT_EQ(*cache.find(7, 1, Audience::anonymous, kBase), "kept");
}

TEST(RenderCache, NoCapacityKeepsNothing) {
  RenderCache cache(0);
  cache.put(1, 1, Audience::anonymous, kBase, text("x"), cache.generation());
  EXPECT_EQ(cache.find(1, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(RenderCache, ClearDropsEverything) {
  RenderCache cache(1 << 20);
  for (Id id = 1; id <= 40; ++id)
    cache.put(id, 1, Audience::anonymous, kBase, text("x"), cache.generation());
  cache.clear();
  for (Id id = 1; id <= 40; ++id) EXPECT_EQ(cache.find(id, 1, Audience::anonymous, kBase), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(RenderCache, CountsHitsMissesEvictionsAndBytes) {
  auto counts = std::make_shared<metrics::RenderCacheMetrics>();
  const std::size_t entry = 100 + RenderCache::kEntryOverhead;
  RenderCache cache(per_shard(entry), counts);
  std::string body(100, 'y');
  cache.find(16, 1, Audience::anonymous, kBase);
  cache.put(16, 1, Audience::anonymous, kBase, text(body), cache.generation());
  cache.find(16, 1, Audience::anonymous, kBase);
  cache.put(32, 1, Audience::anonymous, kBase, text(body), cache.generation());  // evicts 16
  EXPECT_EQ(counts->hits.value(), 1u);
  EXPECT_EQ(counts->misses.value(), 1u);
  EXPECT_EQ(counts->evicted.value(), 1u);
  EXPECT_EQ(counts->bytes.value(), static_cast<std::int64_t>(cache.bytes()));
  cache.forget_before(32, 2);
  cache.clear();
  EXPECT_EQ(counts->bytes.value(), 0);
}

TEST(RenderCache, ConcurrentUseKeepsEveryAnswerExact) {
  RenderCache cache(per_shard(4096));
  auto rendering = [](Id id, std::int64_t version) {
    return std::to_string(id) + "@" + std::to_string(version);
  };
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        Id id = 1 + (i * 7 + t) % 97;
        std::int64_t version = 1 + (i / 97) % 5;
        Audience audience = (i + t) % 2 ? Audience::anonymous : Audience::token_holder;
        if (auto found = cache.find(id, version, audience, kBase)) {
          if (*found != rendering(id, version)) ++wrong;
        } else {
          cache.put(id, version, audience, kBase, text(rendering(id, version)), cache.generation());
        }
        if (i % 101 == 0) cache.forget_before(id, version);
        if (t == 0 && i % 5000 == 0) cache.clear();
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.bytes(), cache.capacity());
}

}  // namespace
}  // namespace incident
