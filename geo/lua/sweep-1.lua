--[[
  Remove stale couriers from the cell indexes of one region, and forget
  couriers idle for longer than the retention period. Keeps memory bounded
  under churn (Redis cannot expire a single hash field or geo member).

  Input:
    KEYS[1] <rp>seen  zset courierId -> last fix ts of indexed couriers

    ARGV[1] region prefix <rp>
    ARGV[2] stale cutoff (epoch ms): indexed couriers with ts < cutoff are unindexed
    ARGV[3] retention cutoff (epoch ms): idle couriers with ts < cutoff are deleted
    ARGV[4] batch size (max couriers handled per phase per call)

  Output:
    { unindexedCount, deletedCount, deletedIds... }
]]
--- @include "cells"
local rp = ARGV[1]
local batch = tonumber(ARGV[4])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, batch)
for _, id in ipairs(stale) do
  local ck = rp .. 'c:' .. id
  local cur = redis.call('HMGET', ck, 'st', 'cell', 'ts')
  if cur[1] and cur[1] ~= 'offline' and cur[2] then
    cellDel(cellKey(rp, cur[1], cur[2]), id)
  end
  redis.call('ZREM', KEYS[1], id)
  if cur[1] then
    redis.call('HSET', ck, 'idx', '0')
    redis.call('ZADD', rp .. 'idle', tonumber(cur[3]) or 0, id)
  end
end

local old = redis.call('ZRANGEBYSCORE', rp .. 'idle', '-inf', '(' .. ARGV[3], 'LIMIT', 0, batch)
local out = { #stale, #old }
for _, id in ipairs(old) do
  redis.call('DEL', rp .. 'c:' .. id, rp .. 't:' .. id, rp .. 'f:' .. id)
  redis.call('ZREM', rp .. 'idle', id)
  out[#out + 1] = id
end
return out
