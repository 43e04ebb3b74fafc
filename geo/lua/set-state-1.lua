--[[
  Change a homed courier's state and move it between status indexes.

  Input:
    KEYS[1] courier hash <rp>c:<courierId>

    ARGV[1] region prefix <rp>
    ARGV[2] courierId
    ARGV[3] status (offline|available|busy)
    ARGV[4] vehicle name      ARGV[5] vehicle code (1..4)
    ARGV[6] capacity          ARGV[7] load
    ARGV[8] zoneId ('' for none)

  Output:
    { 1 }   state stored (and cell entry moved/repacked)
    { -1 }  not homed in this region (the directory keeps the state; the next fix homes it)
]]
--- @include "cells"
local rp, id = ARGV[1], ARGV[2]
local cur = redis.call('HMGET', KEYS[1], 'st', 'cell', 'idx', 'lat', 'lng', 'ts', 'spd', 'hdg')
if not cur[1] then return { -1 } end

if cur[3] == '1' and cur[1] ~= 'offline' then
  cellDel(cellKey(rp, cur[1], cur[2]), id)
end

local st = ARGV[3]
redis.call('HSET', KEYS[1], 'st', st, 'veh', ARGV[4], 'vc', ARGV[5], 'cap', ARGV[6], 'load', ARGV[7], 'zone', ARGV[8])

if st ~= 'offline' and cur[2] and cur[4] then
  local free = tonumber(ARGV[6]) - tonumber(ARGV[7])
  cellPut(cellKey(rp, st, cur[2]), id,
    cellRecord(tonumber(cur[4]), tonumber(cur[5]), tonumber(cur[6]), tonumber(ARGV[5]), free, cur[7], cur[8], id))
  redis.call('ZADD', rp .. 'seen', tonumber(cur[6]), id)
  redis.call('ZREM', rp .. 'idle', id)
  redis.call('HSET', KEYS[1], 'idx', '1')
else
  redis.call('ZREM', rp .. 'seen', id)
  redis.call('ZADD', rp .. 'idle', tonumber(cur[6]) or 0, id)
  redis.call('HSET', KEYS[1], 'idx', '0')
end
return { 1 }
