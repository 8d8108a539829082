"""The package's surface: every exported name resolves; area code loads on first use."""

from __future__ import annotations

import subprocess
import sys

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
