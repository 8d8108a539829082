"""The package's surface: every exported name resolves; nothing is imported in the loop."""

from __future__ import annotations

import functools
import subprocess
import sys
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
