// A list page filled from renderings already made: Redis answers the page's
// ids and versions (one state of the index), each item comes from the
// caller's renderings when one is kept at that very version, and only the
// misses are loaded, all in one round trip, and rendered.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "domain/list_query.hpp"
#include "domain/pagination.hpp"
#include "storage/incident_store.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// Times a page is read when an item loaded for it was deleted, or was older
/// than the page said, meanwhile; past them, or past the list budget (every
/// read counts against it), such items are left out.
constexpr int kPageFillAttempts = 3;

/// Answers one page of the incidents passing `filter`: every item at the
/// version the index held when the page was read, or a newer one (a miss
/// loaded after a change), never an older or deleted one. `store` must
/// outlive the answer (it does: its connection stops before it ends).
void fill_page(IncidentStore& store, const PageRequest& page, const IncidentFilter& filter,
               PageRenderer renderer, std::function<void(Result<RenderedPage>)> done);

}  // namespace incident
