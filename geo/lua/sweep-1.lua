--[[
  Remove stale couriers from the cell indexes of one region, and forget
  couriers idle for longer than the retention period. Keeps memory bounded
  under churn (Redis cannot expire a single hash field or geo member).

  Input:
    KEYS[1] <rp>seen  zset courierId -> last fix ts of indexed couriers, at most
                      SEEN_STEP_MS behind the courier's real last fix (apply-one
                      writes it once per step), so a candidate's own ts decides

    ARGV[1] region prefix <rp>
    ARGV[2] stale cutoff (epoch ms): indexed couriers with ts < cutoff are unindexed
    ARGV[3] retention cutoff (epoch ms): idle couriers with ts < cutoff are deleted
    ARGV[4] batch size (max couriers handled per phase per call)

  Output:
    { candidates, deletedCount, unindexedCount, deletedIds... }
    candidates: stale-looking couriers examined (unindexed, or re-scored
    because their last fix is in fact newer than the cutoff); the caller
    calls again while a phase filled its batch.
]]
--- @include "cells"
local rp = ARGV[1]
local batch = tonumber(ARGV[4])
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, batch)
local unindexed = 0
local cutoff = tonumber(ARGV[2])
for _, id in ipairs(stale) do
  local ck = rp .. 'c:' .. id
  local cur = redis.call('HMGET', ck, 'st', 'cell', 'ts')
  local ts = tonumber(cur[3])
  if cur[1] and ts and ts >= cutoff then
    -- the score lagged (written once per SEEN_STEP_MS): the courier is live, score it exactly
    redis.call('ZADD', KEYS[1], ts, id)
  else
    if cur[1] and cur[1] ~= 'offline' and cur[2] then
      cellDel(cellKey(rp, cur[1], cur[2]), id)
    end
    redis.call('ZREM', KEYS[1], id)
    if cur[1] then
      redis.call('HSET', ck, 'idx', '0')
      redis.call('ZADD', rp .. 'idle', ts or 0, id)
    end
    unindexed = unindexed + 1
  end
end

local old = redis.call('ZRANGEBYSCORE', rp .. 'idle', '-inf', '(' .. ARGV[3], 'LIMIT', 0, batch)
local out = { #stale, #old, unindexed }
for _, id in ipairs(old) do
  redis.call('DEL', rp .. 'c:' .. id, rp .. 't:' .. id, rp .. 'f:' .. id)
  redis.call('ZREM', rp .. 'idle', id)
  out[#out + 1] = id
end
return out
