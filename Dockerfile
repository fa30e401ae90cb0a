# syntax=docker/dockerfile:1
#
# Hotline server image: `docker build -t hotline .` (docker-compose.yml builds and runs it with PostgreSQL).
#
#   build    swift:6.2-noble, `swift build -c release --static-swift-stdlib` (Swift runtime and Foundation linked in)
#   runtime  ubuntu:noble with ca-certificates, tzdata and curl (HEALTHCHECK), running as uid 10001
#
# The image serves HTTPS only. It expects the certificate and key at /certs/server.pem and /certs/server-key.pem
# (HOTLINE_TLS_CERT / HOTLINE_TLS_KEY to change) and the database settings in HOTLINE_DB_* (see docker-compose.yml).
# `hotline serve` applies pending migrations from /app/sql as the owner role before it listens, and loads the district
# boundaries from /app/data/districts.
# Other commands: `docker run … hotline migrate`, `… demo-data`, `… import-units /path/in/container.csv`.

# ---------------------------------------------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------------------------------------------
FROM swift:6.2-noble AS build
WORKDIR /build

# Dependencies first, in their own layer, so that editing sources does not fetch them again. Package.resolved is not
# in git; when the build context has one (a local checkout that has been built), its pins are used where they still
# satisfy Package.swift, otherwise SwiftPM resolves from github.com.
COPY Package.* ./
RUN swift package resolve

COPY . .

# One RUN so that the `--show-bin-path` lookup uses the same build configuration as the build. The final chmod makes
# everything readable by the runtime user whatever modes the files had in the build context.
# The static Swift backtracer is copied too: statically linked binaries cannot use the toolchain's dynamic one, and
# without it a crash prints no stack trace (SWIFT_BACKTRACE below points at it).
RUN swift build -c release --product hotline --static-swift-stdlib \
    && bin="$(swift build -c release --show-bin-path)" \
    && mkdir -p /staging/bin /staging/libexec /staging/app \
    && cp "$bin/hotline" /staging/bin/hotline \
    && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/libexec/swift-backtrace-static \
    && find -L "$bin/" -maxdepth 1 -regex '.*\.resources$' -exec cp -Ra {} /staging/bin/ \; \
    && cp -R sql data /staging/app/ \
    && mkdir -p /staging/app/docs && cp docs/openapi.yaml /staging/app/docs/ \
    && chmod -R u=rwX,go=rX /staging

# ---------------------------------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------------------------------
FROM ubuntu:noble

# The binary needs only glibc, libstdc++ and zlib from the base image (the Swift runtime, Foundation with its ICU
# data, and BoringSSL via swift-nio-ssl are linked in). No FoundationNetworking or FoundationXML is used, so neither
# libcurl nor libxml2 is needed by the binary itself.
#   ca-certificates  trust roots for HOTLINE_DB_TLS=true (NIOSSL client configuration uses the system store)
#   tzdata           zone data for Asia/Shanghai and friends (TZ)
#   curl             HEALTHCHECK only: a real HTTPS GET of /health (a bare TCP probe would pass a broken TLS setup)
# Versions are not pinned on purpose: the layer should take noble-updates' security fixes whenever it is rebuilt.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 hotline \
    && useradd --system --uid 10001 --gid hotline --home-dir /app --no-create-home --shell /usr/sbin/nologin hotline

# Everything is owned by root and read-only for the service user: the server writes no files, so the container may run
# with a read-only root filesystem (docker-compose.yml does).
COPY --from=build /staging/bin/ /usr/local/bin/
COPY --from=build /staging/libexec/swift-backtrace-static /usr/local/libexec/swift-backtrace-static
COPY --from=build /staging/app/ /app/
WORKDIR /app

# HOTLINE_HOST is set here rather than passed as `--host` in CMD, because a command-line option would override an
# HOTLINE_HOST given at run time. HOTLINE_DB_PORT: the binary's own default (54329) is the local dev cluster's port.
ENV HOTLINE_HOST=0.0.0.0 \
    HOTLINE_PORT=8443 \
    HOTLINE_TLS_CERT=/certs/server.pem \
    HOTLINE_TLS_KEY=/certs/server-key.pem \
    HOTLINE_DB_PORT=5432 \
    HOTLINE_SQL_DIR=/app/sql \
    HOTLINE_DISTRICTS_DIR=/app/data/districts \
    HOTLINE_DEMO_UNITS=/app/data/demo-units.csv \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace-static

# Numeric, so that runtimes that check for a non-root user (Kubernetes runAsNonRoot) can tell without /etc/passwd.
USER 10001:10001
EXPOSE 8443

# Liveness over the loopback interface (so HOTLINE_HOST must be 0.0.0.0, :: or 127.0.0.1). -k because the server
# certificate is issued for the public name, not for 127.0.0.1; this probe checks that TLS and HTTP answer, not who.
# The start period covers the migrations that `serve` applies before it listens.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -k -o /dev/null --max-time 4 \"https://127.0.0.1:${HOTLINE_PORT:-8443}/health\" || exit 1"]

ENTRYPOINT ["hotline"]
CMD ["serve"]
