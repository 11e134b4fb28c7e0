-- The member state under a key prefix (ARGV[1]) on one server, for comparing two states:
-- for every key but the progress marks, its name with the prefix removed and a digest of
-- its contents (hash fields and values, sorted set members and scores), one "name sha1"
-- line per key. pipeline_lib.sh's state_digest runs it on every master of a cluster and
-- digests the sorted lines. Used by tests only: KEYS over the keyspace is fine on a test
-- server.
local prefix = ARGV[1]
local keys = redis.call('KEYS', prefix .. '*')
table.sort(keys)
local parts = {}
for _, k in ipairs(keys) do
  local name = string.sub(k, #prefix + 1)
  if string.sub(name, 1, 9) ~= 'progress:' then
    local t = redis.call('TYPE', k).ok
    local items = {}
    if t == 'hash' then
      local h = redis.call('HGETALL', k)
      for i = 1, #h, 2 do items[#items + 1] = h[i] .. '=' .. redis.sha1hex(h[i + 1]) end
      table.sort(items)
    elseif t == 'zset' then
      local z = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')
      for i = 1, #z, 2 do items[#items + 1] = z[i + 1] .. '=' .. redis.sha1hex(z[i]) end
    else
      items[1] = redis.call('GET', k)
    end
    parts[#parts + 1] = name .. ' ' .. redis.sha1hex(table.concat(items, ','))
  end
end
return parts
