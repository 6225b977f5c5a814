# Two commands: `make demo` and `make test`. Each bootstraps what it needs and skips what is done.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test test-fast layers lint setup doctor bench clean slither invariants postgres

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(VENV)/bin/darkbook demo

test: setup postgres
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory layers
	$(MAKE) --no-print-directory slither
	$(MAKE) --no-print-directory invariants
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder

# The inner loop: no test that compiles or proves a circuit bigger than the smoke circuit.
test-fast: setup postgres
	$(PY) -m ruff check .
	$(MAKE) --no-print-directory layers
	$(PY) -m pytest -m "not slow"

# PostgreSQL's server binaries for the storage tests, which start a server of their own
# (testkit/postgres.py finds pg_ctl on PATH or in /usr/lib/postgresql/*/bin): Debian's where missing.
postgres:
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null)

# Layer rules of pyproject.toml ([tool.importlinter]): which package may import which.
layers: setup
	$(VENV)/bin/lint-imports --no-cache

# Static analysis of contracts/ (own venv: slither needs web3<8); fails on a high-severity finding.
slither: $(NODE_STAMP)
	@mkdir -p build
	@scripts/slither.sh > build/slither.log 2>&1 || (cat build/slither.log; exit 1)
	@echo "slither: no high-severity finding ($$(grep -o '[0-9]* result(s) found' build/slither.log) in all, see build/slither.log)"

# Stateful fuzzing of Settlement's money invariants (Foundry, offline with the npm solc).
invariants: $(NODE_STAMP)
	@mkdir -p build
	@scripts/invariants.sh > build/invariants.log 2>&1 || (cat build/invariants.log; exit 1)
	@echo "invariants: $$(grep -o 'invariant_[A-Za-z]*() (runs: [^)]*)' build/invariants.log | paste -sd ' ') hold (see build/invariants.log)"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check prover relayer recovery tests testkit benchmarks

doctor: setup
	$(VENV)/bin/darkbook doctor

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules build
