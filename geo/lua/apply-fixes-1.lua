--[[
  Apply a batch of fixes to couriers homed in this region: one script call for
  many fixes (the pipelined update path). Fixes are applied in ARGV order, each
  exactly as apply-fix-3 would (includes/apply-one.lua), so ordering and
  idempotency per courier are unchanged; each fix is complete before the next
  starts. Per-courier keys are built from the region prefix, whose hash tag
  keeps every key in KEYS[1]'s slot.

  Input:
    KEYS[1] <rp>seen (routes the call to the region's slot)

    ARGV[1] region prefix <rp>
    ARGV[2] trail MAXLEN (approximate trimming)
    ARGV[3..] one string per fix: courierId, lat, lng, ts, accuracy, speed, heading, cell
              joined with '\t' (accuracy/speed/heading are '' when absent; ids have no tab).
              One argument per fix instead of eight: the client and Redis handle
              far fewer bulk strings.

  Output:
    one string per fix, in order: apply-fix-3's reply joined with '\n'
    (ids and fence ids never contain a newline), e.g.
    "1\nprevLat\nprevLng\nprevTs\nvehicle\nstatus[\nfenceId\neventType]..." | "0\nstoredTs" | "-1".
    Flat strings are far cheaper to build and parse than nested arrays.
]]
--- @include "cells"
--- @include "apply-one"
local rp, maxlen = ARGV[1], ARGV[2]
local out = {}
local match = string.match
local FIX = '^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]+)$'
for i = 3, #ARGV do
  local id, lat, lng, ts, acc, spd, hdg, cell = match(ARGV[i], FIX)
  out[#out + 1] = table.concat(applyOne(rp, id, rp .. 'c:' .. id, rp .. 't:' .. id, rp .. 'f:' .. id,
    lat, lng, ts, acc, spd, hdg, cell, maxlen), '\n')
end
return out
