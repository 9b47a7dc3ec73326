#!/usr/bin/env bash
# Import benchmark: wall time and peak memory of `zinc import` (release build) on generated
# files, first import and identical re-import, each into a fresh database.
#
#   bench/import.sh [ROWS ...]        default: 100000 1000000
#
# Files come from zinc-testkit's gen-sales (release build, cached). Needs PostgreSQL at
# ZINC_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) and GNU time.
set -euo pipefail

if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/common.sh
source "$root/bench/common.sh"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100000 1000000)

[[ -x /usr/bin/time ]] || { echo "GNU time is needed (apt-get install time)" >&2; exit 2; }

build_release_zinc

server=${admin%/*}
measure() { # url file -> "seconds peak_kib"
    local out
    out=$( { /usr/bin/time -f '%e %M' "$zinc" import "$2" >/dev/null; } 2>&1 | tail -n 1)
    echo "$out"
}

printf '%-9s %-8s %-11s %-11s %-13s %-13s\n' rows file_MB import_s rows_per_s peak_RSS_MiB reimport_s
for rows in "${sizes[@]}"; do
    file=$(generated_file "$rows")
    db="zinc_bench_${rows}_$$"
    url="$server/$db"
    trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    DATABASE_URL="$url" "$zinc" migrate up >/dev/null 2>&1
    read -r first_s first_kib < <(DATABASE_URL="$url" measure "$url" "$file")
    read -r again_s _ < <(DATABASE_URL="$url" measure "$url" "$file")
    psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
    size_mb=$(awk -v bytes="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", bytes / 1e6 }')
    rate=$(awk -v rows="$rows" -v s="$first_s" 'BEGIN {
        n = sprintf("%.0f", rows / (s < 0.01 ? 0.01 : s)); grouped = ""
        while (length(n) > 3) { grouped = "," substr(n, length(n) - 2) grouped; n = substr(n, 1, length(n) - 3) }
        print n grouped }')
    peak=$(awk -v kib="$first_kib" 'BEGIN { printf "%.0f", kib / 1024 }')
    printf '%-9s %-8s %-11s %-11s %-13s %-13s\n' "$rows" "$size_mb" "$first_s" "$rate" "$peak" "$again_s"
done
