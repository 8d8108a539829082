"""Fuzzed decoding: for every model, any JSON value decodes or raises GizwitsResponseError."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gizwits_async.models
from gizwits_async import GizwitsResponseError
from gizwits_async.models import decode, decode_list


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
