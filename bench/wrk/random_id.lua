-- Requests PATH with `{id}` replaced by a random id in [MIN, MAX], for bench/api.sh:
--   wrk ... -s bench/wrk/random_id.lua http://ADDRESS -- PATH MIN MAX [RUN]
-- Each thread draws its own stream, seeded with RUN (default 0) and its number: runs given
-- different RUNs ask for different ids, so that a run does not find the pages of its orders
-- already read by the run before it (at 10M rows most of them are not in PostgreSQL's buffers
-- until a run reads them). report.lua prints the figures.
dofile(debug.getinfo(1, "S").source:sub(2):gsub("[^/]*$", "") .. "report.lua")

local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

local path, first, last
function init(args)
   path, first, last = args[1], tonumber(args[2]), tonumber(args[3])
   local run = tonumber(args[4] or "0")
   assert(path and path:find("{id}", 1, true) and first and last and first <= last and run,
      "usage: -- PATH_WITH_{id} MIN_ID MAX_ID [RUN]")
   math.randomseed(run * 1000 + thread_number)
end

function request()
   local id = math.random(first, last)
   return wrk.format("GET", (path:gsub("{id}", tostring(id))))
end
