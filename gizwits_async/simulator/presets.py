"""Ready-made products for demos and tests, in the ``GET /app/datapoint`` format."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from gizwits_async.simulator.state import Product, SimState

DEMO_PRODUCT_KEY: Final = "d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0"
DEMO_PRODUCT_SECRET: Final = "5ec7e75ec7e75ec7e75ec7e75ec7e75e"  # noqa: S105 - public demo value


def _attr(
    attr_id: int,
    name: str,
    data_type: str,
    kind: str,
    *,
    display_name: str,
    byte_offset: int,
    length: int,
    unit: str = "byte",
    bit_offset: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": attr_id,
        "name": name,
        "display_name": display_name,
        "data_type": data_type,
        "type": kind,
        "position": {
            "byte_offset": byte_offset,
            "unit": unit,
            "len": length,
            "bit_offset": bit_offset,
        },
        "desc": "",
        **extra,
    }


DEMO_DATAPOINTS: Final[dict[str, Any]] = {
    "name": "Demo Lamp",
    "packetVersion": "0x00000004",
    "protocolType": "var_len",
    "product_key": DEMO_PRODUCT_KEY,
    "entities": [
        {
            "display_name": "Demo Lamp",
            "id": 0,
            "name": "entity0",
            "attrs": [
                _attr(
                    0,
                    "switch",
                    "bool",
                    "status_writable",
                    display_name="开关",
                    byte_offset=0,
                    length=1,
                    unit="bit",
                ),
                _attr(
                    1,
                    "mode",
                    "enum",
                    "status_writable",
                    display_name="模式",
                    byte_offset=0,
                    length=2,
                    unit="bit",
                    bit_offset=1,
                    enum=["auto", "eco", "boost"],
                ),
                _attr(
                    2,
                    "LED_R",
                    "uint8",
                    "status_writable",
                    display_name="红色",
                    byte_offset=1,
                    length=1,
                    uint_spec={"min": 0, "max": 254, "ratio": 1, "addition": 0},
                ),
                _attr(
                    3,
                    "temperature",
                    "uint16",
                    "status_readonly",
                    display_name="温度",
                    byte_offset=2,
                    length=2,
                    uint_spec={"min": 0, "max": 1000, "ratio": 0.1, "addition": -40},
                ),
                _attr(
                    4,
                    "overheat",
                    "bool",
                    "alert",
                    display_name="过热",
                    byte_offset=4,
                    length=1,
                    unit="bit",
                ),
                _attr(
                    5,
                    "sensor_fault",
                    "bool",
                    "fault",
                    display_name="传感器故障",
                    byte_offset=4,
                    length=1,
                    unit="bit",
                    bit_offset=1,
                ),
                _attr(
                    6,
                    "pattern",
                    "binary",
                    "status_writable",
                    display_name="图案",
                    byte_offset=5,
                    length=4,
                ),
            ],
        }
    ],
}

DEMO_INITIAL_ATTRS: Final[dict[str, Any]] = {
    "switch": False,
    "mode": "auto",
    "LED_R": 0,
    "temperature": 21.5,
    "overheat": False,
    "sensor_fault": False,
    "pattern": "00000000",
}


def real_datapoints() -> dict[str, dict[str, Any]]:
    """The product definitions recorded from the real cloud (``preset_datapoints/``, shipped
    with the package), by product key. Each call returns fresh copies."""
    folder = resources.files("gizwits_async.simulator").joinpath("preset_datapoints")
    definitions: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".json"):
            definition = json.loads(entry.read_text(encoding="utf-8"))
            definitions[definition["product_key"]] = definition
    return definitions


def add_real_products(state: SimState) -> list[Product]:
    """Add every recorded product (with its datapoints and a fresh product secret)."""
    return [
        state.add_product(product_key, datapoints=definition)
        for product_key, definition in real_datapoints().items()
    ]
