// The fill's state lives in one object that each reply hands on to the next
// call, as list scans do.
#include "storage/page_fill.hpp"

#include <algorithm>
#include <optional>

namespace incident {
namespace {

class PageFill : public std::enable_shared_from_this<PageFill> {
 public:
  PageFill(IncidentStore& store, const PageRequest& page, const IncidentFilter& filter,
           PageRenderer renderer, std::function<void(Result<RenderedPage>)> done)
      : store_(store),
        page_(page),
        filter_(filter),
        renderer_(std::move(renderer)),
        done_(std::move(done)) {}

  void start() {
    ++attempts_;
    auto self = shared_from_this();
    // Read again: the ids read first did not describe what the load found,
    // so they are not taken from the pages kept either. Every read counts
    // against the one budget of the list.
    store_.list_refs(
        page_, filter_, [self](Result<IncidentRefPage> refs) { self->listed(std::move(refs)); },
        attempts_ > 1, examined_);
  }

 private:
  /// The page's items that were not kept: where they go and what they were.
  struct Misses {
    std::vector<std::size_t> positions;
    std::vector<IncidentRef> refs;
  };

  void listed(Result<IncidentRefPage> refs) {
    if (!refs) return failed(refs.error());
    examined_ += refs->examined;
    RenderedPage answer{refs->total, {}};
    answer.items.resize(refs->items.size());
    Misses misses;
    for (std::size_t i = 0; i < refs->items.size(); ++i) {
      answer.items[i] = renderer_.cached(refs->items[i]);
      if (answer.items[i]) continue;
      misses.positions.push_back(i);
      misses.refs.push_back(refs->items[i]);
    }
    if (misses.refs.empty()) return done_(std::move(answer));
    std::vector<Id> ids;
    ids.reserve(misses.refs.size());
    for (const auto& ref : misses.refs) ids.push_back(ref.id);
    auto self = shared_from_this();
    store_.load_many(ids, [self, answer = std::move(answer), misses = std::move(misses)](
                              Result<std::vector<std::optional<Incident>>> loaded) mutable {
      self->loaded(std::move(answer), misses, std::move(loaded));
    });
  }

  void loaded(RenderedPage answer, const Misses& misses,
              Result<std::vector<std::optional<Incident>>> loaded) {
    if (!loaded) return failed(loaded.error());
    bool incomplete = false;
    for (std::size_t j = 0; j < misses.refs.size(); ++j) {
      const auto& incident = (*loaded)[j];
      // Gone, or older than the index said (a version lost in a failover):
      // the page no longer describes one state; read it again.
      if (!incident || incident->version < misses.refs[j].version) {
        incomplete = true;
        continue;
      }
      answer.items[misses.positions[j]] = renderer_.render(*incident);
    }
    auto& items = answer.items;
    items.erase(std::remove(items.begin(), items.end(), nullptr), items.end());
    // What was rendered is kept by the renderer: the next read finds it.
    if (incomplete && attempts_ < kPageFillAttempts) {
      previous_ = std::move(answer);
      return start();
    }
    done_(std::move(answer));
  }

  /// A read again that cannot run or load (over what is left of the budget,
  /// or Redis failing) answers the page as read before, without what changed.
  void failed(const Error& error) {
    if (previous_) return done_(std::move(*previous_));
    done_(error);
  }

  IncidentStore& store_;
  const PageRequest page_;
  const IncidentFilter filter_;
  PageRenderer renderer_;
  std::function<void(Result<RenderedPage>)> done_;
  int attempts_ = 0;
  std::int64_t examined_ = 0;             // by every read of the page so far
  std::optional<RenderedPage> previous_;  // the last read's page, without what changed
};

}  // namespace

void fill_page(IncidentStore& store, const PageRequest& page, const IncidentFilter& filter,
               PageRenderer renderer, std::function<void(Result<RenderedPage>)> done) {
  std::make_shared<PageFill>(store, page, filter, std::move(renderer), std::move(done))->start();
}

}  // namespace incident
