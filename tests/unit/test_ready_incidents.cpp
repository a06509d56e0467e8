// The incidents GETs are answered from without a message to the actors: one
// is shown only at a version no newer one has displaced (shown, or noted
// committed by the feed), nothing read before a clear() is shown after it,
// and concurrent use is safe (this test also runs under ThreadSanitizer).
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>
#include <vector>

#include "actors/ready_incidents.hpp"

namespace incident {
namespace {

std::shared_ptr<const Incident> incident(Id id, std::int64_t version) {
  Incident value;
  value.id = id;
  value.version = version;
  return std::make_shared<const Incident>(std::move(value));
}

std::int64_t version_found(const ReadyIncidents& ready, Id id) {
  auto found = ready.find(id);
  return found ? found->version : 0;
}

TEST(ReadyIncidents, ShowsUntilWithdrawn) {
  ReadyIncidents ready;
  EXPECT_EQ(ready.find(7), nullptr);
  auto shown = incident(7, 2);
  EXPECT_TRUE(ready.show(shown, ready.generation()));
  EXPECT_EQ(version_found(ready, 7), 2);
  EXPECT_EQ(ready.find(8), nullptr);
  EXPECT_EQ(ready.size(), 1u);
  ready.withdraw(*shown);
  EXPECT_EQ(ready.find(7), nullptr);
  EXPECT_EQ(ready.size(), 0u);
  ready.withdraw(*shown);  // twice: nothing to take back
}

TEST(ReadyIncidents, AnActorTakesBackOnlyWhatItShowed) {
  ReadyIncidents ready;
  auto before = incident(7, 2), after = incident(7, 2);  // the same version, loaded twice
  ASSERT_TRUE(ready.show(before, ready.generation()));
  ASSERT_TRUE(ready.show(after, ready.generation()));
  ready.withdraw(*before);  // the actor the incident was taken from, done with it
  EXPECT_EQ(ready.find(7), after);
  ready.withdraw(*after);
  EXPECT_EQ(ready.find(7), nullptr);
}

TEST(ReadyIncidents, ReadsAreCountedPerShownVersion) {
  ReadyIncidents ready;
  EXPECT_EQ(ready.read(7).incident, nullptr);
  EXPECT_EQ(ready.read(7).reads, 0u);
  ASSERT_TRUE(ready.show(incident(7, 2), ready.generation()));
  EXPECT_EQ(ready.read(7).reads, 1u);
  EXPECT_EQ(ready.read(7).reads, 2u);
  EXPECT_NE(ready.find(7), nullptr);                            // looking is not reading
  ASSERT_TRUE(ready.show(incident(7, 2), ready.generation()));  // the same version, loaded again
  EXPECT_EQ(ready.read(7).reads, 3u);
  ASSERT_TRUE(ready.show(incident(7, 3), ready.generation()));
  auto [shown, reads] = ready.read(7);
  ASSERT_NE(shown, nullptr);
  EXPECT_EQ(shown->version, 3);
  EXPECT_EQ(reads, 1u) << "a new version is read anew";
  ready.note_committed(7, 4);
  EXPECT_EQ(ready.read(7).incident, nullptr);
  ASSERT_TRUE(ready.show(incident(7, 4), ready.generation()));
  EXPECT_EQ(ready.read(7).reads, 1u);
}

TEST(ReadyIncidents, NeverReplacesANewerVersionWithAnOlderOne) {
  ReadyIncidents ready;
  ASSERT_TRUE(ready.show(incident(7, 5), ready.generation()));
  EXPECT_FALSE(ready.show(incident(7, 4), ready.generation()));
  EXPECT_EQ(version_found(ready, 7), 5);
  EXPECT_TRUE(ready.show(incident(7, 5), ready.generation()));  // the same version again
  EXPECT_TRUE(ready.show(incident(7, 6), ready.generation()));
  EXPECT_EQ(version_found(ready, 7), 6);
}

TEST(ReadyIncidents, ANoteTakesOlderVersionsBackAndRefusesThemLater) {
  ReadyIncidents ready;
  ASSERT_TRUE(ready.show(incident(7, 3), ready.generation()));
  ready.note_committed(7, 3);  // the version shown: it stays
  EXPECT_EQ(version_found(ready, 7), 3);
  ready.note_committed(7, 4);
  EXPECT_EQ(ready.find(7), nullptr);
  // An actor that loaded version 3 before it heard of 4 cannot show it.
  EXPECT_FALSE(ready.show(incident(7, 3), ready.generation()));
  EXPECT_EQ(ready.find(7), nullptr);
  ready.note_committed(7, 2);  // an older note does not lower the newer one
  EXPECT_FALSE(ready.show(incident(7, 3), ready.generation()));
  EXPECT_TRUE(ready.show(incident(7, 4), ready.generation()));
  EXPECT_EQ(version_found(ready, 7), 4);
}

TEST(ReadyIncidents, AVersionTakenBackForACommitStillRefusesOlderOnes) {
  ReadyIncidents ready;
  auto shown = incident(7, 6);
  ASSERT_TRUE(ready.show(shown, ready.generation()));
  ready.withdraw(*shown);  // its actor sends a commit
  // The actor the incident was taken from, finishing its last requests.
  EXPECT_FALSE(ready.show(incident(7, 5), ready.generation()));
  EXPECT_EQ(ready.find(7), nullptr);
  EXPECT_TRUE(ready.show(incident(7, 7), ready.generation()));
}

TEST(ReadyIncidents, ADeleteNotedRefusesEveryVersion) {
  ReadyIncidents ready;
  ASSERT_TRUE(ready.show(incident(9, 8), ready.generation()));
  ready.note_committed(9, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ready.find(9), nullptr);
  EXPECT_FALSE(ready.show(incident(9, 9), ready.generation()));
}

TEST(ReadyIncidents, NotesOfOtherIncidentsDoNotRefuse) {
  ReadyIncidents ready;
  // Ids that share a shard and a note's slot: the later note replaces the
  // earlier one, which then refuses nothing (never wrongly refuses).
  const Id a = 5;
  const Id b = a + ReadyIncidents::kShards * ReadyIncidents::kNotesPerShard;
  ready.note_committed(a, 10);
  ready.note_committed(b, 10);
  EXPECT_FALSE(ready.show(incident(b, 3), ready.generation()));
  EXPECT_TRUE(ready.show(incident(a, 3), ready.generation()));
  EXPECT_TRUE(ready.show(incident(b + 1, 3), ready.generation()));
}

TEST(ReadyIncidents, NothingReadBeforeAClearIsShownAfterIt) {
  ReadyIncidents ready;
  ASSERT_TRUE(ready.show(incident(1, 1), ready.generation()));
  ready.note_committed(2, 9);
  const std::uint64_t before = ready.generation();
  ready.clear();
  EXPECT_EQ(ready.find(1), nullptr);
  EXPECT_EQ(ready.size(), 0u);
  EXPECT_FALSE(ready.show(incident(1, 2), before));
  EXPECT_EQ(ready.find(1), nullptr);
  // After the clear, versions start over: the notes of the old data went too.
  EXPECT_TRUE(ready.show(incident(2, 1), ready.generation()));
}

TEST(ReadyIncidents, ConcurrentShowsNotesAndReadsNeverGoBackwards) {
  ReadyIncidents ready;
  constexpr Id kIds = 200;
  constexpr std::int64_t kVersions = 300;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  // Two "actors" show rising versions of every id; a "follower" notes them;
  // readers check that each id's version seen never goes backwards.
  for (int writer = 0; writer < 2; ++writer)
    threads.emplace_back([&] {
      for (std::int64_t v = 1; v <= kVersions; ++v)
        for (Id id = 1; id <= kIds; ++id) ready.show(incident(id, v), ready.generation());
    });
  threads.emplace_back([&] {
    for (std::int64_t v = 1; v <= kVersions; v += 7)
      for (Id id = 1; id <= kIds; ++id) ready.note_committed(id, v);
  });
  for (int reader = 0; reader < 2; ++reader)
    threads.emplace_back([&] {
      std::vector<std::int64_t> seen(kIds + 1, 0);
      for (int round = 0; round < 200; ++round)
        for (Id id = 1; id <= kIds; ++id) {
          std::int64_t version = version_found(ready, id);
          if (version == 0) continue;  // withdrawn by a note for a moment
          if (version < seen[id]) failed = true;
          seen[id] = version;
        }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(failed.load());
  for (Id id = 1; id <= kIds; ++id) EXPECT_EQ(version_found(ready, id), kVersions);
}

}  // namespace
}  // namespace incident
