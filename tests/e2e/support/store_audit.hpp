// Checks what a server stores against a LoadLedger, typically after a crash
// or a stop and a restart on the same data dir: nothing acknowledged is lost,
// nothing unacknowledged appears beyond the writes in doubt, and the list
// index agrees with the incidents themselves. Failures go through gtest.
#pragma once

#include <string>

#include "api_client.hpp"
#include "write_ledger.hpp"

namespace e2e {

/// Every acknowledged create exists, and each incident's events after its
/// create event are exactly its acknowledged writes in order, possibly
/// followed by its one write in doubt; version, status and severity agree.
/// Returns how many writes in doubt turn out to have been committed.
int expect_history_kept(const ApiClient& api, const std::string& token, const LoadLedger& ledger);

/// The list agrees with the data. First one more incident is created (a
/// sentinel, in the scope and service of the ledger's first incident): ids
/// come from a counter, so its id must exceed every id ever acknowledged
/// (else the counter went back), and no incident can have a higher one. The
/// incidents that exist are then found by GET of every id up to it,
/// independently of the list. Then: the unfiltered list, page after page,
/// holds each of them exactly once and equal to its GET, and x-total counts
/// them; per status and per severity the list (filtered by the server once it
/// serves filters) gives the same sets as the GETs; and besides the ledger's
/// incidents and the sentinel, at most its creates in doubt exist in the
/// ledger's scope.
/// With several server processes, each hands out ids from blocks it
/// reserved, so a new id need not exceed the others: give `highest_id`, the
/// id counter's value, and every id up to it is probed instead, and the
/// sentinel need only be new.
void expect_indexes_match_data(const ApiClient& api, const std::string& token,
                               const LoadLedger& ledger, long long highest_id = 0);

}  // namespace e2e
