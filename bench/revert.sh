#!/usr/bin/env bash
# Revert benchmark (issue 24): what taking an import back costs, on generated files
# (zinc-testkit's gen-sales, cached), with the release build.
#
#   bench/revert.sh [ROWS]        default: 100000
#
# In a fresh migrated database: `zinc import FILE` (every sale created), then a correction of
# every sale (the same file with each line's payment method changed), then the disk the kept
# versions take (replaced orders, items and products, and the notes of what each import
# wrote: pg_total_relation_size, indexes included) per million replaced rows, then
# `zinc imports revert 2 --dry-run`, `zinc imports revert 2` (every sale put back) and
# `zinc imports revert 1` (every sale removed), each timed (wall clock). Prints one table;
# progress goes to stderr. The database is dropped on exit. Needs psql and PostgreSQL at
# ZINC_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
rows=${1:-100000}
whole_number "$rows"

need psql postgresql-client

work=$(mktemp -d)
cleanup() {
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

build_release_zinc
file=$(generated_file "$rows")
# The correction: every line's last column (the payment method) changed, so every sale is
# replaced with its items.
awk -F, 'BEGIN { OFS = "," } NR > 1 { $NF = "Voucher" } { print }' "$file" >"$work/correction.csv"

name="zinc_bench_revert_$$"
create_database "$name"
url=$(database_url "$name")

# Runs zinc with ARGS against the benchmark's database; prints the wall seconds.
timed() {
    local start
    start=$(now)
    if ! DATABASE_URL="$url" "$zinc" "$@" >"$work/out" 2>&1; then
        log "zinc $* failed:"
        cat "$work/out" >&2
        exit 1
    fi
    seconds_since "$start"
}

sql() { psql -XAtq "$url" -v ON_ERROR_STOP=1 -c "$1"; }

log "importing $rows rows..."
first=$(timed import "$file")
log "correcting every sale..."
correction=$(timed import "$work/correction.csv")
replaced_rows=$(sql "SELECT count(*) FROM replaced_order_items WHERE replaced_by = 2")
replaced_orders=$(sql "SELECT count(*) FROM replaced_orders WHERE replaced_by = 2")
kept_bytes=$(sql "SELECT sum(pg_total_relation_size(t))::bigint FROM unnest(ARRAY[
    'replaced_orders', 'replaced_order_items', 'replaced_products', 'written_sale_blocks',
    'written_products', 'kept_versions']::regclass[]) t")
log "reverting..."
dry_run=$(timed imports revert 2 --dry-run)
cp "$work/out" "$work/dry_run.out"
revert_correction=$(timed imports revert 2)
cp "$work/out" "$work/revert.out"
revert_first=$(timed imports revert 1)
left=$(sql "SELECT count(*) FROM orders")

printf '%-44s %s\n' "rows imported" "$rows"
printf '%-44s %s s\n' "first import" "$first"
printf '%-44s %s s\n' "correction of every sale" "$correction"
printf '%-44s %s orders, %s items\n' "versions kept by the correction" "$replaced_orders" "$replaced_rows"
printf '%-44s %s MiB\n' "disk kept (both imports, with indexes)" \
    "$(awk -v b="$kept_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
printf '%-44s %s MiB\n' "disk kept per million replaced rows" \
    "$(awk -v b="$kept_bytes" -v r="$replaced_rows" 'BEGIN { printf "%.0f", b / r * 1e6 / 1048576 }')"
printf '%-44s %s s\n' "revert dry run (import 2)" "$dry_run"
printf '%-44s %s s\n' "revert of the correction (all put back)" "$revert_correction"
printf '%-44s %s s (%s orders left)\n' "revert of the first import (all removed)" "$revert_first" "$left"
log ""
log "zinc imports revert 2 --dry-run:"
cat "$work/dry_run.out" >&2
log "zinc imports revert 2:"
cat "$work/revert.out" >&2
