# Each target sets itself up on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_DEV := $(VENV)/.installed-dev
STAMP_CLI := $(VENV)/.installed-cli

.PHONY: demo test quick lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,cli,fast]'
	touch $@

$(STAMP_CLI): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[cli]'
	touch $@

demo: $(STAMP_CLI)
	$(BIN)/gizwits-async demo

# Only the source folders that exist (a folder with no tracked file is absent from a clone).
LINTED := $(wildcard gizwits_async tests benchmarks examples)

lint: $(STAMP_DEV)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

# coverage starts before pytest so that the package imported early by its own pytest plugin
# (entry point pytest11) is measured too; pytest-cov would start too late.
pytest: $(STAMP_DEV)
	$(BIN)/python -m coverage erase
	$(BIN)/python -m coverage run -m pytest -q
	$(BIN)/python -m coverage report

test: lint typecheck pytest

# The local loop: everything but the soak (CI runs it in `make test`).
quick: $(STAMP_DEV)
	$(BIN)/python -m pytest -q -m "not soak"

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage htmlcov
