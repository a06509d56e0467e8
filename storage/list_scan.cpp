// The scan's state lives in one object that each reply hands on to the next
// call, so no thread waits and only one call of a scan is in flight at a time.
#include "storage/list_scan.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "domain/integers.hpp"
#include "storage/incident_codec.hpp"
#include "storage/incident_store.hpp"
#include "storage/scripts.hpp"

namespace incident {
namespace {

/// An index entry read by a scan: its place in list order is (score, member).
struct ScannedEntry {
  long long score = 0;
  std::string member;
  bool operator<(const ScannedEntry& other) const {
    return score != other.score ? score < other.score : member < other.member;
  }
};

std::int64_t sum(const std::vector<std::int64_t>& values) {
  return std::accumulate(values.begin(), values.end(), std::int64_t{0});
}

/// The index of the group with the fewest members in range.
std::size_t smallest_group(const std::vector<std::vector<std::int64_t>>& counts) {
  std::size_t best = 0;
  for (std::size_t g = 1; g < counts.size(); ++g)
    if (sum(counts[g]) < sum(counts[best])) best = g;
  return best;
}

class ListScan : public std::enable_shared_from_this<ListScan> {
 public:
  ListScan(RedisPipeline& reads, ListScanRequest request, ScanQueue& queue,
           std::function<void(Result<IncidentRefPage>)> done)
      : reads_(reads), request_(std::move(request)), queue_(queue), done_(std::move(done)) {}

  void start() {
    std::vector<std::string> keys;
    for (const auto& group : request_.plan.groups)
      keys.insert(keys.end(), group.begin(), group.end());
    call(scripts::index_counts(), std::move(keys), {request_.plan.min, request_.plan.max},
         &ListScan::planned);
  }

 private:
  /// Runs a script whose reply goes to `next`. Whatever `next` throws ends
  /// the scan with a 503, so the queue never waits for a scan that died.
  void call(const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
            void (ListScan::*next)(const RedisValue&)) {
    auto self = shared_from_this();
    reads_.eval(script, std::move(keys), std::move(args),
                [self, next](const RedisValue& reply) { self->guarded(next, reply); });
  }

  void guarded(void (ListScan::*next)(const RedisValue&), const RedisValue& reply) {
    try {
      (this->*next)(reply);
    } catch (const std::exception&) {
      finish(storage_unavailable());
    }
  }

  /// Finishes with the error a reply carries; false when it carries none.
  bool failed(const RedisValue& reply, const char* what) {
    auto error = error_in_array_reply(reply, what);
    if (error) finish(std::move(*error));
    return error.has_value();
  }

  void planned(const RedisValue& reply) {
    if (failed(reply, "a list plan")) return;
    const auto& groups = request_.plan.groups;
    std::vector<std::vector<std::int64_t>> counts;
    std::size_t at = 0;
    for (const auto& group : groups) {
      counts.emplace_back();
      for (std::size_t i = 0; i < group.size() && at < reply.elements.size(); ++i)
        counts.back().push_back(reply.elements[at++].integer);
    }
    if (at != reply.elements.size() || counts.back().size() != groups.back().size())
      return finish(corrupt_record("list plan"));
    std::int64_t cost = list_scan_cost(counts, request_.page);
    if (cost > request_.budget) return finish(over_budget(cost, request_.budget));
    examined_ = cost;
    std::size_t driver = smallest_group(counts);
    merging_ = groups.size() == 1;
    driver_keys_ = groups[driver];
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (g == driver) continue;
      lookup_keys_.insert(lookup_keys_.end(), groups[g].begin(), groups[g].end());
      lookup_sizes_.push_back(std::to_string(groups[g].size()));
    }
    total_ = merging_ ? sum(counts[0]) : 0;
    wanted_per_key_ = request_.page.offset() + request_.page.per_page;
    // A single group's total is its counts': members are read only for a page.
    if (merging_ && (request_.page.per_page == 0 || request_.page.offset() >= total_))
      return finish(IncidentRefPage{total_, {}});
    cursor_.clear();
    // A list that fits in a couple of steps runs at once; a longer one waits
    // for its turn, so that costly lists' steps never pile up in Redis.
    if (cost <= 2 * kScanStepEntries) return step();
    auto self = shared_from_this();
    bool queued = queue_.submit([self](std::function<void()> finished) {
      self->release_ = std::move(finished);
      self->step();
    });
    if (!queued) finish(lists_busy());
  }

  void step() {
    if (key_ == driver_keys_.size()) return read_page();
    std::int64_t per_step =
        std::max<std::int64_t>(1, kScanStepEntries / (1 + std::int64_t(lookup_keys_.size())));
    if (merging_) per_step = std::min<std::int64_t>(per_step, wanted_per_key_ - taken_from_key_);
    std::vector<std::string> keys{driver_keys_[key_]};
    keys.insert(keys.end(), lookup_keys_.begin(), lookup_keys_.end());
    std::vector<std::string> args{cursor_, request_.plan.min, request_.plan.max,
                                  std::to_string(per_step)};
    args.insert(args.end(), lookup_sizes_.begin(), lookup_sizes_.end());
    call(scripts::index_scan(), std::move(keys), std::move(args), &ListScan::stepped);
  }

  void stepped(const RedisValue& reply) {
    if (failed(reply, "a list scan") || reply.elements.size() % 2 != 1) {
      if (!finished_) finish(corrupt_record("list scan"));
      return;
    }
    const std::string& last = reply.elements.back().str;
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
      // Kept in place even when its member is not of our form (it is left
      // out of the page then): a merge reads as many entries of each key as
      // the page's end, and takes the first of them all. Such an entry (only
      // a damaged data set has one) thus shortens its page and counts in the
      // total; a score not of our form fails the list.
      auto score = index_score(reply.elements[i].str);
      if (!score) return finish(corrupt_record("index score"));
      matched_.push_back({*score, reply.elements[i + 1].str});
    }
    taken_from_key_ += static_cast<std::int64_t>(reply.elements.size() / 2);
    bool key_done = last.empty() || (merging_ && taken_from_key_ >= wanted_per_key_);
    if (key_done) {
      ++key_;
      taken_from_key_ = 0;
      cursor_.clear();
    } else {
      cursor_ = last;
    }
    step();
  }

