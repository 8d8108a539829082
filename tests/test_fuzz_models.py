"""Fuzzed decoding: for every model, any JSON value decodes or raises GizwitsResponseError;
a raw_data page keeps exactly the entries that decoding each one and filtering would keep."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gizwits_async.models
from gizwits_async import GizwitsResponseError, RawDataEntry
from gizwits_async.models import decode, decode_list
from gizwits_async.models._converter import FieldError
from gizwits_async.models.raw_data import RawDataRows


def _all_models() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for info in pkgutil.iter_modules(gizwits_async.models.__path__):
        module = importlib.import_module(f"gizwits_async.models.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and attrs.has(value)
                and value.__module__ == module.__name__
                and "extra" in attrs.fields_dict(value)
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


MODELS = _all_models()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _shaped_like(model: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects using the model's own keys (so decoding gets past the first field)."""
    keys = [field.alias or field.name for field in attrs.fields(model) if field.name != "extra"]
    return (
        st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys))
        if keys
        else (st.just({}))
    )


def test_models_were_found() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"Device", "DeviceStatus", "UserToken", "ProductDatapoints"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_json_decodes_or_raises_response_error(model: type[Any], data: st.DataObject) -> None:
    value = data.draw(json_values | _shaped_like(model))
    try:
        result = decode(value, model)
    except GizwitsResponseError:
        return
    assert isinstance(result, model)


@settings(max_examples=60, deadline=None)
@given(value=json_values)
def test_decode_list_accepts_only_arrays_of_objects(value: Any) -> None:
    try:
        result = decode_list(value, MODELS[0])
    except GizwitsResponseError:
        return
    assert isinstance(result, list)


# -- raw_data pages: the columnar path against entry-by-entry decoding -------------------------

_stamps = st.integers(0, 4_000_000_000) | st.floats(0, 4e9, allow_nan=False)
_usual_entries = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["app2dev", "dev2app", "dev_online", "dev_offline", "UNKNOWN"]),
        "timestamp": _stamps,
    },
    optional={
        "payload_bin": st.none() | st.text("0123456789abcdef", max_size=8),
        "ip": st.none() | st.text(max_size=8),
    },
)
_odd_entries = st.dictionaries(
    st.sampled_from(["type", "timestamp", "payload_bin", "ip", "source", "uid", "payload", "qos"]),
    json_values | _stamps,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    objects=st.lists(_usual_entries, max_size=12)
    | st.lists(_usual_entries | _odd_entries | json_values, max_size=12),
    bounds=st.tuples(st.floats(0, 4e9), st.floats(0, 4e9)),
)
def test_a_raw_data_page_keeps_what_decoding_each_entry_keeps(
    objects: list[Any], bounds: tuple[float, float]
) -> None:
    lower, upper = sorted(bounds)
    try:
        expected = [
            entry
            for entry in (RawDataEntry.from_wire(data) for data in objects)
            if lower <= entry.epoch < upper
        ]
    except Exception:
        # Whatever an entry fails on, the page fails on too, naming it.
        with pytest.raises(FieldError):
            RawDataRows.within(objects, lower, upper)
        return
    rows = RawDataRows.within(objects, lower, upper)
    assert list(rows) == expected
    assert [rows[index] for index in range(len(rows))] == expected
    assert list(rows[1:]) == expected[1:]
