"""Every recorded payload in tests/fixtures/real/ decodes, with the strict converter (drift fails
loudly) and the lenient one the client uses (issue #15).

One table says, per folder, which model a file decodes to and whether the strict converter
applies; a folder missing from it fails the test, so a new recording cannot go unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import cattrs
import pytest

from gizwits_async import Device, DeviceStatus, GizwitsResponseError, UserToken
from gizwits_async.errors import GizwitsAPIError, make_api_error
from gizwits_async.models import RawDataEntry, make_converter
from gizwits_async.models._envelopes import Key, ListOf, MapOf, RawDataObjects, decode_into
from tests.conftest import FIXTURES, load_fixture

LENIENT = make_converter(strict=False)
REAL = FIXTURES / "real"


@attrs.frozen
class Kind:
    """How the files of one folder decode: ``shape`` is what the client's request path
    decodes that answer as (a model or an envelope of ``models._envelopes``); ``prepare``
    turns a file into that answer."""

    shape: Any
    prepare: Callable[[Any], Any] = lambda data: data
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


def _latest_shape(data: dict[str, Any]) -> Any:
    # One answer, or answers keyed by product (heatzypy's fixture).
    return DeviceStatus if "attr" in data else MapOf(DeviceStatus)


KINDS: dict[str, Kind] = {
    "bindings": Kind(Key("devices", ListOf(Device))),
    "device_detail": Kind(Device),
    "partial": Kind(Device, lambda data: {**data, **UNQUOTED}),
    "devdata_latest": Kind(None),  # the shape depends on the file: _latest_shape
    "login": Kind(UserToken),
    "composite_diagnostics": Kind(
        MapOf(Device),
        strict_refuses="entries merge bindings with devdata (attr/attrs), not one answer",
    ),
    "raw_data": Kind(RawDataObjects(RawDataEntry)),
}
# Folders holding no model's payload: error bodies become exceptions (checked below) and the
# websocket frame is the push client's (tests/test_push.py decodes frames of that shape).
NOT_MODELS = {"errors", "websocket"}

FILES = sorted(p.relative_to(REAL).as_posix() for p in REAL.rglob("*.json"))
MODEL_FILES = [f for f in FILES if f.split("/", maxsplit=1)[0] in KINDS]


def _answer(relative: str) -> tuple[Kind, Any, Any]:
    kind = KINDS[relative.split("/", maxsplit=1)[0]]
    data = kind.prepare(load_fixture(f"real/{relative}"))
    shape = _latest_shape(data) if kind.shape is None else kind.shape
    return kind, shape, data


def test_every_folder_is_covered() -> None:
    folders = {Path(f).parts[0] for f in FILES}
    assert folders == set(KINDS) | NOT_MODELS
    assert len(FILES) >= 14


@pytest.mark.parametrize("relative", MODEL_FILES)
def test_every_payload_decodes_leniently(relative: str) -> None:
    _, shape, data = _answer(relative)
    assert decode_into(data, shape, converter=LENIENT)


@pytest.mark.parametrize("relative", MODEL_FILES)
def test_every_payload_decodes_strictly_or_says_why_not(
    relative: str, strict: cattrs.Converter
) -> None:
    kind, shape, data = _answer(relative)
    if kind.strict_refuses is None:
        assert decode_into(data, shape, converter=strict) == decode_into(
            data, shape, converter=LENIENT
        )
        return
    with pytest.raises(GizwitsResponseError):
        decode_into(data, shape, converter=strict)


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
