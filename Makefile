# Mercado developer entry points. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
BUF := node_modules/.bin/buf
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements/dev.txt package.json package-lock.json
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	@# The repository root and gen/ go on the venv's import path, so every entrypoint and test
	@# imports chassis, the services and the generated contract without PYTHONPATH juggling.
	@printf '%s\n%s\n' "$(CURDIR)" "$(CURDIR)/gen" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/mercado.pth"
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; else echo "npm not found: buf checks will be unavailable"; fi
	@touch $@

.PHONY: install
install: $(STAMP) ## create .venv and install the locked dependencies (and buf from package-lock.json)

.PHONY: lock
lock: ## re-lock requirements/*.txt from requirements/*.in (needs uv)
	cd requirements && uv pip compile -q --generate-hashes --python-version 3.11 --no-emit-index-url base.in -o base.txt
	cd requirements && uv pip compile -q --generate-hashes --python-version 3.11 --no-emit-index-url dev.in -o dev.txt
	cd requirements && uv pip compile -q --generate-hashes --python-version 3.11 --no-emit-index-url service.in -o service.txt
	cd requirements && uv pip compile -q --generate-hashes --python-version 3.11 --no-emit-index-url edge.in -o edge.txt

.PHONY: gen
gen: $(STAMP) ## regenerate gen/ from protos/
	$(PY) scripts/gen_protos.py

.PHONY: check-gen
check-gen: $(STAMP) ## fail if gen/ differs from what protos/ generates
	$(PY) scripts/gen_protos.py --check

.PHONY: contracts
contracts: $(STAMP) ## buf format, lint and breaking (against contracts/baseline.binpb), generated code in sync
	$(BUF) format --diff --exit-code
	$(BUF) lint
	$(BUF) breaking --against contracts/baseline.binpb
	$(PY) scripts/gen_protos.py --check

.PHONY: release-contract
release-contract: $(STAMP) ## record the current contract as the released baseline (deliberate, reviewed change)
	$(BUF) build -o contracts/baseline.binpb

.PHONY: lint
lint: $(STAMP) ## ruff lint and format check, import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

.PHONY: format
format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: typecheck
typecheck: $(STAMP) ## mypy, strict on the project's packages
	$(BIN)/mypy

.PHONY: pytest
pytest: $(STAMP) ## only the pytest suite
	$(BIN)/pytest $(PYTEST_ARGS)

.PHONY: test
test: contracts lint typecheck pytest ## the whole suite: contracts, lint, types, tests

.PHONY: run
run: $(STAMP) ## start NATS, the services and the edge on SQLite under .data/ (RUN_ARGS="--database postgres --replicas 2")
	$(PY) -m scripts.devstack $(RUN_ARGS)

.PHONY: bench-read
bench-read: $(STAMP) ## benchmark GET /v1/items/{sku} through the edge against a bare FastAPI→gRPC hop
	$(PY) -m scripts.bench_read

.PHONY: bench-orders
bench-orders: $(STAMP) ## orders through the edge under load, timed to settlement (BENCH_ARGS="--matrix": SQLite and PostgreSQL, 1 and 2 replicas)
	$(PY) -m scripts.bench_orders $(BENCH_ARGS)

.PHONY: clean
clean: ## remove .data/ (local databases and the NATS store)
	rm -rf .data
