--[[
  Apply a batch of fixes to couriers homed in this region: one script call for
  many fixes (the pipelined update path). Fixes are applied in input order, each
  exactly as apply-fix-3 would (includes/apply-one.lua), so ordering and
  idempotency per courier are unchanged; each fix is complete before the next
  starts. Per-courier keys are built from the region prefix, whose hash tag
  keeps every key in KEYS[1]'s slot.

  Input:
    KEYS[1] <rp>seen (routes the call to the region's slot)

    ARGV[1] region prefix <rp>
    ARGV[2] trail MAXLEN (approximate trimming)
    ARGV[3] the fixes, one line per fix ('\n' between lines): courierId, lat, lng,
            ts, accuracy, speed, heading, cell, device ts joined with '\t'
            (accuracy/speed/heading are '' when absent, device ts is '' unless the
            device's stamp was ahead of the server; ids contain neither tab nor newline).
            One argument for the whole batch: the client and Redis handle one
            bulk string instead of one per fix.

  Every line is parsed before anything is written: a malformed batch fails as
  a whole (ERR), never half-applied.

  Output:
    one string, one line per fix in input order ('\n' between lines): apply-fix-3's
    reply joined with '\t' (fence ids contain no whitespace), e.g.
    "1\tprevLat\tprevLng\tprevTs\tvehicle\tstatus[\tfenceId\teventType]..." | "0\tstoredTs" | "-1".
]]
--- @include "cells"
--- @include "apply-one"
local rp, maxlen = ARGV[1], ARGV[2]
local match = string.match
local FIX = '^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]+)\t([^\t]*)$'
local fixes = {}
for line in string.gmatch(ARGV[3], '[^\n]+') do
  local id, lat, lng, ts, acc, spd, hdg, cell, dts = match(line, FIX)
  if not id then return redis.error_reply('ERR apply-fixes: malformed fix line ' .. (#fixes + 1)) end
  fixes[#fixes + 1] = { id, lat, lng, ts, acc, spd, hdg, cell, dts }
end
local out = {}
for i = 1, #fixes do
  local f = fixes[i]
  local id = f[1]
  out[i] = table.concat(applyOne(rp, id, rp .. 'c:' .. id, rp .. 't:' .. id, rp .. 'f:' .. id,
    f[2], f[3], f[4], f[5], f[6], f[7], f[8], maxlen, f[9]), '\t')
end
return table.concat(out, '\n')
