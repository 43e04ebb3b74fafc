--[[
  Apply one fix to a courier homed in this region, in one atomic step.

  Moves the courier between cells of its status index, stores the last fix,
  appends to the bounded trail and evaluates the courier's geofences.
  A fix whose ts is not newer than the stored one is ignored, which makes
  replays and out-of-order delivery harmless (ordered + idempotent).

  Input:
    KEYS[1] courier hash       <rp>c:<courierId>
    KEYS[2] trail stream       <rp>t:<courierId>
    KEYS[3] geofence hash      <rp>f:<courierId>

    ARGV[1]  region prefix <rp>, e.g. "geo:{832a10fffffffff}:" (cell keys are built from it)
    ARGV[2]  courierId
    ARGV[3]  lat             ARGV[4]  lng
    ARGV[5]  ts (integer epoch ms)
    ARGV[6]  accuracy m ('' when absent)
    ARGV[7]  speed m/s ('' when absent)
    ARGV[8]  heading deg ('' when absent)
    ARGV[9]  H3 cell of the fix at the index resolution
    ARGV[10] trail MAXLEN (approximate trimming)

  Output:
    { 1, prevLat, prevLng, prevTs, vehicle, status, [fenceId, eventType]... }  applied
        (prev* are '' when the courier had no fix yet; eventType is entered|exited|dwell)
    { 0, storedTs }   ignored: not newer than the stored fix
    { -1 }            not homed: no courier record in this region
]]
local rp = ARGV[1]
local id = ARGV[2]
local cur = redis.call('HMGET', KEYS[1], 'st', 'ts', 'lat', 'lng', 'cell', 'vc', 'cap', 'load', 'idx', 'veh')
local st = cur[1]
if not st then return { -1 } end

local ts = tonumber(ARGV[5])
local prevTs = tonumber(cur[2])
if prevTs and ts <= prevTs then return { 0, cur[2] } end

local lat = tonumber(ARGV[3])
local lng = tonumber(ARGV[4])
local cell = ARGV[9]

redis.call('HSET', KEYS[1], 'lat', ARGV[3], 'lng', ARGV[4], 'ts', ARGV[5], 'acc', ARGV[6], 'spd', ARGV[7], 'hdg', ARGV[8], 'cell', cell)

if st ~= 'offline' then
  local sc = string.sub(st, 1, 1)
  local indexed = cur[9] == '1'
  if indexed and cur[5] and cur[5] ~= cell then
    redis.call('HDEL', rp .. sc .. ':' .. cur[5], id)
  end
  local free = (tonumber(cur[7]) or 0) - (tonumber(cur[8]) or 0)
  redis.call('HSET', rp .. sc .. ':' .. cell, id, struct.pack('<dddBi4', lat, lng, ts, tonumber(cur[6]) or 0, free) .. id)
  redis.call('ZADD', rp .. 'seen', ts, id)
  if not indexed then
    redis.call('HSET', KEYS[1], 'idx', '1')
    redis.call('ZREM', rp .. 'idle', id)
  end
end

redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[10], ARGV[5] .. '-0', 'lat', ARGV[3], 'lng', ARGV[4], 'acc', ARGV[6], 'spd', ARGV[7], 'hdg', ARGV[8])

local out = { 1, cur[3] or '', cur[4] or '', cur[2] or '', cur[10] or '', st }

if redis.call('EXISTS', KEYS[3]) == 1 then
  local R, RAD = 6371008.8, math.pi / 180
  local fences = redis.call('HGETALL', KEYS[3])
  for i = 1, #fences, 2 do
    local f = cjson.decode(fences[i + 1])
    local s1 = math.sin((f.lat - lat) * RAD * 0.5)
    local s2 = math.sin((f.lng - lng) * RAD * 0.5)
    local a = s1 * s1 + math.cos(lat * RAD) * math.cos(f.lat * RAD) * s2 * s2
    if a > 1 then a = 1 end
    local d = 2 * R * math.asin(math.sqrt(a))
    local changed = false
    if f.s == 0 then
      if d <= f.r then
        f.s, f.t, f.d, changed = 1, ts, 0, true
        out[#out + 1] = fences[i]; out[#out + 1] = 'entered'
      end
    elseif d > f.r + f.m then
      f.s, f.d, changed = 0, 0, true
      out[#out + 1] = fences[i]; out[#out + 1] = 'exited'
    end
    if f.s == 1 and f.d == 0 and ts - f.t >= f.dw then
      f.d, changed = 1, true
      out[#out + 1] = fences[i]; out[#out + 1] = 'dwell'
    end
    if changed then redis.call('HSET', KEYS[3], fences[i], cjson.encode(f)) end
  end
end

return out
