--[[
  Add, replace or remove one geofence of a homed courier.

  Input:
    KEYS[1] courier hash <rp>c:<courierId>
    KEYS[2] geofence hash <rp>f:<courierId>

    ARGV[1] fence id
    ARGV[2] fence JSON {lat,lng,r,m,dw,s,t,d}, or '' to remove the fence

  Output:
    { 1 }   stored / removed (the courier hash's `gf` field keeps the fence count,
            so apply-fix skips the fence lookup for couriers without fences)
    { -1 }  courier not homed in this region
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return { -1 } end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
redis.call('HSET', KEYS[1], 'gf', redis.call('HLEN', KEYS[2]))
return { 1 }
