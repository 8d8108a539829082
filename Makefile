# Each target sets itself up on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_DEV := $(VENV)/.installed-dev
STAMP_CLI := $(VENV)/.installed-cli

.PHONY: demo test lint typecheck pytest bench clean

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
LINTED := $(wildcard gizwits_async gizwits_async_pytest.py tests benchmarks examples)

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

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage htmlcov

# -- release checks (issue #16): separate targets so CI runs them after `make test` ----------

.PHONY: compat matrix dist

# Resolves the package under Home Assistant's package constraints (2026.11.0, and the newest
# release on the index when that is newer); nothing is installed.
compat: $(STAMP_DEV)
	$(BIN)/python .ci/compat.py

# The quick test set on every Python among 3.11, 3.12 and 3.13 found (PATH or pyenv), one
# venv each; with CI set, a missing interpreter fails the target.
matrix: | $(BIN)/python
	$(BIN)/python .ci/matrix.py

DIST_VENV := .venv-dist
$(DIST_VENV)/.installed: | $(BIN)/python
	$(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install --quiet build twine
	touch $@

# sdist and wheel built, `twine check --strict` clean, no caches in the sdist.
dist: $(DIST_VENV)/.installed
	$(DIST_VENV)/bin/python .ci/check_dist.py
