#!/usr/bin/env bash
# API latency benchmark: imports ROWS generated rows (a year of sales) into a fresh database,
# starts `zinc serve` (release build) and times the revenue metric routes with curl.
#
#   bench/api.sh [ROWS] [REQUESTS]        default: 1000000 rows, 30 requests per route
#
# The file comes from zinc-testkit's gen-sales (release build, cached). Needs curl and
# PostgreSQL at ZINC_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
rows=${1:-1000000}
requests=${2:-30}
port=${ZINC_BENCH_PORT:-18089}

build_release_zinc

file=$(generated_file "$rows")
db="zinc_bench_api_$$"
url="${admin%/*}/$db"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "importing $rows rows..." >&2
DATABASE_URL="$url" "$zinc" import "$file" >/dev/null
psql -q "$url" -c "VACUUM ANALYZE" >/dev/null
DATABASE_URL="$url" ZINC_BIND="127.0.0.1:$port" RUST_LOG=warn "$zinc" serve 2>/dev/null &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break
    sleep 0.1
done

range=$(psql -Atq "$url" -c "SELECT min(date) || ' ' || max(date) || ' ' || count(*) FROM orders")
read -r first last orders <<<"$range"
echo "orders: $orders, from $first to $last" >&2

time_route() { # name path -> prints the row
    local name=$1 path=$2 times
    curl -fsS "http://127.0.0.1:$port$path" >/dev/null # warm up
    times=$(for _ in $(seq 1 "$requests"); do
        curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port$path"
    done)
    # Nearest-rank percentiles of the sorted times (index rounded half to even), in ms.
    sort -g <<<"$times" | awk -v name="$name" -v n="$requests" '
        { t[NR - 1] = $1 * 1000 }
        function pct(q,   x, i) {
            x = q * (NR - 1); i = int(x)
            if (x - i > 0.5 || (x - i == 0.5 && i % 2 == 1)) i++
            return t[i < NR - 1 ? i : NR - 1]
        }
        END { printf "%-34s %4s %8.1f %8.1f %8.1f\n", name, n, pct(0.5), pct(0.95), t[NR - 1] }'
}

printf '%-34s %4s %8s %8s %8s\n' route n p50_ms p95_ms max_ms
time_route "revenue (a year)" "/api/v1/metrics/revenue?from=$first&to=$last"
time_route "revenue (a year, one location)" "/api/v1/metrics/revenue?from=$first&to=$last&location=Online%20Store"
time_route "revenue/daily (a year)" "/api/v1/metrics/revenue/daily?from=$first&to=$last"
time_route "products/top (a year)" "/api/v1/metrics/products/top?from=$first&to=$last"
time_route "orders (first page)" "/api/v1/orders"
