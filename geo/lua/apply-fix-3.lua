--[[
  Apply one fix to a courier homed in this region, in one atomic step.

  Moves the courier between cells of its status index, stores the last fix,
  appends to the bounded trail and evaluates the courier's geofences.
  A fix whose ts is not newer than the stored one is ignored, which makes
  replays and out-of-order delivery harmless (ordered + idempotent).
  The steps live in includes/apply-one.lua, shared with apply-fixes-1.

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
    ARGV[11] the device's ts when it was ahead of the server ('' otherwise; ARGV[5]
             is then the server's receive time, used for ordering)

  Output:
    { 1, prevLat, prevLng, prevTs, vehicle, status, [fenceId, eventType]... }  applied
        (prev* are '' when the courier had no fix yet; eventType is entered|exited|dwell)
    { 0, storedTs }   ignored: not newer than the stored fix
    { -1 }            not homed: no courier record in this region
]]
--- @include "cells"
--- @include "apply-one"
return applyOne(ARGV[1], ARGV[2], KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
