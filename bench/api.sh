#!/usr/bin/env bash
# API benchmark (issues 10 and 23): each read route under load over HTTP (wrk), beside pgbench running
# the route's SQL (bench/sql/) with as many clients, for as long, in the same run.
#
#   bench/api.sh [ROWS]        default: 1000000 rows (a generated year of sales)
#
# Imports ROWS generated rows (zinc-testkit's gen-sales, cached) into a fresh database, then,
# with no VACUUM or ANALYZE of its own (the planner has what the import left it, as a user's
# database has right after an import), measures every route twice, each time against a fresh
# `zinc serve` (release build, 127.0.0.1 port 0):
#   1. answers computed: ZINC_ANSWER_CACHE_BYTES=0, so every request reaches the database (the
#      cost of the first ask after an import). The targets are judged on this run.
#   2. answers kept: the default, where a repeated question is answered from memory until the
#      data changes (what a dashboard opened many times a day sees).
# Per route: one probe (a 400 skips the route: it does not take that parameter), wrk, then
# `pgbench -n -M prepared` with as many clients and threads. Latency routes (revenue, daily
# revenue, best sellers, the first page of orders) run with one client, as a person waits for
# one answer; the order lookup runs with ZINC_BENCH_CONNECTIONS clients, as a throughput test.
# In the first run the order lookup is also driven against bare_order_lookup
# (crates/app/examples/): actix-web and sqlx running the same statement with nothing of Zinc
# around them, once with one shared sqlx pool (--pool), once with connections each worker
# keeps (--held: no round trip when a connection goes back, as Zinc's lookups on a lane).
# The lookups are warmed first (one unmeasured run), each run asks for ids of its own, and
# Zinc's lookups run again after the bare server's: the verdict takes the mean of its two.
# Their ratios to pgbench are what this stack reaches on this machine.
# Prints the disk the database uses after the import (its size, per million rows, the share in
# indexes and in rollups, each table's), then per route p50, p99 (wrk's histogram),
# requests/s and failed answers, pgbench's tps and the HTTP/pgbench ratio; then PASS/FAIL per
# target of issue 23: p50 < 2 ms for revenue (a year, a month, a year at one location), daily
# revenue for a year, best sellers for a year (both orders), the first page of orders, a
# product's sales for a year and the dashboard's overview of a year; the order lookup's
# requests/s >= 0.9x bare_order_lookup's with held connections, same run (its ratio to
# pgbench's tps is printed beside it).
# Environment: ZINC_BENCH_DURATION (seconds per run, default 10), ZINC_BENCH_CONNECTIONS
# (default 8), ZINC_BENCH_THREADS (default 2), ZINC_BENCH_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres); ZINC_* settings reach `zinc serve` (its pools:
# ZINC_DB_MAX_CONNECTIONS, ZINC_DB_FIGURES_CONNECTIONS). Needs curl, psql, pgbench and wrk.
# The server is stopped and the database dropped on exit; the server's log (warnings and errors,
# such as the cause of failed answers) is kept in ~/.cache/zinc-bench/api-serve.log.
set -euo pipefail

# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
rows=${1:-1000000}
duration=${ZINC_BENCH_DURATION:-10}
connections=${ZINC_BENCH_CONNECTIONS:-8}
threads=${ZINC_BENCH_THREADS:-2}
for value in "$rows" "$duration" "$connections" "$threads"; do
    whole_number "$value"
done
((threads <= connections)) || die "ZINC_BENCH_THREADS must not exceed ZINC_BENCH_CONNECTIONS"

need curl
need psql postgresql-client
need wrk
need pgbench "postgresql (Debian ships pgbench with the server package)"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -s "$work/serve.log" ]]; then
        cp "$work/serve.log" "$cache/api-serve.log"
        log "zinc serve's warnings and errors: $cache/api-serve.log"
    fi
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

build_release_zinc
file=$(generated_file "$rows")
db="zinc_bench_api_$$"
url=$(database_url "$db")
create_database "$db"
log "importing $rows rows..."
if ! DATABASE_URL="$url" "$zinc" import "$file" >"$work/import.out" 2>&1; then
    cat "$work/import.out" >&2
    die "zinc import failed"
fi

