# syntax=docker/dockerfile:1
# Zinc: multi-stage build. Dependencies are compiled in their own layer (cargo-chef), so a
# source change rebuilds only Zinc's crates. The runtime image is Debian slim, non-root, with
# the `zinc` binary as entrypoint (`zinc serve` by default; `zinc migrate up` as a one-off).
#
#   docker build --build-arg ZINC_VERSION=0.1.0 --build-arg ZINC_GIT_COMMIT="$(git rev-parse HEAD)" -t zinc .

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p zinc-app --bin zinc --recipe-path recipe.json
COPY . .
ARG ZINC_GIT_COMMIT=""
ENV ZINC_GIT_COMMIT=${ZINC_GIT_COMMIT}
# The same command .ci/run builds and tests: cargo build --release --locked -p zinc-app --bin zinc
RUN cargo build --release --locked -p zinc-app --bin zinc \
    && cp target/release/zinc /usr/local/bin/zinc

FROM debian:bookworm-slim AS runtime
ARG ZINC_VERSION=0.1.0
ARG ZINC_GIT_COMMIT=""
ARG ZINC_SOURCE=https://github.com/zinc-sales/zinc
LABEL org.opencontainers.image.title="zinc" \
      org.opencontainers.image.description="Point-of-sale exports into PostgreSQL, served over an HTTP API with revenue metrics" \
      org.opencontainers.image.version="${ZINC_VERSION}" \
      org.opencontainers.image.revision="${ZINC_GIT_COMMIT}" \
      org.opencontainers.image.source="${ZINC_SOURCE}" \
      org.opencontainers.image.licenses="MIT"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates=20230311* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 zinc \
    && useradd --system --uid 10001 --gid zinc --no-create-home --shell /usr/sbin/nologin zinc
COPY --from=builder /usr/local/bin/zinc /usr/local/bin/zinc
COPY data/sample-sales.csv /usr/share/zinc/sample-sales.csv
USER 10001:10001
ENV ZINC_BIND=0.0.0.0:8080 \
    ZINC_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["zinc", "probe", "--path", "/health/live"]
ENTRYPOINT ["zinc"]
CMD ["serve"]
