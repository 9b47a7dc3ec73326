-- wrk's done hook for bench/api.sh: one machine-readable line with the exact percentiles of
-- wrk's latency histogram (microseconds), requests per second, and the failed requests
-- (non-2xx/3xx answers; socket errors and timeouts).
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "zinc-wrk p50_us=%d p99_us=%d rps=%.1f requests=%d non2xx=%d socket_errors=%d\n",
      latency:percentile(50), latency:percentile(99),
      summary.requests / (summary.duration / 1e6), summary.requests,
      e.status, e.connect + e.read + e.write + e.timeout))
end
