// Lua sources. Writes declare every key they touch in KEYS; the two page reads
// derive item keys from the index they scan (reads only, single-instance Redis).
#include "storage/scripts.hpp"

namespace incident::scripts {

// An index member is (2^53 - id) on fourteen lowercase hex digits
// (index_entry in incident_codec.hpp): both below 2^53, so Lua's doubles
// subtract exactly. nil for a member of any other form.
static const char* kMemberIds = R"lua(
local function id_of(member)
  if #member ~= 14 or not string.match(member, '^[0-9a-f]+$') then return nil end
  local complement = tonumber(member, 16)
  if complement < 1 or complement >= 9007199254740992 then return nil end
  return string.format('%.0f', 9007199254740992 - complement)
end
)lua";

// KEYS: 1 incident hash, 2 events list, 3 scope hash, 4 service hash,
//       5 idempotency key, 6 change stream, then ARGV[6] index keys to leave,
//       then ARGV[7] index keys to join or to move in (the caller lists only
//       those whose entry changes: a comment touches no index at all).
// ARGV: 1 expected stored version ("0": must not exist), 2 "upsert"|"delete",
//       3 the incident's index member, 4 its new index score, 5 #events to append,
//       6 #index keys to leave, 7 #index keys to join, 8 idempotency value
//       ("" none), 9 idempotency TTL seconds, 10 stream MAXLEN (approximate),
//       11 #change-feed messages, 12 #hash fields to remove, 13 "1" when the
//       scope and service must be checked (a create, or a change of either:
//       a scope or service in use cannot be deleted), 14 the committing
//       process's origin (the stream entries' field "origin"), then the events' JSON
//       (oldest first), the messages (in order), the names of the hash fields
//       to remove, and the field/value pairs that change (all, for a create).
// Several chained changes of one incident (a group commit) are one call:
// all of them or none, each with its event and its stream entry.
// Returns {"ok", stream entry id} | {"conflict", stored version} |
//         {"duplicate", id} | {"missing", "scope"|"service"}.
// Checks come first: a refused write changes nothing and appends nothing.
const Script& incident_commit() {
  static const Script script(R"lua(
if ARGV[8] ~= '' then
  local existing = redis.call('GET', KEYS[5])
  if existing then return {'duplicate', existing} end
end
local stored = redis.call('HGET', KEYS[1], 'version') or '0'
if stored ~= ARGV[1] then return {'conflict', stored} end
local upsert = ARGV[2] == 'upsert'
local check_catalog = upsert and ARGV[13] == '1'
if check_catalog and redis.call('EXISTS', KEYS[3]) == 0 then return {'missing', 'scope'} end
if check_catalog and redis.call('EXISTS', KEYS[4]) == 0 then return {'missing', 'service'} end
local n_leave, n_join = tonumber(ARGV[6]), tonumber(ARGV[7])
local n_events, n_messages, n_removed = tonumber(ARGV[5]), tonumber(ARGV[11]), tonumber(ARGV[12])
local first_event = 15
local first_message = first_event + n_events
local first_removed = first_message + n_messages
local first_field = first_removed + n_removed
for i = 1, n_leave do redis.call('ZREM', KEYS[6 + i], ARGV[3]) end
if upsert then
  if n_removed > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, first_removed, first_field - 1)) end
  if first_field <= #ARGV then redis.call('HSET', KEYS[1], unpack(ARGV, first_field)) end
  if n_events > 0 then redis.call('LPUSH', KEYS[2], unpack(ARGV, first_event, first_message - 1)) end
  for i = 1, n_join do redis.call('ZADD', KEYS[6 + n_leave + i], ARGV[4], ARGV[3]) end
  if ARGV[8] ~= '' then redis.call('SET', KEYS[5], ARGV[8], 'EX', ARGV[9]) end
else
  redis.call('DEL', KEYS[1], KEYS[2])
end
local entry
for i = first_message, first_message + n_messages - 1 do
  entry = redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[10], '*', 'data', ARGV[i], 'origin', ARGV[14])
end
return {'ok', entry}
)lua");
  return script;
}

