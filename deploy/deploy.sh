#!/usr/bin/env bash
# Deploy an image of Zinc to a Kubernetes environment, in the design's order:
#   1. back up the database (deploy/backup.sh)
#   2. run the migration Job with the new image and wait for it
#   3. roll out the Deployment with the new image
#   4. wait for health (rollout status: readiness probes on /health/ready; then
#      ZINC_HEALTH_URL/health/ready when set)
#   on failure: roll the Deployment back to the previous image and, when this deploy applied
#   migrations, run `zinc migrate down -n N` (new image) to return the schema; say so.
#
#   DATABASE_URL=postgres://... deploy/deploy.sh --environment staging|production --image IMAGE:TAG
#       [--timeout SECONDS] [--skip-backup]
#
# DATABASE_URL reaches the environment's database from here (for the backup and to count
# applied migrations). KUBECTL overrides the kubectl command; kubectl's current context must
# point at the environment's cluster. Exit code 0 when deployed, 1 when rolled back.
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
environment=""
image=""
timeout=300
backup=true
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --environment) environment=${2:?--environment needs a value}; shift ;;
        --image) image=${2:?--image needs a value}; shift ;;
        --timeout) timeout=${2:?--timeout needs a value}; shift ;;
        --skip-backup) backup=false ;;
        *) echo "deploy.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$environment" in
    staging | production) ;;
    *) echo "deploy.sh: --environment must be staging or production" >&2; exit 2 ;;
esac
[[ "$image" == *:* ]] || { echo "deploy.sh: --image must be NAME:TAG" >&2; exit 2; }
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "deploy.sh: --timeout is a number of seconds" >&2; exit 2; }
: "${DATABASE_URL:?deploy.sh: set DATABASE_URL to the database of the environment}"
kubectl=${KUBECTL:-kubectl}
here=$(cd "$(dirname "$0")" && pwd)
overlay="$here/k8s/overlays/$environment"
namespace="zinc-$environment"
say() { printf 'deploy.sh: %s\n' "$*" >&2; }

applied_migrations() {
    psql -tAq "$DATABASE_URL" -c "SELECT count(*) FROM seaql_migrations" 2>/dev/null || echo 0
}

# Renders the overlay with the new image (without touching the committed files); extra
# kustomization lines (patches) may follow.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
render() { # DIR [EXTRA_YAML] -> rendered manifests on stdout
    mkdir -p "$1"
    cat > "$1/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$1" "$overlay")
images:
  - name: ghcr.io/zinc-sales/zinc
    newName: ${image%:*}
    newTag: ${image##*:}
${2:-}
YAML
    "$kubectl" kustomize "$1"
}
render "$work/up" > "$work/rendered.yaml"

# 1. Backup.
if $backup; then
    say "1/4 backing up the database"
    backup_file=$("$here/backup.sh")
    say "backup written: $backup_file"
else
    say "1/4 backup skipped (--skip-backup)"
fi

previous=$("$kubectl" -n "$namespace" get deployment zinc \
    -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null || true)
before=$(applied_migrations)

rollback() {
    say "FAILED: $1; rolling back"
    if [[ -n "$previous" ]]; then
        "$kubectl" -n "$namespace" rollout undo deployment/zinc || say "rollout undo failed"
        "$kubectl" -n "$namespace" rollout status deployment/zinc --timeout="${timeout}s" \
            || say "the previous version did not become ready either: see deploy/RUNBOOK.md"
        say "rolled the Deployment back to $previous"
    else
        say "no previous Deployment to roll back to (first deploy)"
    fi
    local after steps
    after=$(applied_migrations)
    steps=$((after - before))
    if [[ "$steps" -gt 0 ]]; then
        say "this deploy applied $steps migration(s): running zinc migrate down -n $steps with $image"
        render "$work/down" "patches:
  - target:
      kind: Job
      name: zinc-migrate
    patch: |-
      - op: replace
        path: /metadata/name
        value: zinc-migrate-down
      - op: replace
        path: /spec/template/spec/containers/0/args
        value: [\"migrate\", \"down\", \"-n\", \"$steps\"]" \
            | awk 'BEGIN { RS = "\n---\n" } /kind: Job/ { print }' > "$work/job-down.yaml"
        "$kubectl" -n "$namespace" delete job zinc-migrate-down --ignore-not-found
        "$kubectl" -n "$namespace" apply -f "$work/job-down.yaml"
        if "$kubectl" -n "$namespace" wait --for=condition=complete job/zinc-migrate-down \
            --timeout="${timeout}s"; then
            say "schema returned to its previous version ($before migrations)"
        else
            say "migrate down FAILED: restore the backup ${backup_file:-(none taken)}; see deploy/RUNBOOK.md"
        fi
    fi
    exit 1
}

# 2. Migrations, with the new image.
say "2/4 migrating with $image ($before migration(s) applied before)"
"$kubectl" -n "$namespace" delete job zinc-migrate --ignore-not-found
awk 'BEGIN { RS = "\n---\n" } /kind: Job/ { print }' "$work/rendered.yaml" > "$work/job.yaml"
"$kubectl" -n "$namespace" apply -f "$work/job.yaml"
"$kubectl" -n "$namespace" wait --for=condition=complete job/zinc-migrate --timeout="${timeout}s" \
    || rollback "the migration job did not complete"

# 3. Rollout.
say "3/4 rolling out $image (previous: ${previous:-none})"
awk 'BEGIN { RS = "\n---\n"; ORS = "\n---\n" } !/kind: Job/ { print }' "$work/rendered.yaml" \
    > "$work/app.yaml"
"$kubectl" -n "$namespace" apply -f "$work/app.yaml" || rollback "applying the manifests failed"

# 4. Health.
say "4/4 waiting for health"
"$kubectl" -n "$namespace" rollout status deployment/zinc --timeout="${timeout}s" \
    || rollback "the rollout did not become ready within ${timeout}s"
if [[ -n "${ZINC_HEALTH_URL:-}" ]]; then
    curl -fsS --max-time 10 --retry 5 --retry-delay 3 "$ZINC_HEALTH_URL/health/ready" >/dev/null \
        || rollback "$ZINC_HEALTH_URL/health/ready is not healthy"
fi
say "deployed $image to $environment"
