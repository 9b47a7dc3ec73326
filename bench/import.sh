#!/usr/bin/env bash
# Import benchmark (issues 10 and 23): `zinc import` (release build) against PostgreSQL's own COPY of
# the same rows, on generated files (zinc-testkit's gen-sales, cached).
#
#   bench/import.sh [ROWS ...]        default: 1000000 10000000
#
# For each size: a fresh migrated database A; `zinc import FILE` timed (wall clock, peak RSS
# from GNU time -v); the identical re-import timed. Then the baseline: products, orders and
# order_items as Zinc stored them in A are copied out (psql \copy) and loaded into a fresh
# migrated database B in one transaction (BEGIN; \copy x3; COMMIT; one psql session), timed.
# Other tables (import history, any rollups) are not part of the baseline, and user triggers on
# the three tables are disabled in B (foreign keys, checks and indexes stay). Each timed step
# starts after a CHECKPOINT (`settle`), so none pays for what the one before left dirty.
# Prints one row per size, then the disk each database used after its imports (its size, per
# million rows, the share in indexes and in rollups, each table's), then PASS/FAIL per target of
# issue 23: import <= 1.2x COPY at 1M and at 10M rows, identical re-import <= 0.3x COPY at 1M,
# peak RSS < 64 MiB at every size, and the import rate at 10M within 10% of the rate at 1M (a
# target whose size was not measured says SKIP). Progress goes to stderr.
# Every database it creates is dropped on exit. Needs psql, GNU time, and PostgreSQL at
# ZINC_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000000 10000000)
for rows in "${sizes[@]}"; do
    whole_number "$rows"
done

need psql postgresql-client
[[ -x /usr/bin/time ]] || die "GNU time is needed at /usr/bin/time: apt-get install -y time"

# The baseline's tables, in loading order (order_items refers to the other two).
copied_tables=(products orders order_items)

work=$(mktemp -d)
cleanup() {
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

build_release_zinc

# Runs `zinc import FILE` into URL under GNU time; prints "wall_seconds peak_rss_kib".
timed_import() {
    local url=$1 file=$2 start wall
    start=$(now)
    if ! DATABASE_URL="$url" /usr/bin/time -v -o "$work/time" "$zinc" import "$file" \
        >"$work/import.out" 2>&1; then
        log "zinc import failed:"
        cat "$work/import.out" "$work/time" >&2
        exit 1
    fi
    wall=$(seconds_since "$start")
    echo "$wall $(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time")"
}

# Copies the baseline's tables out of database FROM into files; prints nothing.
copy_out() {
    local table
    for table in "${copied_tables[@]}"; do
        psql -Xq -v ON_ERROR_STOP=1 "$(database_url "$1")" \
            -c "\\copy $table TO '$work/$table.copy'"
    done
}

# Loads the copied files into database TO in one transaction, one session; prints the seconds.
timed_copy_in() {
    local url table start
    url=$(database_url "$1")
    for table in "${copied_tables[@]}"; do
        psql -Xq -v ON_ERROR_STOP=1 "$url" -c "ALTER TABLE $table DISABLE TRIGGER USER"
    done
    start=$(now)
    {
        echo "BEGIN;"
        for table in "${copied_tables[@]}"; do
            echo "\\copy $table FROM '$work/$table.copy'"
        done
        echo "COMMIT;"
    } | psql -Xq -v ON_ERROR_STOP=1 "$url" >/dev/null
    seconds_since "$start"
}

# Whole numbers with thousands separators.
grouped() {
    awk -v n="$1" 'BEGIN {
        n = sprintf("%.0f", n); g = ""
        while (length(n) > 3) { g = "," substr(n, length(n) - 2) g; n = substr(n, 1, length(n) - 3) }
        print n g }'
}
# A / B to two decimals (B at least a hundredth of a second).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b < 0.01 ? 0.01 : b) }'; }