// One page of the incidents of one index key (an unfiltered list, or filters
// that one index answers: a single value, or a pair of values read from their
// paired index), and how many there are. KEYS: 1 the index zset, 2 the change
// stream. ARGV: 1 min score, 2 max score (the start_impact_date range: "-inf"
// or an inclusive score, "+inf" or "(" and an exclusive one), 3 offset, 4
// count, 5 incident key prefix, 6 the stream's last generated id when the
// caller last read this page ("" none). Returns {"same"} when the stream's
// last generated id is still that one: every commit appends to the stream in
// its own script, and trimming never lowers that id, so nothing the page shows
// changed (never for "0-0", no stream: an emptied Redis starts there again).
// Else {total, {id, version, id, version, ...}, that id}: the ids and versions alone, which
// the server fills from the renderings it keeps (one HGET per item instead of
// the whole hash and event list). Cost: O(log N + count): the page is found by
// rank. Lists that read several keys are scanned in steps instead
// (list_scan.hpp).
const Script& incident_page() {
  static const Script script(std::string(kMemberIds) + stream_lua_helpers() + R"lua(
local revision = stream_end(KEYS[2])
if revision ~= '0-0' and revision == ARGV[6] then return {'same'} end
local min, max = ARGV[1], ARGV[2]
local offset, count, prefix = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local key = KEYS[1]
local total = redis.call('ZCOUNT', key, min, max)
local members = {}
if count > 0 and offset < total then
  local first = offset
  if min ~= '-inf' then first = first + redis.call('ZCOUNT', key, '-inf', '(' .. min) end
  members = redis.call('ZRANGE', key, first, first + math.min(count, total - offset) - 1)
end
local items = {}
for _, member in ipairs(members) do
  local id = id_of(member)
  if id then
    items[#items + 1] = id
    items[#items + 1] = redis.call('HGET', prefix .. id, 'version')
  end
end
return {total, items, revision}
)lua");
  return script;
}

// How many entries of each index key fall in a start-date range: the plan of
// a list that reads more than one key is judged from these before anything
// is read. KEYS: the index zsets. ARGV: 1 min score, 2 max score. O(log N)
// per key.
const Script& index_counts() {
  static const Script script(R"lua(
local counts = {}
for i, key in ipairs(KEYS) do counts[i] = redis.call('ZCOUNT', key, ARGV[1], ARGV[2]) end
return counts
)lua");
  return script;
}

// One bounded step of a list scan: the entries of KEYS[1] after a cursor, up
// to a limit, whose member is also in one key of each other group. KEYS: 1 the
// key scanned, then the other groups' keys, group after group. ARGV: 1 the
// cursor: "" (from the range's start) or "<score> <member>" of the last entry
// read, 2 min score, 3 max score (as incident_page's), 4 the most entries to
// read, 5.. the sizes of the other groups. Returns {score, member, score,
// member, ..., the cursor after the last entry read or ""}: the caller goes on
// from it, so entries that stay are neither skipped nor read twice even as
// others come, go or move. Cost: O(log N) to find the cursor (O(log^2 N) when
// its entry moved meanwhile), then limit x (1 + keys looked up), each O(1).
const Script& index_scan() {
  static const Script script(R"lua(
local key, limit = KEYS[1], tonumber(ARGV[4])
local batch
if ARGV[1] == '' then
  batch = redis.call('ZRANGEBYSCORE', key, ARGV[2], ARGV[3], 'WITHSCORES', 'LIMIT', 0, limit)
else
  local score, member = string.match(ARGV[1], '^(%S+) (.*)$')
  local from
  local rank = redis.call('ZRANK', key, member)
  if rank and redis.call('ZSCORE', key, member) == score then
    from = rank + 1
  else
    -- The cursor's entry left or moved: the first entry after (score,
    -- member), found by bisection among the entries of that very score.
    local low = redis.call('ZCOUNT', key, '-inf', '(' .. score)
    local high = redis.call('ZCOUNT', key, '-inf', score)
    while low < high do
      local middle = math.floor((low + high) / 2)
      if redis.call('ZRANGE', key, middle, middle)[1] <= member then
        low = middle + 1
      else
        high = middle
      end
    end
    from = low
  end
  batch = redis.call('ZRANGE', key, from, from + limit - 1, 'WITHSCORES')
  local max, open = ARGV[3], false
  if string.sub(max, 1, 1) == '(' then max, open = string.sub(max, 2), true end
  if max ~= '+inf' then
    local bound = tonumber(max)
    for i = 2, #batch, 2 do
      local s = tonumber(batch[i])
      if s > bound or (open and s == bound) then
        for j = #batch, i - 1, -1 do batch[j] = nil end
        break
      end
    end
  end
end
local groups, k = {}, 2
for g = 5, #ARGV do
  local keys = {}
  for i = 1, tonumber(ARGV[g]) do keys[i] = KEYS[k] k = k + 1 end
  groups[#groups + 1] = keys
end
local matched = {}
for i = 1, #batch, 2 do
  local m = batch[i]
  local passes = true
  for _, keys in ipairs(groups) do
    local found = false
    for _, other in ipairs(keys) do
      if redis.call('ZSCORE', other, m) then found = true break end
    end
    if not found then passes = false break end
  end
  if passes then
    matched[#matched + 1] = batch[i + 1]
    matched[#matched + 1] = m
  end
end
if #batch > 0 then
  matched[#matched + 1] = batch[#batch] .. ' ' .. batch[#batch - 1]
else
  matched[#matched + 1] = ''
end
return matched
)lua");
  return script;
}

// Writes one incident's index entries as its hash stands, unless the hash
// changed since the caller read it (a write then wrote them itself). Used by
// the index migration (index_migration.hpp). KEYS: 1 the incident hash, then
// its index keys. ARGV: 1 the version read, 2 score, 3 member, 4 the
// member an earlier version wrote for it beside the same score, removed from
// those keys. Returns 1 when written, 0 when the incident changed or is gone.
const Script& index_entry_write() {
  static const Script script(R"lua(
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[4])
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
end
return 1
)lua");
  return script;
}

const char* stream_lua_helpers() {
  return R"lua(
local function field(flat, name)
  for i = 1, #flat - 1, 2 do
    if flat[i] == name then return flat[i + 1] end
  end
  return nil
end
local function less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function before(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-(%d+)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-(%d+)$')
  if a_ms ~= b_ms then return less(a_ms, b_ms) end
  return less(a_seq, b_seq)
end
local function stream_end(key)
  if redis.call('EXISTS', key) == 0 then return '0-0' end
  return field(redis.call('XINFO', 'STREAM', key), 'last-generated-id') or '0-0'
end
)lua";
}

// Trims the change stream by age: every entry older than ARGV[1] milliseconds
// by Redis' own clock (processes' clocks may disagree) goes, except those the
// consumer group ARGV[2] (the webhooks') has not read or not acknowledged
// yet, so delivery never loses a change to age (the count cap of every XADD
// still bounds the stream). Ids are compared as decimal strings, exactly.
// KEYS: 1 the stream. Returns {entries removed, the oldest id kept by the trim}.
const Script& stream_trim() {
  static const Script script(std::string(stream_lua_helpers()) + R"lua(
local now = redis.call('TIME')
local floor = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
local minid = string.format('%.0f-0', math.max(floor, 0))
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, minid} end
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local fields = {}
  for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
  if fields['name'] == ARGV[2] then
    local last = fields['last-delivered-id']
    if before(last, minid) then minid = last end
    if tonumber(fields['pending']) > 0 then
      local oldest = redis.call('XPENDING', KEYS[1], ARGV[2])[2]
      if oldest and before(oldest, minid) then minid = oldest end
    end
  end
end
return {redis.call('XTRIM', KEYS[1], 'MINID', '~', minid), minid}
)lua");
  return script;
}

// Raises an id counter to at least a value, never lowers it: after Redis came
// back without its data, no id this process handed out is given again (other
// processes may have moved the counter further). KEYS: 1 the counter. ARGV: 1
// the highest id reserved from it. Returns 1.
const Script& raise_counter() {
  static const Script script(R"lua(
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
)lua");
  return script;
}

// Counts one request of a client in its window. KEYS: 1 the window's counter.
// ARGV: 1 seconds until the window's end (the counter expires then).
const Script& rate_count() {
  static const Script script(R"lua(
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return used
)lua");
  return script;
}

// The catalog scripts describe their own change for the stream (they alone
// know the stored state before it): cjson-encoded {type, id, version, at,
// changes, <kind>}; `version` counts the entry's changes.
static const char* kCatalogFeed = R"lua(
local function feed(stream, maxlen, kind, event, at, id, version, changes, entry)
  local message = {type = kind .. '.' .. event, id = tonumber(id), version = version,
                   at = at, changes = changes}
  message[kind] = entry
  local data = cjson.encode(message)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'data', data)
  return data
end
local function value_or_null(v) if v then return v end return cjson.null end
)lua";

// KEYS: 1 entry hash, 2 names hash, 3 all-entries zset, 4 change stream.
// ARGV: 1 id, 2 name, 3 description ("" none), 4 "1" when a description is
//       given, 5 kind, 6 at, 7 stream MAXLEN.
// Returns {"ok", feed message} | {"duplicate", id of the entry with that name}.
const Script& catalog_create() {
  static const Script script(std::string(kCatalogFeed) + R"lua(
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner then return {'duplicate', owner} end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'version', 1)
local description = cjson.null
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'description', ARGV[3])
  description = ARGV[3]
end
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[1])
local entry = {id = tonumber(ARGV[1]), name = ARGV[2], description = description}
local changes = {name = {cjson.null, ARGV[2]}, description = {cjson.null, description}}
return {'ok', feed(KEYS[4], ARGV[7], ARGV[5], 'created', ARGV[6], ARGV[1], 1, changes, entry)}
)lua");
  return script;
}

