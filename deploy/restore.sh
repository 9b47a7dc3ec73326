#!/usr/bin/env bash
# Restore a backup made by backup.sh into the database of DATABASE_URL.
#
#   DATABASE_URL=postgres://... deploy/restore.sh [--force] FILE
#
# Refuses a database that already has tables unless --force, which replaces the objects the
# backup contains (pg_restore --clean --if-exists). Runs in a single transaction: a failed
# restore leaves the database as it was. The database itself must exist.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
force=false
file=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --force) force=true ;;
        -*) echo "restore.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [[ -z "$file" ]] || { echo "restore.sh: one FILE only" >&2; exit 2; }; file=$1 ;;
    esac
    shift
done
[[ -n "$file" ]] || { echo "restore.sh: FILE is required" >&2; usage >&2; exit 2; }
[[ -f "$file" ]] || { echo "restore.sh: no such file: $file" >&2; exit 2; }
: "${DATABASE_URL:?restore.sh: set DATABASE_URL to the database to restore into}"
if ! command -v pg_restore >/dev/null || ! command -v psql >/dev/null; then
    echo "restore.sh: pg_restore and psql are needed (postgresql-client)" >&2
    exit 2
fi

pg_restore --list "$file" >/dev/null || { echo "restore.sh: $file is not a pg_dump custom-format file" >&2; exit 1; }
tables=$(psql -tAq "$DATABASE_URL" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
clean=()
if [[ "$tables" -gt 0 ]]; then
    if ! $force; then
        echo "restore.sh: the database has $tables table(s); refusing to restore over them (use --force)" >&2
        exit 1
    fi
    clean=(--clean --if-exists)
fi
pg_restore --no-owner --no-privileges --single-transaction --exit-on-error "${clean[@]}" \
    --dbname="$DATABASE_URL" "$file"
echo "restore.sh: restored $file" >&2
