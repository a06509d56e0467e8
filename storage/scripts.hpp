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

/// Lua helpers for scripts on the change stream, put before a script's own
/// source: `field(flat, name)`, a value of a flat [name, value, ...] reply
/// (XINFO's), or nil; `before(a, b)`, stream ids compared exactly (as decimal
/// strings, whatever their size); `stream_end(key)`, the stream's last
/// generated id, "0-0" when there is no stream.
const char* stream_lua_helpers();

}  // namespace incident::scripts