declare -A import_ratio reimport_ratio peak_kib rate
disk=()
format='%-9s %-8s %-9s %-11s %-8s %-8s %-11s %-14s %s\n'
# shellcheck disable=SC2059  # the format is the table's, held once
printf "$format" rows file_MB import_s rows_per_s vs_COPY RSS_MiB reimport_s reimp_vs_COPY COPY_s
for rows in "${sizes[@]}"; do
    file=$(generated_file "$rows")
    a="zinc_bench_import_${rows}_$$_a"
    b="zinc_bench_import_${rows}_$$_b"

    log "[$rows rows] zinc import into a fresh database..."
    create_database "$a"
    settle
    measured=$(timed_import "$(database_url "$a")" "$file")
    read -r import_s import_kib <<<"$measured"
    log "[$rows rows] identical re-import..."
    settle
    measured=$(timed_import "$(database_url "$a")" "$file")
    read -r reimport_s _ <<<"$measured"
    stored=$(psql -XAtq "$(database_url "$a")" -c "SELECT (SELECT count(*) FROM products) || ' products, ' \
        || (SELECT count(*) FROM orders) || ' orders, ' || (SELECT count(*) FROM order_items) || ' items'")
    disk+=("$(disk_usage "$a" "$rows")")
    log "[$rows rows] stored $stored; COPY of the same rows into a fresh database..."
    copy_out "$a"
    drop_database "$a"
    create_database "$b"
    settle
    copy_s=$(timed_copy_in "$b")
    drop_database "$b"
    rm -f "$work"/*.copy

    import_ratio[$rows]=$(ratio "$import_s" "$copy_s")
    reimport_ratio[$rows]=$(ratio "$reimport_s" "$copy_s")
    peak_kib[$rows]=$import_kib
    rate[$rows]=$(awk -v r="$rows" -v s="$import_s" 'BEGIN { printf "%.0f", r / (s < 0.01 ? 0.01 : s) }')
    # shellcheck disable=SC2059
    printf "$format" "$rows" \
        "$(awk -v bytes="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", bytes / 1e6 }')" \
        "$import_s" "$(grouped "${rate[$rows]}")" \
        "${import_ratio[$rows]}" "$(awk -v k="$import_kib" 'BEGIN { printf "%.1f", k / 1024 }')" \
        "$reimport_s" "${reimport_ratio[$rows]}" "$copy_s"
done

echo
printf '%s\n' "${disk[@]}"

# One line per target of issue 23: PASS, FAIL, or SKIP when its size was not measured.
verdict() { # label rows value comparison(awk expression on v)
    local label=$1 rows=$2 value=$3 test=$4
    if [[ -z "$value" ]]; then
        echo "SKIP  $label ($rows rows not measured)"
    elif awk -v v="$value" "BEGIN { exit !($test) }"; then
        echo "PASS  $label: $value"
    else
        echo "FAIL  $label: $value"
    fi
}
echo
verdict "import at 1M rows <= 1.2x COPY" 1000000 "${import_ratio[1000000]:-}" "v <= 1.2"
verdict "import at 10M rows <= 1.2x COPY" 10000000 "${import_ratio[10000000]:-}" "v <= 1.2"
verdict "identical re-import at 1M rows <= 0.3x COPY" 1000000 "${reimport_ratio[1000000]:-}" "v <= 0.3"
for rows in "${sizes[@]}"; do
    verdict "peak RSS at $rows rows < 64 MiB (65536 KiB), in KiB" "$rows" "${peak_kib[$rows]}" "v < 65536"
done
rate_10m=""
if [[ -n "${rate[1000000]:-}" && -n "${rate[10000000]:-}" ]]; then
    rate_10m=$(awk -v a="${rate[10000000]}" -v b="${rate[1000000]}" 'BEGIN { printf "%.2f", a / b }')
fi
verdict "import rate at 10M rows >= 0.9x the rate at 1M" "1000000 and 10000000" "$rate_10m" "v >= 0.9"
