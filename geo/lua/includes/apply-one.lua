--[[
  One fix, applied to a courier homed in this region (included by apply-fix-3
  and apply-fixes-1, so a single fix and a batch run exactly the same steps).
  Needs includes/cells.lua first.

  applyOne(rp, id, courierKey, trailKey, fenceKey, lat, lng, ts, acc, spd, hdg, cell, maxlen, dts)
  (lat..hdg are the ARGV strings; acc/spd/hdg are '' when absent; ts is the
  ordering time, dts the device's stamp when it was ahead of the server, else '') returns
    { 1, prevLat, prevLng, prevTs, vehicle, status, [fenceId, eventType]... }  applied
    { 0, storedTs }   ignored: not newer than the stored fix, or a retry of the
                      stored fix (same device stamp ahead of the server)
    { -1 }            not homed: no courier record in this region
]]
local R_EARTH, RAD = 6371008.8, math.pi / 180
-- <rp>seen is written once per this many ms of a courier's fixes (see sweep-1.lua)
local SEEN_STEP_MS = 5000

local function applyOne(rp, id, ck, tk, fk, sLat, sLng, sTs, sAcc, sSpd, sHdg, cell, maxlen, sDts)
  local cur = redis.call('HMGET', ck, 'st', 'ts', 'lat', 'lng', 'cell', 'vc', 'cap', 'load', 'idx', 'veh', 'gf', 'dts')
  local st = cur[1]
  if not st then return { -1 } end

  local ts = tonumber(sTs)
  local prevTs = tonumber(cur[2])
  if prevTs and ts <= prevTs then return { 0, cur[2] } end
  -- a fix stamped ahead is ordered at its arrival, so its retry would look newer: the device stamp tells
  if sDts ~= '' and cur[12] == sDts then return { 0, cur[2] } end

  local lat = tonumber(sLat)
  local lng = tonumber(sLng)

  redis.call('HSET', ck, 'lat', sLat, 'lng', sLng, 'ts', sTs, 'acc', sAcc, 'spd', sSpd, 'hdg', sHdg, 'cell', cell, 'dts', sDts)

  if st ~= 'offline' then
    local indexed = cur[9] == '1'
    if indexed and cur[5] and cur[5] ~= cell then
      cellDel(cellKey(rp, st, cur[5]), id)
    end
    local free = (tonumber(cur[7]) or 0) - (tonumber(cur[8]) or 0)
    cellPut(cellKey(rp, st, cell), id, cellRecord(lat, lng, ts, tonumber(cur[6]) or 0, free, sSpd, sHdg, id))
    -- The stale sweep needs the last fix only to within SEEN_STEP_MS (it re-checks a candidate's
    -- own ts), so the zset is written on the first fix of each step, not on every fix.
    if not indexed or not prevTs or math.floor(ts / SEEN_STEP_MS) ~= math.floor(prevTs / SEEN_STEP_MS) then
      redis.call('ZADD', rp .. 'seen', ts, id)
    end
    if not indexed then
      redis.call('HSET', ck, 'idx', '1')
      redis.call('ZREM', rp .. 'idle', id)
    end
  end

  redis.call('XADD', tk, 'MAXLEN', '~', maxlen, sTs .. '-0', 'lat', sLat, 'lng', sLng, 'acc', sAcc, 'spd', sSpd, 'hdg', sHdg)

  local out = { 1, cur[3] or '', cur[4] or '', cur[2] or '', cur[10] or '', st }

  -- gf = number of geofences (kept by geofence-set-2, carried by evict/home): no key lookup when 0
  if cur[11] and cur[11] ~= '0' then
    local fences = redis.call('HGETALL', fk)
    for i = 1, #fences, 2 do
      local f = cjson.decode(fences[i + 1])
      local s1 = math.sin((f.lat - lat) * RAD * 0.5)
      local s2 = math.sin((f.lng - lng) * RAD * 0.5)
      local a = s1 * s1 + math.cos(lat * RAD) * math.cos(f.lat * RAD) * s2 * s2
      if a > 1 then a = 1 end
      local d = 2 * R_EARTH * math.asin(math.sqrt(a))
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
      if changed then redis.call('HSET', fk, fences[i], cjson.encode(f)) end
    end
  end

  return out
end
