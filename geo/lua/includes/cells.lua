--[[
  Packed cell indexes (included by every script that touches a cell).

  A cell index <rp><a|b>2:<cell> is ONE string of back-to-back records:
    struct '<dddBi4ddB' (lat, lng, ts, vehicle code, free capacity,
    speed, heading, #id) .. id
  i.e. 46 bytes + the courier id; speed and heading are NaN when the fix had
  none. Readers (geo/cells.ts) fetch cells with GET/MGET and decode records
  at fixed offsets; an update in the same cell is one SETRANGE of the same
  length. The '2' in the key is the record layout version: version 1
  (`<rp><a|b>:<cell>`, 30-byte records without speed and heading) is never
  read, so an index written by it heals on each courier's next fix.
]]
local CELL_REC = 46
local NAN = 0 / 0

-- The key of a cell index: status 'available' | 'busy' (only its first letter counts).
local function cellKey(rp, status, cell)
  return rp .. string.sub(status, 1, 1) .. '2:' .. cell
end

-- spd and hdg may be nil or '' (no value): stored as NaN.
local function cellRecord(lat, lng, ts, vc, free, spd, hdg, id)
  return struct.pack('<dddBi4ddB', lat, lng, ts, vc, free, tonumber(spd) or NAN, tonumber(hdg) or NAN, #id) .. id
end

-- 1-based offset of id's record in the packed cell string s, or nil.
-- string.find finds <#id><id> fast; a hit counts only on a record boundary.
local function cellLocate(s, id)
  local key = string.char(#id) .. id
  local init = 1
  while true do
    local p = string.find(s, key, init, true)
    if not p then return nil end
    local target = p - (CELL_REC - 1)
    local off = 1
    while off < target do off = off + CELL_REC + string.byte(s, off + CELL_REC - 1) end
    if off == target then return off end
    init = p + 1
  end
end

-- Insert or overwrite id's record in a cell.
local function cellPut(key, id, rec)
  local s = redis.call('GET', key)
  if s then
    local off = cellLocate(s, id)
    if off then
      redis.call('SETRANGE', key, off - 1, rec)
      return
    end
  end
  redis.call('APPEND', key, rec)
end

-- Remove id's record from a cell (no-op when absent); an empty cell is deleted.
local function cellDel(key, id)
  local s = redis.call('GET', key)
  if not s then return end
  local off = cellLocate(s, id)
  if not off then return end
  local e = off + CELL_REC + #id
  if off == 1 and e > #s then
    redis.call('DEL', key)
  else
    redis.call('SET', key, string.sub(s, 1, off - 1) .. string.sub(s, e))
  end
end
