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
    ARGV[3..] one 8-tuple per fix: courierId, lat, lng, ts, accuracy, speed, heading, cell
              (accuracy/speed/heading are '' when absent)

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
for i = 3, #ARGV, 8 do
  local id = ARGV[i]
  out[#out + 1] = table.concat(applyOne(rp, id, rp .. 'c:' .. id, rp .. 't:' .. id, rp .. 'f:' .. id,
    ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], maxlen), '\n')
end
return out
