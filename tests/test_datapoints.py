"""Product datapoint definitions: every recorded one decodes; validate() refuses bad commands."""

from __future__ import annotations

import json

import cattrs
import pytest

from gizwits_async.models import decode
from gizwits_async.models.datapoints import DatapointType, ProductDatapoints
from gizwits_async.simulator.presets import DEMO_DATAPOINTS
from tests.conftest import DATAPOINT_FILES, FIXTURES, PRESET_DATAPOINTS

FILES = {path.name: path for path in DATAPOINT_FILES}


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_recorded_definition_decodes_strictly(name: str, strict: cattrs.Converter) -> None:
    data = json.loads(FILES[name].read_text(encoding="utf-8"))
    product = decode(data, ProductDatapoints, converter=strict)
    assert product.product_key == data["product_key"]
    assert len(product.datapoints) == sum(len(e["attrs"]) for e in data["entities"])
    assert all(p.type is not DatapointType.UNKNOWN for p in product.datapoints.values())
    assert (product.ui is None) == ("ui" not in data)


def test_there_are_eighteen_recorded_definitions_each_kept_once() -> None:
    assert len(FILES) == len(DATAPOINT_FILES) == 18
    assert not {p.name for p in PRESET_DATAPOINTS.glob("*.json")} & {
        p.name for p in (FIXTURES / "real" / "datapoint").glob("*.json")
    }


DEMO = decode(DEMO_DATAPOINTS, ProductDatapoints)


def test_validate_passes_good_values_and_pads_binary() -> None:
    checked = DEMO.validate({"switch": 1, "mode": "eco", "LED_R": 254, "pattern": "1234567"})
    assert checked == {"switch": True, "mode": "eco", "LED_R": 254, "pattern": "12345670"}
    assert DEMO.validate({"pattern": b"\x01\x02"}) == {"pattern": "01020000"}
    assert DEMO.validate({"mode": 2}) == {"mode": "boost"}


@pytest.mark.parametrize(
    ("attrs", "error", "named"),
    [
        ({"nope": 1}, ValueError, "nope"),
        ({"temperature": 20}, ValueError, "temperature"),
        ({"overheat": True}, ValueError, "overheat"),
        ({"LED_R": 255}, ValueError, "LED_R"),
        ({"LED_R": -1}, ValueError, "LED_R"),
        ({"LED_R": "12"}, TypeError, "LED_R"),
        ({"switch": "on"}, TypeError, "switch"),
        ({"mode": "turbo"}, ValueError, "mode"),
        ({"mode": 7}, ValueError, "mode"),
        ({"pattern": "0102030405"}, ValueError, "pattern"),
        ({"pattern": "zz"}, ValueError, "pattern"),
        ({"pattern": 5}, TypeError, "pattern"),
    ],
)
def test_validate_refuses_bad_values_naming_the_datapoint(
    attrs: dict[str, object], error: type, named: str
) -> None:
    with pytest.raises(error, match=named):
        DEMO.validate(attrs)


def test_scaled_numbers_use_ratio_and_addition() -> None:
    temperature = DEMO["temperature"]
    assert temperature.uint_spec is not None
    assert (temperature.uint_spec.low, temperature.uint_spec.high) == (-40, 60)
    assert temperature.check(-40) == -40
    with pytest.raises(ValueError, match="temperature"):
        temperature.check(61)


def test_enum_index_accepts_labels_and_indexes() -> None:
    assert DEMO["mode"].enum_index("boost") == 2
    assert DEMO["mode"].enum_index(1) == 1
    with pytest.raises(TypeError):
        DEMO["mode"].enum_index(value=True)