// KEYS: 1 entry hash, 2 names hash, 3 change stream.
// ARGV: 1 id, 2 new name, 3 description mode ("keep"|"clear"|"set"),
//       4 description, 5 kind, 6 at, 7 stream MAXLEN.
// Returns {"ok", feed message or "" when nothing changed} | {"missing"} |
//         {"duplicate", id}.
const Script& catalog_update() {
  static const Script script(std::string(kCatalogFeed) + R"lua(
local old_name = redis.call('HGET', KEYS[1], 'name')
if not old_name then return {'missing'} end
local old_description = redis.call('HGET', KEYS[1], 'description') or nil
local new_description = old_description
if ARGV[3] == 'clear' then new_description = nil end
if ARGV[3] == 'set' then new_description = ARGV[4] end
local changes, changed = {}, false
if old_name ~= ARGV[2] then
  local owner = redis.call('HGET', KEYS[2], ARGV[2])
  if owner then return {'duplicate', owner} end
  redis.call('HDEL', KEYS[2], old_name)
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
  redis.call('HSET', KEYS[1], 'name', ARGV[2])
  changes.name = {old_name, ARGV[2]}
  changed = true
end
if old_description ~= new_description then
  if new_description then redis.call('HSET', KEYS[1], 'description', new_description)
  else redis.call('HDEL', KEYS[1], 'description') end
  changes.description = {value_or_null(old_description), value_or_null(new_description)}
  changed = true
end
if not changed then return {'ok', ''} end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
local entry = {id = tonumber(ARGV[1]), name = ARGV[2], description = value_or_null(new_description)}
return {'ok', feed(KEYS[3], ARGV[7], ARGV[5], 'updated', ARGV[6], ARGV[1], version, changes, entry)}
)lua");
  return script;
}

