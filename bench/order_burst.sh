#!/usr/bin/env bash
# Memory of a burst of views of one huge sale (issue 21, item 8): not part of the test suite,
# since resident memory depends on the allocator, the machine and what ran before.
#
#   bench/order_burst.sh [LINES]     default: 100000 lines in one sale
#
# Writes a file holding one sale of LINES lines (about 100 bytes each, as the hostile tester's
# 9.7 MB upload of 100,000 lines), imports it into a fresh database with `zinc import`, starts
# `zinc serve` (127.0.0.1 port 0, answers not kept: ZINC_ANSWER_CACHE_BYTES=0, so that every
# view reaches the database), then fires, 8 at once each time: views of the order over the API
# (its first page, then its last page), and of its dashboard page (first, then last page).
# Prints the server's resident memory (VmRSS) before, its peak (VmHWM) after each burst, and
# its resident memory 2 s after the last one, with the size of each answer.
# The issue's baseline, before items were paged: a 31 MB order JSON, a 40 MB page; 8 parallel
# views took the server to 834 MB, 727 MB held afterwards.
# Environment: ZINC_BIN (a `zinc` binary to use instead of building the release one, e.g.
# target/debug/zinc), ZINC_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres);
# ZINC_* settings reach `zinc serve`. Needs curl and psql. The server is stopped and the
# database dropped on exit.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
lines=${1:-100000}
whole_number "$lines"
views=8

need curl
need psql postgresql-client

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -n "${ZINC_BIN:-}" ]]; then
    zinc=$ZINC_BIN
else
    build_release_zinc
fi

# One sale (Sale ID 77) under the real export's header, its lines `Item 1`, `Item 2`... each one unit at 1.00 plus 0.09 tax.
file="$work/one-sale.csv"
{
    # The export's header, as the repository's real export has it.
    head -n 1 "$root/data/zinc-sales.csv"
    awk -v n="$lines" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "3/1/2025,100002649,77,Item %d of the longest sale ever sold,---,,Online Store,,---,---,1.00,1,1.00,0,0,0.09,1.09,1.09,Cash\r\n", i
    }'
} >"$file"
log "one sale of $lines lines: $(du -h "$file" | cut -f1)"

db="zinc_bench_burst_$$"
url=$(database_url "$db")
create_database "$db"
log "importing..."
if ! DATABASE_URL="$url" "$zinc" import "$file" >"$work/import.out" 2>&1; then
    cat "$work/import.out" >&2
    die "zinc import failed"
fi
psql -Xq -v ON_ERROR_STOP=1 "$url" -c "VACUUM ANALYZE" >/dev/null
id=$(psql -XAtq -v ON_ERROR_STOP=1 "$url" -c "SELECT id FROM orders WHERE sale_id = 77")

: >"$work/serve.out"
env ZINC_ANSWER_CACHE_BYTES=0 DATABASE_URL="$url" ZINC_BIND=127.0.0.1:0 RUST_LOG=warn \
    "$zinc" serve >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
address=""
for _ in $(seq 1 600); do
    address=$(sed -n 's|^listening on http://||p' "$work/serve.out" | head -n 1)
    [[ -z "$address" ]] || break
    kill -0 "$server_pid" 2>/dev/null || die "zinc serve stopped: $(cat "$work/serve.log")"
    sleep 0.1
done
[[ -n "$address" ]] || die "zinc serve did not say where it listens within 60 s"
base="http://$address"

# The server's VmRSS or VmHWM (peak), in MB.
memory() { awk -v f="$1:" '$1 == f { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }

# Fires `views` GETs of PATH at once; prints the label, the answers' status and size, and the
# server's peak so far.
burst() {
    local label=$1 path=$2 i pids=()
    for i in $(seq 1 "$views"); do
        curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' "$base$path" >"$work/status.$i" &
        pids+=($!)
    done
    wait "${pids[@]}"
    local statuses
    statuses=$(cat "$work"/status.* | sort | uniq -c | awk '{ printf "%s×%s (%s bytes) ", $1, $2, $3 }')
    rm -f "$work"/status.*
    printf '%-34s %-36s peak %5s MB\n' "$label" "$statuses" "$(memory VmHWM)"
}

last=$(( (lines - 1) / 50 * 50 ))
printf 'zinc serve, one order of %s items; resident before: %s MB\n' "$lines" "$(memory VmRSS)"
burst "API, first page (default)" "/api/v1/orders/$id"
burst "API, last page of 50" "/api/v1/orders/$id?offset=$last"
burst "API, largest page, from the middle" "/api/v1/orders/$id?limit=500&offset=$((lines / 2))"
burst "dashboard, first page" "/orders/$id"
burst "dashboard, last page" "/orders/$id?offset=$last"
sleep 2
printf 'resident 2 s after the last burst: %s MB (peak %s MB)\n' "$(memory VmRSS)" "$(memory VmHWM)"
