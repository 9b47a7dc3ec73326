-- Requests PATH with `{id}` replaced by a random id in [MIN, MAX], for bench/api.sh:
--   wrk ... -s bench/wrk/random_id.lua http://ADDRESS -- PATH MIN MAX
-- Each thread draws its own stream (seeded with its number); report.lua prints the figures.
dofile(debug.getinfo(1, "S").source:sub(2):gsub("[^/]*$", "") .. "report.lua")

local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("seed", threads)
end

local path, first, last
function init(args)
   path, first, last = args[1], tonumber(args[2]), tonumber(args[3])
   assert(path and path:find("{id}", 1, true) and first and last and first <= last,
      "usage: -- PATH_WITH_{id} MIN_ID MAX_ID")
   math.randomseed(seed)
end

function request()
   local id = math.random(first, last)
   return wrk.format("GET", (path:gsub("{id}", tostring(id))))
end
