# Each target sets itself up on a fresh machine: it creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_DEV := $(VENV)/.installed-dev
STAMP_CLI := $(VENV)/.installed-cli

.PHONY: demo test quick lint typecheck pytest bench clean peers-venv redis-server

# Third-party Gizwits clients from PyPI, in a venv of their own (their pins are not ours);
# tests/peers runs them in subprocesses against the simulator (issue #15).
PEERS_VENV := .venv-peers
PEERS := heatzypy==2.6.1 pyGizwits==0.0.3 heatzy==0.0.11 vaillant-plus-cn-api==0.3.5
STAMP_PEERS := $(PEERS_VENV)/.installed-peers

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,cli,fast]'
	touch $@

$(STAMP_CLI): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[cli]'
	touch $@

$(STAMP_PEERS): Makefile
	rm -rf $(PEERS_VENV)
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet $(PEERS)
	touch $@

peers-venv: $(STAMP_PEERS)

demo: $(STAMP_CLI)
	$(BIN)/gizwits-async demo

# Only the source folders that exist (a folder with no tracked file is absent from a clone).
LINTED := $(wildcard gizwits_async gizwits_async_pytest.py tests benchmarks examples)

lint: $(STAMP_DEV)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

# The Redis tests start a real redis-server of their own. Install it where it is missing:
# as root on Debian/Ubuntu with apt-get (refreshing the package lists if the first try fails);
# otherwise say so, and the tests skip (or fail when CI is set).
redis-server:
	@if command -v redis-server >/dev/null 2>&1; then \
		echo "redis-server: found $$(command -v redis-server)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "redis-server: missing; installing it with apt-get install -y redis-server"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 || { \
			echo "redis-server: install failed; running apt-get update and trying again"; \
			apt-get update -q >/dev/null && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null; }; \
		command -v redis-server; \
	else \
		echo "redis-server: missing and not root; install it (apt-get install redis-server) to run the Redis tests"; \
	fi

# coverage starts before pytest so that the package imported early by its own pytest plugin
# (entry point pytest11) is measured too; pytest-cov would start too late.
# The soak (20,000 calls under faults, tests/test_soak.py) runs after, outside coverage: it
# covers no line the rest does not, and the tracer made it 1.5 x slower (47 s -> 69 s).
pytest: $(STAMP_DEV) $(STAMP_PEERS) redis-server
	$(BIN)/python -m coverage erase
	$(BIN)/python -m coverage run -m pytest -q -m "not soak"
	$(BIN)/python -m coverage report
	$(BIN)/python -m pytest -q -m soak

test: lint typecheck pytest

# The local loop: everything but the soak (CI runs it in `make test`).
quick: $(STAMP_DEV)
	$(BIN)/python -m pytest -q -m "not soak"

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) $(PEERS_VENV) .mypy_cache .ruff_cache .coverage htmlcov

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
