--[[
  Fold a batch of observed speed ratios into per (cell, hour-of-week) EWMAs.
  A batch mean of n samples is applied as n steps of the EWMA would be
  for a constant input: weight 1 - (1 - alpha)^n.

  Input:
    KEYS[1] <rp>spd  hash "<cell>|<hourOfWeek>" -> "<ewma>,<samples>"

    ARGV[1] alpha (0..1)
    ARGV[2..] triples: field, batch mean ratio, batch sample count

  Output:
    { 1, fieldsUpdated }
]]
local alpha = tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV, 3 do
  local field, mean, count = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local cur = redis.call('HGET', KEYS[1], field)
  local ewma, samples = mean, 0
  if cur then
    local e, s = string.match(cur, '^([^,]+),(%d+)$')
    ewma, samples = tonumber(e), tonumber(s)
    ewma = ewma + (1 - (1 - alpha) ^ count) * (mean - ewma)
  end
  redis.call('HSET', KEYS[1], field, string.format('%.6f,%d', ewma, samples + count))
  n = n + 1
end
return { 1, n }
