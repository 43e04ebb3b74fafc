--[[
  Couriers of one region inside an ops-board area: counts by status and
  freshness, plus the records of at most `limit` of them (smallest courier
  ids first when there are more), with their speed and heading.

  The client sends the area's cells at the index resolution that belong to
  this region. Cells are read with MGET in chunks (far cheaper per key than
  one GET call each); every record is walked in place for its ts, and a Lua
  string is made only for the records that are returned. When the area holds
  more than `limit` couriers, the smallest ids are chosen by a radix select
  on their bytes.

  Input:
    KEYS[1] <rp>seen (routes the call to the region's slot; not read)

    ARGV[1] region prefix <rp>
    ARGV[2] minimum fix ts (epoch ms): older entries count as stale
    ARGV[3] limit (>= 0): at most this many records are returned
    ARGV[4] cells: back-to-back 15-char H3 cells

  Output:
    { 1, availableFresh, availableStale, busyFresh, busyStale, records, motion }
    records: back-to-back entries of <'a'|'b'> .. packed record (includes/cells.lua:
             struct '<dddBi4B' then the id), in no particular order; when
             availableFresh + availableStale + busyFresh + busyStale > limit,
             they are the `limit` smallest courier ids.
    motion:  per returned record, in the same order, '<speed>,<heading>\n'
             (each '' when the fix had none).
    { -2 } a malformed cell list
]]
local rp, minTs, limit, cells = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if #cells % 15 ~= 0 or not minTs or not limit then return { -2 } end

local sub, byte, sunpack = string.sub, string.byte, struct.unpack
local ncells = #cells / 15
local CHUNK = 1000

-- counts[letter] = { fresh, stale }
local counts = { a = { 0, 0 }, b = { 0, 0 } }
-- every record found: values[i] (the cell string), offs[i], letters[i]
local values, offs, letters, n = {}, {}, {}, 0

for _, letter in ipairs({ 'a', 'b' }) do
  local base = rp .. letter .. ':'
  local cnt = counts[letter]
  for first = 0, ncells - 1, CHUNK do
    local last = math.min(ncells, first + CHUNK) - 1
    local keys = {}
    for c = first, last do keys[#keys + 1] = base .. sub(cells, c * 15 + 1, c * 15 + 15) end
    local got = redis.call('MGET', unpack(keys))
    for i = 1, #got do
      local v = got[i]
      if v then
        local o, len = 1, #v
        while o <= len do
          local ts = sunpack('<d', v, o + 16)
          if ts >= minTs then cnt[1] = cnt[1] + 1 else cnt[2] = cnt[2] + 1 end
          n = n + 1
          values[n] = v; offs[n] = o; letters[n] = letter
          o = o + 30 + byte(v, o + 29)
        end
      end
    end
  end
end

-- byte `depth` (0-based) of record i's id; -1 past its end (a prefix sorts first)
local function idByte(i, depth)
  local v, o = values[i], offs[i]
  if depth >= byte(v, o + 29) then return -1 end
  return byte(v, o + 30 + depth)
end

-- Which records to return: all of them, or the `limit` smallest ids in byte
-- order, chosen by a radix select on the id bytes (no sort, and no reliance on
-- Lua's string `<`, which follows the server's LC_COLLATE).
local pick, np = {}, 0
if n <= limit then
  for i = 1, n do pick[i] = i end
  np = n
elseif limit > 0 then
  local cand, need, depth = {}, limit, 0
  for i = 1, n do cand[i] = i end
  while need > 0 do
    if #cand <= need then
      for k = 1, #cand do np = np + 1; pick[np] = cand[k] end
      break
    end
    local hist = {}
    for k = 1, #cand do
      local b = idByte(cand[k], depth)
      hist[b] = (hist[b] or 0) + 1
    end
    local cum, cut = 0, -1
    for b = -1, 255 do
      local h = hist[b]
      if h then
        if cum + h >= need then cut = b; break end
        cum = cum + h
      end
    end
    local rest = {}
    for k = 1, #cand do
      local i = cand[k]
      local b = idByte(i, depth)
      if b < cut then np = np + 1; pick[np] = i elseif b == cut then rest[#rest + 1] = i end
    end
    need = need - cum
    cand = rest
    if cut == -1 then
      -- the same id twice (cannot happen within a region): take any
      for k = 1, need do np = np + 1; pick[np] = cand[k] end
      break
    end
    depth = depth + 1
  end
end

local recs, motion = {}, {}
for k = 1, np do
  local i = pick[k]
  local v, o = values[i], offs[i]
  local e = o + 29 + byte(v, o + 29)
  recs[k] = letters[i] .. sub(v, o, e)
  local m = redis.call('HMGET', rp .. 'c:' .. sub(v, o + 30, e), 'spd', 'hdg')
  motion[k] = (m[1] or '') .. ',' .. (m[2] or '') .. '\n'
end

return { 1, counts.a[1], counts.a[2], counts.b[1], counts.b[2], table.concat(recs), table.concat(motion) }
