#include "actors/ready_incidents.hpp"

#include <utility>

namespace incident {

bool ReadyIncidents::show(std::shared_ptr<const Incident> incident, std::uint64_t generation) {
  Shard& shard = shard_of(incident->id);
  std::lock_guard<std::mutex> lock(shard.mutex);
  // Under the lock: a clear() either came before (and is seen here) or
  // comes after, and then drops this too.
  if (generation != generation_.load(std::memory_order_acquire)) return false;
  Note& note = note_of(shard, incident->id);
  if (note.id == incident->id && note.version > incident->version) return false;
  Shown& slot = shard.shown[incident->id];
  if (slot.incident && slot.incident->version > incident->version) return false;
  // Noted too: should this version be taken back for a commit, an actor the
  // incident was taken from, still finishing its last requests, cannot show
  // an older one meanwhile.
  if (note.id != incident->id || note.version < incident->version)
    note = Note{incident->id, incident->version};
  if (!slot.incident || slot.incident->version != incident->version) slot.reads = 0;
  slot.incident = std::move(incident);
  return true;
}

void ReadyIncidents::withdraw(const Incident& incident) {
  Shard& shard = shard_of(incident.id);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.shown.find(incident.id);
  if (it != shard.shown.end() && it->second.incident.get() == &incident) shard.shown.erase(it);
}

void ReadyIncidents::note_committed(Id id, std::int64_t version) {
  Shard& shard = shard_of(id);
  std::lock_guard<std::mutex> lock(shard.mutex);
  Note& note = note_of(shard, id);
  if (note.id != id || note.version < version) note = Note{id, version};
  auto it = shard.shown.find(id);
  if (it != shard.shown.end() && it->second.incident->version < version) shard.shown.erase(it);
}

std::shared_ptr<const Incident> ReadyIncidents::find(Id id) const {
  const Shard& shard = shard_of(id);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.shown.find(id);
  return it == shard.shown.end() ? nullptr : it->second.incident;
}

ReadyIncidents::Read ReadyIncidents::read(Id id) {
  Shard& shard = shard_of(id);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.shown.find(id);
  if (it == shard.shown.end()) return {};
  Shown& shown = it->second;
  if (shown.reads < UINT32_MAX) ++shown.reads;
  return {shown.incident, shown.reads};
}

void ReadyIncidents::clear() {
  // First: a show() that read the old generation under its shard's lock
  // did so before that shard is emptied below.
  generation_.fetch_add(1, std::memory_order_acq_rel);
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    shard.shown.clear();
    shard.notes.fill(Note{});
  }
}

std::size_t ReadyIncidents::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    total += shard.shown.size();
  }
  return total;
}

}  // namespace incident
