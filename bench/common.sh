# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the bench scripts
# Shared by the bench scripts (sourced, not run): the release binary and cached generated files.
# Expects `root` (the repository) to be set.

generator=${ZINC_GEN_SALES:-$root/../shared/tools/gen_sales.py}
admin=${ZINC_BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/zinc-bench
[[ -f "$generator" ]] || { echo "generator not found: $generator" >&2; exit 2; }
mkdir -p "$cache"

# Builds the release binary and sets `zinc` to its path.
build_release_zinc() {
    echo "building the release binary..." >&2
    cargo build --release --quiet -p zinc-app --bin zinc --manifest-path "$root/Cargo.toml"
    local target_dir
    target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    zinc="$target_dir/release/zinc"
}

# Prints the path of a generated file of ROWS rows, generating it on first use.
generated_file() {
    local file="$cache/sales-$1.csv"
    if [[ ! -s "$file" ]]; then
        echo "generating $1 rows..." >&2
        python3 "$generator" "$1" > "$file.tmp" && mv "$file.tmp" "$file"
    fi
    echo "$file"
}
