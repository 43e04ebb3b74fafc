--[[
  Packed cell indexes (included by every script that touches a cell).

  A cell index <rp><a|b>:<cell> is ONE string of back-to-back records:
    struct '<dddBi4B' (lat, lng, ts, vehicle code, free capacity, #id) .. id
  i.e. 30 bytes + the courier id. A search reads a cell with one GET and
  decodes records in place with struct.unpack at offsets (no Lua string per
  courier); an update in the same cell is one SETRANGE of the same length.
]]
local CELL_REC = 30

local function cellRecord(lat, lng, ts, vc, free, id)
  return struct.pack('<dddBi4B', lat, lng, ts, vc, free, #id) .. id
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
