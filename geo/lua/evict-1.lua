--[[
  Move-out half of a region change: hand back a courier's record and delete it
  from this region, unless the incoming fix is not newer than the stored one.

  Input:
    KEYS[1] courier hash <rp>c:<courierId>

    ARGV[1] region prefix <rp>
    ARGV[2] courierId
    ARGV[3] ts of the incoming fix (epoch ms)
    ARGV[4] how many trail entries to carry over

  Output:
    { 1, nHash, hash pairs..., nFence, fence pairs..., trail sextuples (ts,lat,lng,acc,spd,hdg)... }  evicted
    { 0, storedTs }  not evicted: incoming fix is not newer (caller ignores it)
    { -1 }           no record here
]]
--- @include "cells"
local rp, id = ARGV[1], ARGV[2]
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return { -1 } end
local rec = {}
for i = 1, #h, 2 do rec[h[i]] = h[i + 1] end
if rec.ts and tonumber(rec.ts) >= tonumber(ARGV[3]) then return { 0, rec.ts } end

if rec.idx == '1' and rec.st ~= 'offline' and rec.cell then
  cellDel(cellKey(rp, rec.st, rec.cell), id)
end
redis.call('ZREM', rp .. 'seen', id)
redis.call('ZREM', rp .. 'idle', id)

-- the idx pair is dropped: home-1 always writes idx=0 and apply-fix re-indexes
local cleaned = { 1, 0 }
for i = 1, #h, 2 do
  if h[i] ~= 'idx' then cleaned[#cleaned + 1] = h[i]; cleaned[#cleaned + 1] = h[i + 1] end
end
cleaned[2] = (#cleaned - 2) / 2

local f = redis.call('HGETALL', rp .. 'f:' .. id)
cleaned[#cleaned + 1] = #f / 2
for i = 1, #f do cleaned[#cleaned + 1] = f[i] end

local t = redis.call('XREVRANGE', rp .. 't:' .. id, '+', '-', 'COUNT', tonumber(ARGV[4]))
for i = #t, 1, -1 do
  local e = t[i]
  local v = {}
  for j = 1, #e[2], 2 do v[e[2][j]] = e[2][j + 1] end
  cleaned[#cleaned + 1] = string.match(e[1], '^(%d+)')
  cleaned[#cleaned + 1] = v.lat or ''
  cleaned[#cleaned + 1] = v.lng or ''
  cleaned[#cleaned + 1] = v.acc or ''
  cleaned[#cleaned + 1] = v.spd or ''
  cleaned[#cleaned + 1] = v.hdg or ''
end

redis.call('DEL', KEYS[1], rp .. 'f:' .. id, rp .. 't:' .. id)
return cleaned
