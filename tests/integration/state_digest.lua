-- A digest of the member state under a key prefix (ARGV[1]), for comparing two states:
-- every key but the progress marks, with the prefix removed, and its contents (hash fields
-- and values, sorted set members and scores). Returns {keys, sha1}.
-- Used by tests only: KEYS over the whole keyspace is fine on a test server.
local prefix = ARGV[1]
local keys = redis.call('KEYS', prefix .. '*')
table.sort(keys)
local parts, counted = {}, 0
for _, k in ipairs(keys) do
  local name = string.sub(k, #prefix + 1)
  if string.sub(name, 1, 9) ~= 'progress:' then
    counted = counted + 1
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
    parts[#parts + 1] = name .. ' ' .. table.concat(items, ',')
  end
end
return {counted, redis.sha1hex(table.concat(parts, '\n'))}
