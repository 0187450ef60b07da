# pimflow: every command a user needs. Each target bootstraps .venv on its own first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TARGET ?=
PARAMS ?= {}
CATALOG ?= demo

.PHONY: install install-dev demo sync sandbox up down test lint format bench clean

# Runtime install: requirements.txt, pimflow itself and the sandbox distribution (both
# editable; the demo, tests and benchmarks run against the sandbox), redone when they change.
$(VENV)/.runtime: requirements.txt pyproject.toml sandbox/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet --no-deps -e sandbox
	touch $@

# Test and lint tools on top.
$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## make demo: sandbox Akeneo + Shopware on 127.0.0.1, one sync with `dag.test` (docs/airflow.md)
demo: install
	$(BIN)/python -m pimflow.run demo --catalog $(CATALOG)

## make sync TARGET=<name> PARAMS='{"channel": "ecommerce"}': one run against the
## connections the environment sets (AIRFLOW_CONN_AKENEO_DEFAULT, ...); exit 0 success,
## 1 the run failed, 2 PARAMS or TARGET refused before anything started (one line says why).
## The log: $AIRFLOW_HOME (default .airflow/)/logs/pimflow-sync/<target>-<UTC time>.log
sync: install
	$(BIN)/python -m pimflow.run sync --target '$(TARGET)' --params '$(PARAMS)'

## make sandbox CATALOG=1000: every sandbox API on its default port, until Ctrl-C
sandbox: install
	$(BIN)/pimflow-sandbox all --catalog $(CATALOG)

## make up: a local Airflow (UI, REST API, scheduler, DAG processor, triggerer) and the
## sandbox APIs, all on 127.0.0.1, in the background; prints the URL and the login
up: install
	$(BIN)/python -m pimflow.local up

## make down: stop everything `make up` started
down:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m pimflow.local down; \
	else echo "nothing to stop: $(VENV) does not exist"; fi

## make test: lint, then the whole test suite, on TEST_WORKERS processes (each file's tests
## in one of them, so its fixtures start once; most tests wait on Airflow subprocesses)
TEST_WORKERS ?= 2
test: install-dev
	sh tests/airflow/install-browser.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## make bench: the benchmark programs, figures printed and written under .bench/: the
## extraction (against a plain akeneo-api-client reader: a dev requirement, hence
## install-dev), each target's upload (CS-Cart's takes one size: the first), and the
## end-to-end sync through `python -m pimflow.run sync`, full, then unchanged (full
## again, then delta), at 20 ms per call. The e2e runs at 10,000 products only by default: 100,000 is two runs of
## ~10x the 10,000 one's calls (its floor alone ~17 min a run at 20 ms), an hour or more
## with the catalog's generation; E2E_PRODUCTS="10000 100000" runs both, one after the other.
BENCH_PRODUCTS ?= 10000 100000
E2E_PRODUCTS ?= 10000
bench: install-dev
	$(BIN)/python -m pimflow.bench extract --products $(BENCH_PRODUCTS)
	$(BIN)/python -m pimflow.bench shopware6 --products $(BENCH_PRODUCTS)
	$(BIN)/python -m pimflow.bench cscart --products $(firstword $(BENCH_PRODUCTS))
	$(BIN)/python -m pimflow.bench e2e --products $(E2E_PRODUCTS) --latency-ms 20

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .airflow .pytest_cache .ruff_cache
