--[[
  Create a courier record in a region (first fix ever, or arrival from another
  region). It is written unindexed; the apply-fix call that follows indexes it,
  so the fix, trail entry and geofence evaluation all go through one path.

  Input:
    KEYS[1] courier hash <rp>c:<courierId>

    ARGV[1] region prefix <rp>
    ARGV[2] courierId
    ARGV[3] number of hash field/value pairs that follow
    ARGV[4..] hash field/value pairs (state, and the previous fix when moving)
    then: number of geofence pairs, then geofence id/json pairs
    then: trail entries as (ts, lat, lng, acc, spd, hdg) sextuples

  Output:
    { 1 }  created
    { 0 }  a record already exists here (a concurrent home won); nothing written
]]
local rp, id = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 1 then return { 0 } end

local n = tonumber(ARGV[3])
local i = 4
local fields = {}
for k = 1, n do
  fields[#fields + 1] = ARGV[i]; fields[#fields + 1] = ARGV[i + 1]; i = i + 2
end
fields[#fields + 1] = 'idx'; fields[#fields + 1] = '0'
redis.call('HSET', KEYS[1], unpack(fields))

local nf = tonumber(ARGV[i]); i = i + 1
for k = 1, nf do
  redis.call('HSET', rp .. 'f:' .. id, ARGV[i], ARGV[i + 1]); i = i + 2
end
while i + 5 <= #ARGV do
  redis.call('XADD', rp .. 't:' .. id, ARGV[i] .. '-0', 'lat', ARGV[i + 1], 'lng', ARGV[i + 2], 'acc', ARGV[i + 3], 'spd', ARGV[i + 4], 'hdg', ARGV[i + 5])
  i = i + 6
end
return { 1 }
