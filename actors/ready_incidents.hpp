// The incidents whose actors hold them idle and current, readable from any
// thread: a GET of one is answered by the HTTP thread that parsed it, without
// a message to the actors and back (the wake-ups of two threads per read).
//
// An actor shows its incident only while nothing is queued or in flight for
// it, and takes it back before it sends a commit, so a GET here never answers
// an older version than a write was acknowledged with, nor one whose change
// the stream may already have carried. The feed follower notes versions
// committed by other processes here before it tells the actors, and a note
// refuses an older version shown afterwards by an actor that has not read it
// yet. clear() (a failover, an emptied Redis) refuses whatever was read
// before it. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "domain/incident.hpp"

namespace incident {

class ReadyIncidents {
 public:
  /// Read before a load or commit whose result may be shown.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  /// Shows `incident` unless a clear() came since `generation`, a newer
  /// version is shown already, or a newer one was noted (shown or committed).
  bool show(std::shared_ptr<const Incident> incident, std::uint64_t generation);
  /// Takes back `incident` if it is what is shown of its id (an actor
  /// that served it before may be done with it after another showed anew).
  void withdraw(const Incident& incident);
  /// Another process committed `version` of `id` (deleted: the largest
  /// version): anything older goes, and is refused if shown later.
  void note_committed(Id id, std::int64_t version);
  /// The incident shown for `id`, or null.
  std::shared_ptr<const Incident> find(Id id) const;
  /// What a GET answers from: the incident shown for `id` (or null), and how
  /// many times its shown version was read so far, this read included.
  struct Read {
    std::shared_ptr<const Incident> incident;
    std::uint32_t reads = 0;
  };
  Read read(Id id);
  /// Drops everything: after a failover or an emptied Redis, a version
  /// number may come back with other contents.
  void clear();

  std::size_t size() const;

  /// Versions noted per shard (the newest shown or committed of an id, one
  /// id per slot): enough for the changes on their way from the feed
  /// follower to the actors. A note overwritten sooner only lets an older
  /// version be shown until its actor reads the change itself, as before.
  static constexpr std::size_t kNotesPerShard = 256;
  static constexpr std::size_t kShards = 64;

 private:
  struct Note {
    Id id = 0;
    std::int64_t version = 0;
  };
  struct Shown {
    std::shared_ptr<const Incident> incident;
    std::uint32_t reads = 0;  // of this version, by read()
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Id, Shown> shown;
    std::array<Note, kNotesPerShard> notes{};  // by id, newest per slot
  };

  Shard& shard_of(Id id) { return shards_[static_cast<std::size_t>(id) % kShards]; }
  const Shard& shard_of(Id id) const { return shards_[static_cast<std::size_t>(id) % kShards]; }
  static Note& note_of(Shard& shard, Id id) {
    return shard.notes[static_cast<std::size_t>(id / kShards) % kNotesPerShard];
  }

  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> generation_{0};  // clear()s so far
};

}  // namespace incident
