# martflow developer entry points. Each target creates .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_RUNS ?= 5

.PHONY: demo test test-fast lint format bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "error: python3.11 not found; martflow needs Python 3.11" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/martflow demo martflow-demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# Every bench in bench/ against its peer, one table (minutes; not part of `make test`).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py --runs $(BENCH_RUNS)

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) martflow-demo .pytest_cache .ruff_cache
