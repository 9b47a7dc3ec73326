#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted $VARIABLES expand in containers, on purpose
# Deploy an image of Zinc to a docker compose deployment (docker-compose.yml, with
# deploy/compose/replicas.yml for two replicas behind nginx), in deploy.sh's order:
#   1. back up the database (deploy/backup.sh, in a one-off container of the db service)
#   2. run the migrations with the new image (the `migrate` service) and wait for them
#   3. replace the replicas one at a time: each is stopped (SIGTERM: it finishes its requests
#      while the load balancer sends new ones to the others), started with the new image, and
#      must answer /health/ready within the timeout before the next one is touched
#   4. health gate: ZINC_HEALTH_URL/health/ready when set (e.g. the load balancer)
#   on failure: every replica already replaced goes back to its previous image (each waited
#   for), and when this deploy applied migrations, `zinc migrate down -n N` (new image) returns
#   the schema; say so.
#
#   deploy/compose-deploy.sh --image IMAGE:TAG [--services "app app-b"] [--timeout SECONDS]
#       [--skip-backup]
#
# ZINC_COMPOSE is the compose command with its options (default: `docker compose`, or
# `docker-compose` when that is what there is), e.g.
#   ZINC_COMPOSE="docker compose -f docker-compose.yml -f deploy/compose/replicas.yml"
# Backups go to ZINC_BACKUP_DIR (backups/). Set ZINC_IMAGE in .env afterwards: it is what a
# later `docker compose up` starts. Exit code 0 when deployed, 1 when rolled back.
set -euo pipefail

usage() { sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; }
image=""
services="app"
timeout=120
backup=true
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --image) image=${2:?--image needs a value}; shift ;;
        --services) services=${2:?--services needs a value}; shift ;;
        --timeout) timeout=${2:?--timeout needs a value}; shift ;;
        --skip-backup) backup=false ;;
        *) echo "compose-deploy.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
[[ "$image" == *:* ]] || { echo "compose-deploy.sh: --image must be NAME:TAG" >&2; exit 2; }
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "compose-deploy.sh: --timeout is a number of seconds" >&2; exit 2; }
if [[ -n "${ZINC_COMPOSE:-}" ]]; then
    read -r -a compose_command <<<"$ZINC_COMPOSE"
elif docker compose version >/dev/null 2>&1; then
    compose_command=(docker compose)
else
    compose_command=(docker-compose)
fi
compose() { "${compose_command[@]}" "$@"; }
here=$(cd "$(dirname "$0")" && pwd)
say() { printf 'compose-deploy.sh: %s\n' "$*" >&2; }
read -r -a replicas <<<"$services"

applied_migrations() {
    compose exec -T db sh -c 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAq -c "SELECT count(*) FROM seaql_migrations"' \
        2>/dev/null || echo 0
}
running_image() { # SERVICE: the image its container runs
    local id
    id=$(compose ps -q "$1")
    [[ -n "$id" ]] && docker inspect -f '{{.Config.Image}}' "$id"
}
# SERVICE IMAGE: replaces the service's container (the old one stopped with its grace period),
# then waits until it answers /health/ready.
replace() {
    ZINC_IMAGE=$2 compose up -d --no-deps --force-recreate "$1" 2>&1 | grep -v -E '^(Recreating|Starting)' >&2 || true
    local deadline=$((SECONDS + timeout))
    until compose exec -T "$1" zinc probe --path /health/ready >/dev/null 2>&1; do
        if [[ $SECONDS -ge $deadline ]]; then
            say "$1 did not answer /health/ready within ${timeout}s"
            compose logs --tail 5 "$1" >&2 || true
            return 1
        fi
        sleep 0.5
    done
    say "$1 runs $2 and is ready"
}

# 1. Backup.
if $backup; then
    say "1/4 backing up the database"
    backup_dir=$(mkdir -p "${ZINC_BACKUP_DIR:-backups}" && cd "${ZINC_BACKUP_DIR:-backups}" && pwd)
    name="zinc-$(date -u +%Y%m%dT%H%M%SZ).dump"
    compose run --rm --no-deps -T -v "$here:/deploy:ro" -v "$backup_dir:/backups" --entrypoint bash db -c \
        'DATABASE_URL="postgres://$POSTGRES_USER:$POSTGRES_PASSWORD@db:5432/$POSTGRES_DB" /deploy/backup.sh "/backups/$1"' \
        bash "$name" >/dev/null
    backup_file="$backup_dir/$name"
    say "backup written: $backup_file"
else
    say "1/4 backup skipped (--skip-backup)"
fi

declare -A previous
for service in "${replicas[@]}"; do
    previous[$service]=$(running_image "$service") || { say "$service is not running"; exit 2; }
done
before=$(applied_migrations)
replaced=()

rollback() {
    say "FAILED: $1; rolling back"
    local service index
    for ((index = ${#replaced[@]} - 1; index >= 0; index--)); do
        service=${replaced[index]}
        replace "$service" "${previous[$service]}" \
            || say "$service did not become ready on ${previous[$service]} either: see deploy/RUNBOOK.md"
    done
    say "replicas back on their previous images"
    local after steps
    after=$(applied_migrations)
    steps=$((after - before))
    if [[ "$steps" -gt 0 ]]; then
        say "this deploy applied $steps migration(s): running zinc migrate down -n $steps with $image"
        if ZINC_IMAGE=$image compose run --rm --no-deps -T migrate migrate down -n "$steps"; then
            say "schema returned to its previous version ($before migrations)"
        else
            say "migrate down FAILED: restore the backup ${backup_file:-(none taken)}; see deploy/RUNBOOK.md"
        fi
    fi
    exit 1
}

# 2. Migrations, with the new image.
say "2/4 migrating with $image ($before migration(s) applied before)"
ZINC_IMAGE=$image compose run --rm --no-deps -T migrate migrate up >&2 \
    || rollback "the migrations did not complete"

# 3. Rolling update.
for service in "${replicas[@]}"; do
    say "3/4 replacing $service: ${previous[$service]} -> $image"
    replaced+=("$service")
    replace "$service" "$image" || rollback "$service is not ready on $image"
done

# 4. Health.
say "4/4 health gate"
if [[ -n "${ZINC_HEALTH_URL:-}" ]]; then
    curl -fsS --max-time 10 --retry 5 --retry-delay 3 "$ZINC_HEALTH_URL/health/ready" >/dev/null \
        || rollback "$ZINC_HEALTH_URL/health/ready is not healthy"
fi
say "deployed $image to ${replicas[*]}"