// KEYS: 1 entry hash, 2 names hash, 3 all-entries zset, 4 its incident index,
//       5 change stream.
// ARGV: 1 id, 2 kind, 3 at, 4 stream MAXLEN.
// Returns {"ok", flat hash, feed message} | {"missing"} | {"in_use", count}.
const Script& catalog_delete() {
  static const Script script(std::string(kCatalogFeed) + R"lua(
local stored = redis.call('HGETALL', KEYS[1])
if #stored == 0 then return {'missing'} end
local used = redis.call('ZCARD', KEYS[4])
if used > 0 then return {'in_use', used} end
local name = redis.call('HGET', KEYS[1], 'name')
local description = redis.call('HGET', KEYS[1], 'description')
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0') + 1
redis.call('HDEL', KEYS[2], name)
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local entry = {id = tonumber(ARGV[1]), name = name, description = value_or_null(description)}
local changes = {name = {name, cjson.null}, description = {value_or_null(description), cjson.null}}
return {'ok', stored, feed(KEYS[5], ARGV[4], ARGV[2], 'deleted', ARGV[3], ARGV[1], version, changes, entry)}
)lua");
  return script;
}

// KEYS: 1 entry hash, 2 its incident index. Returns {flat hash, incidents count}.
const Script& catalog_load() {
  static const Script script(R"lua(
return {redis.call('HGETALL', KEYS[1]), redis.call('ZCARD', KEYS[2])}
)lua");
  return script;
}

// KEYS: 1 all-entries zset. ARGV: 1 start, 2 stop, 3 entry key prefix,
// 4 incident index key prefix. Returns {total, {{flat hash, count}, ...}}.
const Script& catalog_page() {
  static const Script script(R"lua(
local total = redis.call('ZCARD', KEYS[1])
local items = {}
if tonumber(ARGV[2]) >= tonumber(ARGV[1]) then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])) do
    items[#items + 1] = {redis.call('HGETALL', ARGV[3] .. id), redis.call('ZCARD', ARGV[4] .. id)}
  end
end
return {total, items}
)lua");
  return script;
}

}  // namespace incident::scripts
