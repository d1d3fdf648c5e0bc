# Flowdesk: `make run` serves the app on SQLite; `make test` runs lint, types and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/flowdesk run

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy src/flowdesk

# One pytest worker per core (pytest-xdist); each test file stays on one worker, so its
# fixtures are made once. PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= auto

pytest: $(DEV_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest

bench: $(DEV_STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache artifacts
