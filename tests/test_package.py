"""The package's surface: every exported name resolves; nothing is imported in the loop."""

from __future__ import annotations

import functools
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gizwits_async
import gizwits_async.models
from gizwits_async.client import RESOURCE_NAMES


@pytest.mark.parametrize("module", [gizwits_async, gizwits_async.models])
def test_every_exported_name_resolves(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert getattr(module, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = gizwits_async.Nope  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = gizwits_async.models.Nope  # type: ignore[attr-defined]


def test_a_client_used_in_a_running_loop_imports_no_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.probes.imports_in_loop"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert result.stdout.split() == []


def test_every_resource_of_the_client_is_named_once() -> None:
    names = set(RESOURCE_NAMES)
    assert len(names) == len(RESOURCE_NAMES) == 12
    client_class = vars(gizwits_async.GizwitsClient)
    assert all(isinstance(client_class[name], functools.cached_property) for name in names)


def test_the_pytest_plugin_imports_nothing_of_the_package_until_a_fixture_is_used() -> None:
    probe = (
        "import sys, gizwits_async_pytest\n"
        "print(sorted(m for m in ('gizwits_async', 'aiohttp') if m in sys.modules))\n"
    )
    result = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_licence_file_is_the_mit_licence_pyproject_declares() -> None:
    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (root / "LICENSE").read_text().startswith("MIT License\n")


def test_the_matrix_tests_the_pythons_the_classifiers_name() -> None:
    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    declared = {
        c.rsplit(" ", 1)[1] for c in project["classifiers"] if c.count("::") == 2 and "." in c
    }
    matrix = (root / ".ci" / "matrix.py").read_text()
    assert 'VERSIONS = ("3.11", "3.12", "3.13")' in matrix
    assert declared == {"3.11", "3.12", "3.13"}
    assert project["requires-python"] == ">=3.11"


def test_python_backoff_floor_has_what_the_transport_uses() -> None:
    import backoff  # noqa: PLC0415

    waits = backoff.expo(base=2, factor=0.5, max_value=8)
    next(waits)  # the priming value, as in _transport
    assert [next(waits) for _ in range(5)] == [0.5, 1, 2, 4, 8]
    assert 0 <= backoff.full_jitter(4.0) <= 4.0
