# Zinc: multi-stage build. The runtime image is Debian slim, non-root, with the `zinc` binary
# as entrypoint (`zinc serve` by default; `zinc migrate up` as a one-off) and the real export
# for a demo import (/usr/share/zinc/zinc-sales.csv).
#
#   docker build --build-arg ZINC_VERSION=0.1.0 --build-arg ZINC_GIT_COMMIT="$(git rev-parse HEAD)" -t zinc .
#
# Base images are build arguments: BUILDER_IMAGE is any Debian bookworm image with a Rust
# toolchain (cargo on the PATH) and a C compiler; RUNTIME_IMAGE any Debian bookworm image.
# With BuildKit, Cargo's target directory is a cache mount, so a rebuild reuses the compiled
# third-party crates; the classic builder does not know `RUN --mount`. The workspace's own
# crates are always compiled again: Cargo judges them fresh by file times, and a cache shared
# with builds of other trees (another branch, a clone made earlier) could hold artifacts newer
# than this tree's files, from other sources. The cache is locked while a build uses it. Where crates.io
# is out of reach, a builder image whose Cargo configuration points at vendored sources
# (`cargo vendor`) builds offline with no change here (.ci/containers does that).

ARG BUILDER_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS builder
WORKDIR /src
COPY . .
ARG ZINC_GIT_COMMIT=""
ENV ZINC_GIT_COMMIT=${ZINC_GIT_COMMIT}
# The same command .ci/run builds and tests: cargo build --release --locked -p zinc-app --bin zinc
# The release profile's line tables are split off: the runtime image gets the binary without
# debug sections (symbols kept: function names in backtraces), linked by .gnu_debuglink to
# /usr/lib/debug/zinc.debug, which stays in this stage (compressed) for symbolizing:
#   docker build --target builder -t zinc-builder . && docker run --rm zinc-builder cat /usr/lib/debug/zinc.debug > zinc.debug
RUN --mount=type=cache,id=zinc-cargo-target,target=/src/target,sharing=locked \
    find Cargo.toml Cargo.lock crates migration data -type f -exec touch {} + \
    && cargo build --release --locked -p zinc-app --bin zinc \
    && mkdir -p /usr/lib/debug \
    && objcopy --only-keep-debug --compress-debug-sections=zlib target/release/zinc /usr/lib/debug/zinc.debug \
    && objcopy --strip-debug --add-gnu-debuglink=/usr/lib/debug/zinc.debug target/release/zinc /usr/local/bin/zinc \
    && ls -l /usr/local/bin/zinc /usr/lib/debug/zinc.debug

FROM ${RUNTIME_IMAGE} AS runtime
ARG ZINC_VERSION=0.1.0
ARG ZINC_GIT_COMMIT=""
ARG ZINC_SOURCE=https://github.com/zinc-sales/zinc
LABEL org.opencontainers.image.title="zinc" \
      org.opencontainers.image.description="Point-of-sale exports into PostgreSQL, served over an HTTP API with revenue metrics" \
      org.opencontainers.image.version="${ZINC_VERSION}" \
      org.opencontainers.image.revision="${ZINC_GIT_COMMIT}" \
      org.opencontainers.image.source="${ZINC_SOURCE}" \
      org.opencontainers.image.licenses="MIT"
# No packages added: TLS (Sentry over HTTPS, PostgreSQL with sslmode) uses rustls with the
# webpki-roots certificates compiled in, not the system's CA bundle.
RUN groupadd --system --gid 10001 zinc \
    && useradd --system --uid 10001 --gid zinc --no-create-home --shell /usr/sbin/nologin zinc
COPY --from=builder /usr/local/bin/zinc /usr/local/bin/zinc
# The real export (data/README.md), for a demo: docker run IMAGE import /usr/share/zinc/zinc-sales.csv
COPY data/zinc-sales.csv /usr/share/zinc/zinc-sales.csv
USER 10001:10001
ENV ZINC_BIND=0.0.0.0:8080 \
    ZINC_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["zinc", "probe", "--path", "/health/live"]
ENTRYPOINT ["zinc"]
CMD ["serve"]