# A year and a month from the first sale date, and the range of order ids.
range=$(psql -XAtq -F ' ' -v ON_ERROR_STOP=1 "$url" -c "
    SELECT min(date), (min(date) + interval '1 year' - interval '1 day')::date,
           (min(date) + interval '1 month' - interval '1 day')::date,
           extract(doy FROM min(date)), min(id), max(id), count(*)
    FROM orders")
read -r first year_end month_end first_day id_min id_max orders <<<"$range"
# Best sellers over a calendar year read the yearly rollup alone: the SQL in bench/sql/.
((first_day == 1)) || log "note: the year is not a calendar year: best sellers' pgbench SQL reads whole years only"
# A product of the first order, for a product's sales over the year.
product=$(psql -XAtq -v ON_ERROR_STOP=1 "$url" -c "
    SELECT product_id FROM order_items WHERE order_id = (SELECT min(id) FROM orders) LIMIT 1")
log "orders: $orders from $first, ids $id_min to $id_max; product $product"
((id_max - id_min + 1 == orders)) || log "note: order ids have gaps: some lookups answer 404"

# Starts `zinc serve` with the extra environment given (NAME=VALUE ...); sets base.
start_server() {
    : >"$work/serve.out"
    env "$@" DATABASE_URL="$url" ZINC_BIND=127.0.0.1:0 RUST_LOG=warn "$zinc" serve \
        >"$work/serve.out" 2>>"$work/serve.log" &
    server_pid=$!
    await_address "zinc serve"
    log "serving on $base ($*); ${duration} s per run"
}

# Starts bare_order_lookup on the same database, in MODE (--pool or --held); sets base.
start_bare_server() {
    : >"$work/serve.out"
    DATABASE_URL="$url" "$bare_order_lookup" "$1" 127.0.0.1:0 >"$work/serve.out" 2>>"$work/serve.log" &
    server_pid=$!
    await_address bare_order_lookup
    log "bare_order_lookup $1 on $base"
}

# Waits for the started server (NAME) to print `listening on http://ADDRESS`; sets base.
await_address() {
    local address=""
    for _ in $(seq 1 600); do
        address=$(sed -n 's|^listening on http://||p' "$work/serve.out" | head -n 1)
        [[ -z "$address" ]] || break
        kill -0 "$server_pid" 2>/dev/null || {
            cat "$work/serve.log" >&2
            die "$1 stopped before listening"
        }
        sleep 0.1
    done
    [[ -n "$address" ]] || die "$1 did not say where it listens within 60 s"
    base="http://$address"
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

declare -A p50_ms ratio failed pgbench_tps
format='%-42s %5s %8s %8s %9s %7s %11s %9s\n'

# Measures one route: bench_route KEY CLIENTS LABEL PATH SQL_FILE [NAME=VALUE ...], with
# CLIENTS connections (wrk) and clients (pgbench). A PATH holding `{id}` is requested with
# random ids from id_min to id_max. SQL_FILE (in bench/sql/) runs in pgbench with the
# NAME=VALUE variables; "-" for none; "@KEY" to compare with the tps pgbench gave route KEY.
bench_route() {
    local key=$1 clients=$2 label=$3 path=$4 sql=$5
    shift 5
    local jobs=$((clients < threads ? clients : threads))
    local probe=${path//\{id\}/$id_min} status
    status=$(curl -sS -o "$work/probe" -w '%{http_code}' "$base$probe")
    if [[ "$status" == 400 ]]; then
        printf '%-42s %s\n' "$label" "skipped: the route refuses these parameters (400)"
        return
    fi
    [[ "$status" == 200 ]] || die "$label: GET $probe answered $status: $(head -c 300 "$work/probe")"

    log "$label: wrk..."
    local wrk_args=(-t "$jobs" -c "$clients" -d "${duration}s" --timeout 60s)
    if [[ "$path" == *"{id}"* ]]; then
        id_run=$((id_run + 1))
        wrk "${wrk_args[@]}" -s "$root/bench/wrk/random_id.lua" "$base" -- "$path" "$id_min" "$id_max" "$id_run"
    else
        wrk "${wrk_args[@]}" -s "$root/bench/wrk/report.lua" "$base$path"
    fi >"$work/wrk.out" 2>&1 || {
        cat "$work/wrk.out" >&2
        die "$label: wrk failed"
    }
    local figures p50 p99 rps non2xx socket_errors
    figures=$(grep '^zinc-wrk ' "$work/wrk.out") || die "$label: no figures from wrk: $(cat "$work/wrk.out")"
    read -r p50 p99 rps non2xx socket_errors < <(awk '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%.2f %.2f %s %s %s\n", v["p50_us"] / 1000, v["p99_us"] / 1000, v["rps"], v["non2xx"], v["socket_errors"]
    }' <<<"$figures")
    p50_ms[$key]=$p50
    failed[$key]=$((non2xx + socket_errors))

    local tps="-" versus="-"
    if [[ "$sql" == @* ]]; then
        tps=${pgbench_tps[${sql#@}]:-}
        [[ -n "$tps" ]] || die "$label: route ${sql#@} has no pgbench figure to compare with"
        versus=$(awk -v h="$rps" -v p="$tps" 'BEGIN { printf "%.2f", (p > 0 ? h / p : 0) }')
        ratio[$key]=$versus
    elif [[ "$sql" != "-" ]]; then
        log "$label: pgbench..."
        local defines=() variable
        for variable in "$@"; do defines+=(-D "$variable"); done
        pgbench -n -M prepared -c "$clients" -j "$jobs" -T "$duration" \
            -f "$root/bench/sql/$sql" "${defines[@]}" "$url" >"$work/pgbench.out" 2>&1 || {
            cat "$work/pgbench.out" >&2
            die "$label: pgbench failed"
        }
        tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out")
        [[ -n "$tps" ]] || die "$label: no tps from pgbench: $(cat "$work/pgbench.out")"
        tps=$(awk -v t="$tps" 'BEGIN { printf "%.1f", t }')
        pgbench_tps[$key]=$tps
        versus=$(awk -v h="$rps" -v p="$tps" 'BEGIN { printf "%.2f", (p > 0 ? h / p : 0) }')
        ratio[$key]=$versus
    fi
    # shellcheck disable=SC2059
    printf "$format" "$label" "$clients" "$p50" "$p99" "$rps" "${failed[$key]}" "$tps" "$versus"
}

# Each run of random ids asks for its own (bench/wrk/random_id.lua's RUN): a run asking for the
# ids the run before it asked for finds their pages in PostgreSQL's buffers (at 10M rows, 30-40
# us less of the database's time per lookup), which favoured whichever server ran later.
id_run=0

# Before the first measured lookups, as many of them again, unmeasured, with ids of their own:
# right after the import few of the orders' pages are in PostgreSQL's buffers, and the runs
# after the first would otherwise find more of them there (the index's upper pages, the
# products) than the first did.
warm_lookups() {
    log "warming the order lookups..."
    wrk -t "$threads" -c "$connections" -d "${duration}s" --timeout 60s \
        -s "$root/bench/wrk/random_id.lua" "$base" -- "/api/v1/orders/{id}" "$id_min" "$id_max" 1000 \
        >"$work/wrk.out" 2>&1 || {
        cat "$work/wrk.out" >&2
        die "warming the order lookups: wrk failed"
    }
}

year="from=$first&to=$year_end"
online="location=Online%20Store"
# Every route once, into the arrays (a later run overwrites an earlier one's figures).
bench_routes() {
    # shellcheck disable=SC2059  # the format is the table's, held once
    printf "$format" route conns p50_ms p99_ms http_rps failed pgbench_tps http/pg
    bench_route revenue_year 1 "revenue, a year" "/api/v1/metrics/revenue?$year" \
        revenue.sql from="$first" to="$year_end"
    bench_route revenue_month 1 "revenue, a month" "/api/v1/metrics/revenue?from=$first&to=$month_end" \
        revenue.sql from="$first" to="$month_end"
    bench_route revenue_year_location 1 "revenue, a year, one location" "/api/v1/metrics/revenue?$year&$online" \
        revenue_location.sql from="$first" to="$year_end" location="Online Store"
    bench_route daily_year 1 "daily revenue, a year" "/api/v1/metrics/revenue/daily?$year" \
        daily_revenue.sql from="$first" to="$year_end"
    bench_route top_revenue 1 "top products, a year, by revenue" "/api/v1/metrics/products/top?$year&by=revenue" \
        top_products_revenue.sql year_from="$first" year_to="$first"
    bench_route top_quantity 1 "top products, a year, by quantity" "/api/v1/metrics/products/top?$year&by=quantity" \
        top_products_quantity.sql year_from="$first" year_to="$first"
    bench_route top_revenue_location 1 "top products, a year, a location, revenue" \
        "/api/v1/metrics/products/top?$year&by=revenue&$online" -
    bench_route top_quantity_location 1 "top products, a year, a location, quantity" \
        "/api/v1/metrics/products/top?$year&by=quantity&$online" -
    bench_route orders_page 1 "orders, first page" "/api/v1/orders" \
        orders_first_page.sql limit=50 offset=0
    bench_route product_sales 1 "a product's sales, a year" "/api/v1/products/$product/sales?$year" -
    bench_route overview 1 "dashboard overview, a year" "/?$year" -
    bench_route overview_location 1 "dashboard overview, a year, a location" "/?$year&$online" -
    bench_route order_lookup "$connections" "order by id (random ids)" "/api/v1/orders/{id}" \
        order_by_id.sql id_min="$id_min" id_max="$id_max"
}

# One line per target of issue 23, from the figures of the last run. A route with failed
# answers fails its target.
verdicts() {
    local key label
    for key in revenue_year revenue_month revenue_year_location daily_year top_revenue top_quantity \
        orders_page product_sales overview; do
        label="p50 < 2 ms: $key"
        if [[ -z "${p50_ms[$key]:-}" ]]; then
            echo "SKIP  $label (not measured)"
        elif [[ ${failed[$key]} -gt 0 ]]; then
            echo "FAIL  $label: ${failed[$key]} failed answers"
        elif awk -v v="${p50_ms[$key]}" 'BEGIN { exit !(v < 2) }'; then
            echo "PASS  $label: ${p50_ms[$key]} ms"
        else
            echo "FAIL  $label: ${p50_ms[$key]} ms"
        fi
    done
    label="order lookup over HTTP >= 0.90x bare actix-web + sqlx with held connections"
    if [[ -z "${ratio[order_lookup]:-}" || -z "${ratio[bare_held]:-}" ]]; then
        echo "SKIP  $label (not measured)"
        return
    fi
    # Zinc's two runs, before and after the bare server's, averaged: the database's buffers
    # keep warming (and the machine's load drifts) from run to run, which a single run before
    # the bare server's counts against Zinc.
    local zinc versus
    zinc=$(awk -v a="${ratio[order_lookup]}" -v b="${ratio[order_lookup_again]:-${ratio[order_lookup]}}" \
        'BEGIN { printf "%.2f", (a + b) / 2 }')
    versus=$(awk -v z="$zinc" -v b="${ratio[bare_held]}" 'BEGIN { printf "%.2f", (b > 0 ? z / b : 0) }')
    local detail="$versus (to pgbench's tps: Zinc $zinc, the mean of ${ratio[order_lookup]} and ${ratio[order_lookup_again]:-?}; bare pooled ${ratio[bare_pooled]:-?}, bare held ${ratio[bare_held]})"
    if [[ ${failed[order_lookup]} -gt 0 || ${failed[order_lookup_again]:-0} -gt 0 ]]; then
        echo "FAIL  $label: $((failed[order_lookup] + ${failed[order_lookup_again]:-0})) failed answers"
    elif awk -v v="$versus" 'BEGIN { exit !(v >= 0.9) }'; then
        echo "PASS  $label: $detail"
    else
        echo "FAIL  $label: $detail"
    fi
}

disk_usage "$db" "$rows"
echo
echo "answers computed (ZINC_ANSWER_CACHE_BYTES=0): every request reaches the database"
start_server ZINC_ANSWER_CACHE_BYTES=0
warm_lookups
bench_routes
stop_server
for mode in pooled held; do
    start_bare_server "--${mode/pooled/pool}"
    bench_route "bare_$mode" "$connections" "order by id, bare, $mode connections" \
        "/api/v1/orders/{id}" @order_lookup
    stop_server
done
# Zinc's lookups once more, after the bare server's (Zinc, bare, Zinc: a drift over the three
# runs weighs on both sides alike).
start_server ZINC_ANSWER_CACHE_BYTES=0
bench_route order_lookup_again "$connections" "order by id, again" "/api/v1/orders/{id}" @order_lookup
stop_server
# The targets are judged on the answers computed.
judged=$(verdicts)

echo
echo "answers kept (the default): a repeated question is answered from memory until the data changes"
start_server
bench_routes
stop_server

echo
echo "$judged"
