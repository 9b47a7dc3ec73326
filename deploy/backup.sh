#!/usr/bin/env bash
# Back up the database of DATABASE_URL with pg_dump (custom format), then verify the file with
# pg_restore --list. Prints the path of the file it wrote.
#
#   DATABASE_URL=postgres://... deploy/backup.sh [FILE]
#
# FILE defaults to backups/zinc-<database>-<UTC timestamp>.dump (ZINC_BACKUP_DIR overrides
# the folder). Needs pg_dump and pg_restore of the server's major version or newer.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    -*) echo "backup.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac
[[ $# -le 1 ]] || { echo "backup.sh: at most one FILE" >&2; exit 2; }
: "${DATABASE_URL:?backup.sh: set DATABASE_URL to the database to back up}"
if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then
    echo "backup.sh: pg_dump and pg_restore are needed (postgresql-client)" >&2
    exit 2
fi

database=${DATABASE_URL%%\?*}
database=${database##*/}
file=${1:-${ZINC_BACKUP_DIR:-backups}/zinc-${database}-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$file")"

# Write to a temporary name first, so a failed dump never looks like a backup.
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges --compress=6 --file="$partial" "$DATABASE_URL"
# The verification: pg_restore must read the whole table of contents back.
listing=$(pg_restore --list "$partial") || { echo "backup.sh: pg_restore cannot read $partial" >&2; exit 1; }
entries=$(grep -c -v '^;' <<<"$listing" || true)
mv "$partial" "$file"
trap - EXIT
echo "backup.sh: verified $entries entries" >&2
echo "$file"
