# Deja: `make run` and `make test` each do the whole set-up on a fresh Debian/Ubuntu machine.
SWIFT ?= swift
PORT ?= 8080

.PHONY: run test setup model build build-release bench-overhead bench-routing clean deploy-check clients-check openapi-check format-lint otlp-check

## Install what is missing, build (release) and start the gateway on its defaults.
run: setup model build-release
	.build/release/deja serve

## Install what is missing, then build and run the whole test suite.
test: setup model
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

## System packages (BLAS, hiredis, redis-server, wrk).
setup:
	@scripts/setup.sh

## The all-MiniLM-L6-v2 weights, into .models/ (git-ignored).
model:
	@scripts/install-model.sh

build:
	$(SWIFT) build

build-release:
	$(SWIFT) build -c release --product deja
	$(SWIFT) build -c release --product deja-sim

## Gateway overhead vs. direct to deja-sim (see BENCHMARKS.md).
bench-overhead: setup build-release
	Benchmarks/overhead/run.sh

clean:
	rm -rf .build

## The router: cross-validated routing quality and decision time, then savings through deja-sim.
bench-routing: setup model build-release
	.build/release/deja bench router --labels Tests/Fixtures/routing/routellm-labels-train.jsonl --cross-validate 5
	DEJA_BIN=.build/release Benchmarks/routing/savings.sh 1000

## The container deployment: hadolint on the Dockerfile, then `docker compose config` on
## docker-compose.yml and a JSON parse of the Grafana dashboards (both tools pinned in .venv-ops/;
## no Docker daemon needed).
deploy-check:
	scripts/lint-dockerfile.sh
	scripts/check-compose.sh

## Client compatibility: the real SDKs (OpenAI, Anthropic, google-genai, LangChain, LiteLLM; pinned in
## clients/requirements.txt, installed into .venv-ops/) against demo-mode gateways on free loopback
## ports (scripts/client-check.sh), against the debug binary (or DEJA_BIN):
##   PYTEST_ARGS='-k stream -x' make clients-check
DEJA_BIN ?= .build/debug/deja
clients-check: model build
	DEJA_BIN=$(DEJA_BIN) scripts/client-check.sh $(PYTEST_ARGS)

## The OpenAPI description: openapi-spec-validator on openapi.yaml, then schemathesis (both pinned in
## .venv-ops/) against a demo-mode gateway on a free loopback port: no 5xx, and every status,
## header, content type and body as documented (scripts/openapi-check.sh, about a minute), against
## the debug binary (or DEJA_BIN).
openapi-check: model build
	DEJA_BIN=$(DEJA_BIN) scripts/openapi-check.sh

## The opt-in OTLP build (`--traits OTLP`, into .build-otlp/; about 14 minutes from clean, so not
## in CI): spans reach a stand-in OTLP/HTTP receiver and SIGTERM exits 0 (scripts/otlp-check.sh).
otlp-check: model
	scripts/otlp-check.sh

## swift-format's lint over the sources and tests with the repository's .swift-format: fails on a
## file it cannot parse; style findings are counted by rule (the existing layout is not yet
## reformatted to the configuration, so they are reported, not fatal).
format-lint:
	@bash -o pipefail -c '$(SWIFT) format lint --recursive --parallel Sources Tests 2>&1 | { grep -o "warning: \[[A-Za-z]*\]" || true; } | sort | uniq -c | sort -rn'
