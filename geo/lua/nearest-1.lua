--[[
  Best-first nearest-courier search over the cells of one region.

  The client sends the candidate cells sorted by their lower-bound distance
  (md) from the query point, and `covered`: every cell of this region with
  md <= covered is in the list. Cells are read in md order; the search stops
  as soon as the current k-th best distance is <= the next cell's md, because
  no later cell can hold anyone strictly closer. Filtering (status via the
  key, freshness, vehicle, free capacity) happens before the limit.

  Input:
    KEYS[1] <rp>seen (routes the call to the region's slot; not read)

    ARGV[1]  region prefix <rp>
    ARGV[2]  status key letter: 'a' (available) or 'b' (busy)
    ARGV[3]  lat            ARGV[4]  lng
    ARGV[5]  radius m (already includes the 1 µm tolerance)
    ARGV[6]  limit
    ARGV[7]  minimum fix ts (epoch ms): older entries are stale and skipped
    ARGV[8]  vehicle mask: 4 chars '0'/'1' for bike, motorbike, car, van
    ARGV[9]  minimum free capacity
    ARGV[10] covered radius m (see above)
    ARGV[11] cells: repeated 21-char records <15-char H3 cell><6-digit md in whole metres, floored>

  Cell indexes are packed strings (includes/cells.lua): one GET per cell,
  records decoded in place; a Lua string is made only for the ids that enter
  the top-k.

  Output:
    one string "<complete>[,<courierId>,<distance in whole micrometres>]..."
    nearest first, at most `limit` pairs (one bulk reply: cheap to send and
    parse; built by one string.format with integer %d, since Lua's float
    number formatting was ~10 % of the script's time). complete = 1 when the list is exact for this region, 0 when the
    client must retry with a larger covered radius.
]]
local rp, sc = ARGV[1], ARGV[2]
local qlat, qlng = tonumber(ARGV[3]), tonumber(ARGV[4])
local radius, limit = tonumber(ARGV[5]), tonumber(ARGV[6])
local minTs, mask, minFree = tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
local covered, cells = tonumber(ARGV[10]), ARGV[11]
local anyVehicle = mask == '1111'

local R, RAD = 6371008.8, math.pi / 180
local qcos = math.cos(qlat * RAD)
local sin, cos, asin, sqrt, format = math.sin, math.cos, math.asin, math.sqrt, string.format
local sunpack, sub, byte = struct.unpack, string.sub, string.byte
local M_PER_DEG = R * RAD
local kx = M_PER_DEG * qcos
local planar = math.abs(qlat) < 80 and math.abs(qlng) < 170

local base = rp .. sc .. ':'
local ids, ds, n = {}, {}, 0
local worst = radius
local worst2 = radius * radius * 1.21
local complete = 0
local ncells = #cells / 21

for c = 0, ncells - 1 do
  local off = c * 21 + 1
  local md = tonumber(sub(cells, off + 15, off + 20))
  if md > radius then complete = 1; break end
  if n >= limit and ds[n] <= md then complete = 1; break end
  local v = redis.call('GET', base .. sub(cells, off, off + 14))
  if v then
    local o, len = 1, #v
    while o <= len do
      local la, ln = sunpack('<dd', v, o)
      local dy = (la - qlat) * M_PER_DEG
      local dx = (ln - qlng) * kx
      -- cheap planar reject (10 % margin) before the exact haversine; off near poles/antimeridian
      if not planar or dx * dx + dy * dy <= worst2 then
        local ts, vc, free = sunpack('<dBi4', v, o + 16)
        if ts >= minTs and free >= minFree and (anyVehicle or sub(mask, vc, vc) == '1') then
          local s1 = sin((la - qlat) * RAD * 0.5)
          local s2 = sin((ln - qlng) * RAD * 0.5)
          local a = s1 * s1 + qcos * cos(la * RAD) * s2 * s2
          if a > 1 then a = 1 end
          local d = 2 * R * asin(sqrt(a))
          if d <= worst then
            -- insertion into the sorted top-`limit` arrays
            local i = n
            if n < limit then n = n + 1 else i = n - 1 end
            while i >= 1 and ds[i] > d do
              ds[i + 1] = ds[i]; ids[i + 1] = ids[i]; i = i - 1
            end
            ds[i + 1] = d; ids[i + 1] = sub(v, o + 30, o + 29 + byte(v, o + 29))
            if n >= limit then worst = ds[n]; worst2 = worst * worst * 1.21 end
          end
        end
      end
      o = o + 30 + byte(v, o + 29)
    end
  end
end

if complete == 0 then
  if covered >= radius or (n >= limit and ds[n] <= covered) then complete = 1 end
end

-- one string.format for the whole reply: integer %d, no per-number float formatting
local out = { complete }
for i = 1, n do
  out[2 * i] = ids[i]
  out[2 * i + 1] = ds[i] * 1000000
end
return format('%d' .. string.rep(',%s,%d', n), unpack(out))