  /// Every key is read: the members in list order, then the page's items.
  /// The steps are not one snapshot: an incident that moved between keys (or
  /// within one, past the cursor) meanwhile may have been read twice, so it is
  /// kept once, where it was first in list order.
  void read_page() {
    std::sort(matched_.begin(), matched_.end());
    std::unordered_set<std::string> seen;  // members (one per id), copied: they move below
    auto repeated = [&seen](const ScannedEntry& entry) {
      return !seen.insert(entry.member).second;
    };
    matched_.erase(std::remove_if(matched_.begin(), matched_.end(), repeated), matched_.end());
    if (!merging_) total_ = static_cast<std::int64_t>(matched_.size());
    std::size_t from = static_cast<std::size_t>(
        std::min<std::int64_t>(request_.page.offset(), static_cast<std::int64_t>(matched_.size())));
    std::size_t to =
        std::min(matched_.size(), from + static_cast<std::size_t>(request_.page.per_page));
    if (from == to) return finish(IncidentRefPage{total_, {}});
    page_ids_.clear();
    std::vector<std::vector<std::string>> reads;
    for (std::size_t i = from; i < to; ++i) {
      // Not of our form: only a damaged data set has one; not listed, as
      // the page script does.
      auto id = id_of_member(matched_[i].member);
      if (!id) continue;
      page_ids_.push_back(*id);
      reads.push_back({"HGET", request_.incident_prefix + std::to_string(*id), "version"});
    }
    if (reads.empty()) return finish(IncidentRefPage{total_, {}});
    auto self = shared_from_this();
    reads_.transaction(std::move(reads),
                       [self](const RedisValue& reply) { self->guarded(&ListScan::items, reply); });
  }

  /// The page's versions, read in one state of Redis: the page's snapshot.
  void items(const RedisValue& reply) {
    if (failed(reply, "a list page")) return;
    if (reply.elements.size() != page_ids_.size()) return finish(corrupt_record("list page"));
    IncidentRefPage page{total_, {}};
    for (std::size_t i = 0; i < page_ids_.size(); ++i) {
      if (reply.elements[i].type == RedisValue::Type::nil) continue;  // deleted since matched
      auto version = parse_integer(reply.elements[i].str);
      if (!version) return finish(corrupt_record("incident version"));
      page.items.push_back(IncidentRef{page_ids_[i], *version});
    }
    finish(std::move(page));
  }

  void finish(Result<IncidentRefPage> result) {
    if (finished_) return;
    finished_ = true;
    if (result) result->examined = examined_;
    if (release_) release_();  // the next queued scan starts while this one answers
    done_(std::move(result));
  }

  RedisPipeline& reads_;
  ListScanRequest request_;
  ScanQueue& queue_;
  std::function<void()> release_;  // set while this scan holds the queue
  std::function<void(Result<IncidentRefPage>)> done_;
  bool finished_ = false;
  bool merging_ = false;  // one group: merge its keys; else scan one, look up in the others
  std::vector<std::string> driver_keys_;
  std::vector<std::string> lookup_keys_;
  std::vector<std::string> lookup_sizes_;
  std::size_t key_ = 0;  // the driver key being read
  std::string cursor_;   // where its next step starts ("": the range's start)
  std::int64_t taken_from_key_ = 0;
  std::int64_t wanted_per_key_ = 0;
  std::int64_t total_ = 0;
  std::int64_t examined_ = 0;  // the plan's cost, judged against the budget
  std::vector<ScannedEntry> matched_;
  std::vector<Id> page_ids_;  // the page's, in list order, while their versions are read
};

}  // namespace

std::int64_t list_scan_cost(const std::vector<std::vector<std::int64_t>>& counts,
                            const PageRequest& page) {
  if (counts.size() == 1) {
    if (page.per_page == 0) return 0;
    std::int64_t cost = 0;
    for (std::int64_t size : counts[0]) cost += std::min(size, page.offset() + page.per_page);
    return cost;
  }
  std::size_t driver = smallest_group(counts);
  std::int64_t lookups = 0;
  for (std::size_t g = 0; g < counts.size(); ++g)
    if (g != driver) lookups += static_cast<std::int64_t>(counts[g].size());
  return sum(counts[driver]) * (1 + lookups);
}

void run_list_scan(RedisPipeline& reads, ListScanRequest request, ScanQueue& queue,
                   std::function<void(Result<IncidentRefPage>)> done) {
  std::make_shared<ListScan>(reads, std::move(request), queue, std::move(done))->start();
}

bool ScanQueue::submit(std::function<void(std::function<void()> finished)> scan) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_) {
      if (waiting_.size() >= kMaxWaitingScans) return false;
      waiting_.push_back(std::move(scan));
      return true;
    }
    running_ = true;
  }
  start(std::move(scan));
  return true;
}

void ScanQueue::start(std::function<void(std::function<void()> finished)> scan) {
  // The queue outlives every scan: the store that owns it stops its
  // connection, running the scans' last callbacks, before it ends.
  scan([this] { next(); });
}

void ScanQueue::next() {
  std::function<void(std::function<void()>)> scan;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_.empty()) {
      running_ = false;
      return;
    }
    scan = std::move(waiting_.front());
    waiting_.pop_front();
  }
  start(std::move(scan));
}

}  // namespace incident
