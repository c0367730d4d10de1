# Deja: `make run` and `make test` each do the whole set-up on a fresh Debian/Ubuntu machine.
SWIFT ?= swift
PORT ?= 8080

.PHONY: run test setup model build build-release bench-overhead bench-routing clean

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
