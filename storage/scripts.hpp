// The Lua scripts through which every write and every page read runs, so each
// is one atomic step in Redis (an incident's load is a MULTI/EXEC instead).
// Their argument layouts are documented beside their sources in scripts.cpp.
#pragma once

#include "storage/redis_pipeline.hpp"

namespace incident::scripts {

const Script& incident_commit();
const Script& incident_page();
const Script& index_counts();
const Script& index_scan();
const Script& index_entry_write();
const Script& stream_trim();
const Script& raise_counter();
const Script& rate_count();
const Script& catalog_create();
const Script& catalog_update();
const Script& catalog_delete();
const Script& catalog_load();
const Script& catalog_page();

}  // namespace incident::scripts
