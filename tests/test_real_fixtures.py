"""Every recorded payload in tests/fixtures/real/ decodes, with the strict converter (drift fails
loudly) and the lenient one the client uses (issue #15).

One table says, per folder, which model a file decodes to and whether the strict converter
applies; a folder missing from it fails the test, so a new recording cannot go unchecked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest

from gizwits_async import Device, DeviceStatus, GizwitsResponseError, UserToken
from gizwits_async.errors import GizwitsAPIError, make_api_error
from gizwits_async.models import ProductDatapoints, RawDataEntry, decode, make_converter
from tests.conftest import FIXTURES, load_fixture

STRICT = make_converter(strict=True)
LENIENT = make_converter(strict=False)
REAL = FIXTURES / "real"


@attrs.frozen
class Kind:
    """How the files of one folder decode: ``items`` picks the bodies out of a file."""

    model: type[Any]
    items: Callable[[Any], Iterable[Any]]
    # Why the strict converter refuses these files, when it does.
    strict_refuses: str | None = None


# What partial/ leaves out (its source decodes these itself), filled with values of the
# recorded types so that the rest is decoded as the one entry it is.
UNQUOTED: dict[str, Any] = {
    "did": "unquoted",
    "dev_alias": "",
    "is_online": True,
    "product_name": "",
}


def _one(data: Any) -> list[Any]:
    return [data]


def _latest(data: dict[str, Any]) -> Iterable[Any]:
    # One answer, or answers keyed by product (heatzypy's fixture).
    return [data] if "attr" in data else data.values()


KINDS: dict[str, Kind] = {
    "bindings": Kind(Device, lambda data: data["devices"]),
    "device_detail": Kind(Device, _one),
    "partial": Kind(Device, lambda data: [{**data, **UNQUOTED}]),
    "devdata_latest": Kind(DeviceStatus, _latest),
    "datapoint": Kind(ProductDatapoints, _one),
    "login": Kind(UserToken, _one),
    "composite_diagnostics": Kind(
        Device,
        lambda data: data.values(),
        strict_refuses="entries merge bindings with devdata (attr/attrs), not one answer",
    ),
    "raw_data": Kind(
        RawDataEntry,
        lambda data: data["objects"]["hits"]["objects"],
        # RawDataEntry gains payload in the client half of issue #15; then strict applies.
        strict_refuses="the entries' payload is not a RawDataEntry field yet",
    ),
}
# Folders holding no model's payload: error bodies become exceptions (checked below) and the
# websocket frame waits for the push client's model (the push issue).
NOT_MODELS = {"errors", "websocket"}

FILES = sorted(p.relative_to(REAL).as_posix() for p in REAL.rglob("*.json"))
MODEL_FILES = [f for f in FILES if f.split("/", maxsplit=1)[0] in KINDS]


def _bodies(relative: str) -> tuple[Kind, list[Any]]:
    kind = KINDS[relative.split("/", maxsplit=1)[0]]
    return kind, list(kind.items(load_fixture(f"real/{relative}")))


def test_every_folder_is_covered() -> None:
    folders = {Path(f).parts[0] for f in FILES}
    assert folders == set(KINDS) | NOT_MODELS
    assert len(FILES) >= 33


@pytest.mark.parametrize("relative", MODEL_FILES)
def test_every_payload_decodes_leniently(relative: str) -> None:
    kind, bodies = _bodies(relative)
    assert bodies
    for body in bodies:
        assert isinstance(decode(body, kind.model, converter=LENIENT), kind.model)


@pytest.mark.parametrize("relative", MODEL_FILES)
def test_every_payload_decodes_strictly_or_says_why_not(relative: str) -> None:
    kind, bodies = _bodies(relative)
    if kind.strict_refuses is None:
        for body in bodies:
            assert isinstance(decode(body, kind.model, converter=STRICT), kind.model)
        return
    with pytest.raises(GizwitsResponseError):
        decode(bodies[0], kind.model, converter=STRICT)


@pytest.mark.parametrize("relative", [f for f in FILES if f.startswith("errors/")])
def test_every_error_body_maps_to_its_code(relative: str) -> None:
    body = load_fixture(f"real/{relative}")
    error = make_api_error(400, body["error_code"], body["error_message"], body["detail_message"])
    assert isinstance(error, GizwitsAPIError)
    assert error.error_code == body["error_code"]
    assert body["error_message"] in str(error)


def test_the_partial_entry_lacks_only_what_its_source_left_out() -> None:
    entry = load_fixture("real/partial/bindings_entry_tub_bestway_us.json")
    complete = load_fixture("real/bindings/bestway_hottub_airjet_eu.json")["devices"][0]
    assert set(complete) - set(entry) == set(UNQUOTED)
    assert set(entry) <= set(complete)
