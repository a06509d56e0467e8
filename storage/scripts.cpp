// Lua sources. Writes declare every key they touch in KEYS; the two page reads
// derive item keys from the index they scan (reads only, single-instance Redis).
#include "storage/scripts.hpp"

namespace incident::scripts {

// KEYS: 1 incident hash, 2 events list, 3 main index, 4 scope hash, 5 service
//       hash, 6 idempotency key, then ARGV[6] old index keys, ARGV[7] new ones.
// ARGV: 1 expected stored version ("0": must not exist), 2 "upsert"|"delete",
//       3 old sort member ("" none), 4 new sort member, 5 event JSON ("" none),
//       6 #old index keys, 7 #new index keys, 8 idempotency value ("" none),
//       9 idempotency TTL seconds, 10.. hash field/value pairs.
// Returns {"ok"} | {"conflict", stored version} | {"duplicate", id} |
//         {"missing", "scope"|"service"}.
const Script& incident_commit() {
  static const Script script(R"lua(
if ARGV[8] ~= '' then
  local existing = redis.call('GET', KEYS[6])
  if existing then return {'duplicate', existing} end
end
local stored = redis.call('HGET', KEYS[1], 'version') or '0'
if stored ~= ARGV[1] then return {'conflict', stored} end
local upsert = ARGV[2] == 'upsert'
if upsert and redis.call('EXISTS', KEYS[4]) == 0 then return {'missing', 'scope'} end
if upsert and redis.call('EXISTS', KEYS[5]) == 0 then return {'missing', 'service'} end
local n_old, n_new = tonumber(ARGV[6]), tonumber(ARGV[7])
if ARGV[3] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[3])
  for i = 1, n_old do redis.call('ZREM', KEYS[6 + i], ARGV[3]) end
end
if not upsert then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'ok'}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 10))
if ARGV[5] ~= '' then redis.call('LPUSH', KEYS[2], ARGV[5]) end
redis.call('ZADD', KEYS[3], 0, ARGV[4])
for i = 1, n_new do redis.call('ZADD', KEYS[6 + n_old + i], 0, ARGV[4]) end
if ARGV[8] ~= '' then redis.call('SET', KEYS[6], ARGV[8], 'EX', ARGV[9]) end
return {'ok'}
)lua");
  return script;
}

// KEYS: 1 incident hash, 2 events list. Returns {flat hash, events}.
const Script& incident_load() {
  static const Script script(R"lua(
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
)lua");
  return script;
}

// KEYS: 1 the index to page through.
// ARGV: 1 start rank, 2 stop rank (stop < start: count only), 3 incident key prefix.
// Returns {total, {{flat hash, events}, ...}}.
const Script& incident_page() {
  static const Script script(R"lua(
local total = redis.call('ZCARD', KEYS[1])
local items = {}
if tonumber(ARGV[2]) >= tonumber(ARGV[1]) then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])) do
    local key = ARGV[3] .. string.match(member, ':(%d+)$')
    items[#items + 1] = {redis.call('HGETALL', key), redis.call('LRANGE', key .. ':events', 0, -1)}
  end
end
return {total, items}
)lua");
  return script;
}

// KEYS: 1 entry hash, 2 names hash, 3 all-entries zset.
// ARGV: 1 id, 2 name, 3 description ("" none), 4 "1" when a description is given.
// Returns {"ok"} | {"duplicate", id of the entry with that name}.
const Script& catalog_create() {
  static const Script script(R"lua(
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner then return {'duplicate', owner} end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2])
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'description', ARGV[3]) end
redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[1])
return {'ok'}
)lua");
  return script;
}

// KEYS: 1 entry hash, 2 names hash.
// ARGV: 1 id, 2 new name, 3 description mode ("keep"|"clear"|"set"), 4 description.
// Returns {"ok"} | {"missing"} | {"duplicate", id}.
const Script& catalog_update() {
  static const Script script(R"lua(
local old_name = redis.call('HGET', KEYS[1], 'name')
if not old_name then return {'missing'} end
if old_name ~= ARGV[2] then
  local owner = redis.call('HGET', KEYS[2], ARGV[2])
  if owner then return {'duplicate', owner} end
  redis.call('HDEL', KEYS[2], old_name)
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
  redis.call('HSET', KEYS[1], 'name', ARGV[2])
end
if ARGV[3] == 'clear' then redis.call('HDEL', KEYS[1], 'description') end
if ARGV[3] == 'set' then redis.call('HSET', KEYS[1], 'description', ARGV[4]) end
return {'ok'}
)lua");
  return script;
}

// KEYS: 1 entry hash, 2 names hash, 3 all-entries zset, 4 its incident index.
// ARGV: 1 id. Returns {"ok", flat hash} | {"missing"} | {"in_use", count}.
const Script& catalog_delete() {
  static const Script script(R"lua(
local entry = redis.call('HGETALL', KEYS[1])
if #entry == 0 then return {'missing'} end
local used = redis.call('ZCARD', KEYS[4])
if used > 0 then return {'in_use', used} end
redis.call('HDEL', KEYS[2], redis.call('HGET', KEYS[1], 'name'))
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return {'ok', entry}
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
