"""The package's surface: every exported name resolves; area code loads on first use."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gizwits_async
import gizwits_async.models


@pytest.mark.parametrize("module", [gizwits_async, gizwits_async.models])
def test_every_exported_name_resolves(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        assert getattr(module, name) is not None


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = gizwits_async.Nope  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = gizwits_async.models.Nope  # type: ignore[attr-defined]


def test_importing_the_package_loads_no_area_code_until_used() -> None:
    probe = (
        "import sys, gizwits_async\n"
        "before = sorted(m for m in sys.modules if m.startswith('gizwits_async.'))\n"
        "client = gizwits_async.GizwitsClient('app', base_url='http://127.0.0.1:9')\n"
        "client.rules\n"
        "rule = gizwits_async.Rule\n"
        "after = sorted(m for m in sys.modules if m.startswith('gizwits_async.'))\n"
        "print(before); print(after)\n"
    )
    result = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    before, after = (eval(line) for line in result.stdout.splitlines())  # noqa: S307
    areas = ("rules", "scenes", "schedules", "sharing", "groups", "raw_data", "messages")
    assert not any(name.rsplit(".", 1)[-1] in areas for name in before)
    assert "gizwits_async.models.rules" in after
    assert "gizwits_async.resources.rules" in after
    assert "gizwits_async.models.scenes" not in after


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
