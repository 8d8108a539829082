"""Every recorded payload decodes; unknown fields stay reachable; strict mode shows drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import cattrs
import pytest

from gizwits_async import (
    Device,
    DeviceRole,
    DeviceStatus,
    GizwitsResponseError,
    RawDataEntry,
    UserToken,
)
from gizwits_async._attrs import Frozen
from gizwits_async.models import AppToken, ServiceStatus, User, decode, decode_list
from gizwits_async.models._converter import to_utc_datetime
from gizwits_async.models._envelopes import (
    Key,
    ListOf,
    MapOf,
    Objects,
    RawDataObjects,
    decode_into,
)
from gizwits_async.models.messages import Message, MessageStatus
from gizwits_async.models.raw_data import RawDataSource
from gizwits_async.pagination import PageRequest
from tests.conftest import FIXTURES, load_fixture


def test_every_bindings_entry_decodes_strictly(strict: cattrs.Converter) -> None:
    devices = decode_list(
        load_fixture("real/bindings/heatzypy_devices.json")["devices"], Device, converter=strict
    )
    assert len(devices) == 8
    first = devices[0]
    assert first.role is DeviceRole.SPECIAL
    assert first.gw_did is None
    assert first.updated_at == datetime.fromtimestamp(1714439124, UTC)
    assert first.state_last_timestamp is not None
    assert first.dev_label == []
    assert devices[1].gw_did == ""


def test_device_detail_decodes_strictly(strict: cattrs.Converter) -> None:
    device = decode(
        load_fixture("real/device_detail/heatzypy_device_inea.json"), Device, converter=strict
    )
    assert device.did == "ZtTGUB8Li86z7TG9A7XTQY"
    assert device.product_name == "INEA"
    assert device.is_online is True


def test_passcode_is_kept_out_of_repr() -> None:
    device = decode({"did": "d1", "passcode": "SECRETPASS"}, Device)
    assert device.passcode == "SECRETPASS"
    assert "SECRETPASS" not in repr(device)


@pytest.mark.parametrize(
    "name", sorted(load_fixture("real/devdata_latest/heatzypy_attributes_by_product.json"))
)
def test_latest_bodies_decode_strictly(name: str, strict: cattrs.Converter) -> None:
    body = load_fixture("real/devdata_latest/heatzypy_attributes_by_product.json")[name]
    status = decode(body, DeviceStatus, converter=strict)
    assert status.attrs == body["attr"]
    assert status.updated_at is None
    assert status.has_data


def test_no_data_in_24_hours_is_explicit_not_1970() -> None:
    status = decode({"did": "d", "updated_at": 0, "attr": {}}, DeviceStatus)
    assert status.updated_at is None
    assert status.has_data is False


@pytest.mark.parametrize(
    "relative",
    [
        "real/composite_diagnostics/hass_heatzy_Devices.json",
        "real/composite_diagnostics/heatzypy_devices_rest.json",
    ],
)
def test_composite_entries_decode_and_keep_unknown_fields_in_extra(
    relative: str, strict: cattrs.Converter
) -> None:
    entries: dict[str, Any] = load_fixture(relative)
    for entry in entries.values():
        device = decode(entry, Device)
        assert device.did == entry["did"]
        for key in ("attrs", "attr"):
            if key in entry:
                assert device.extra[key] == entry[key]
    with pytest.raises(GizwitsResponseError):
        decode(next(iter(entries.values())), Device, converter=strict)


def test_unknown_fields_go_to_extra_and_unknown_enums_to_unknown(strict: cattrs.Converter) -> None:
    device = decode({"did": "d", "role": "superuser", "brand_new": 1}, Device)
    assert device.role is DeviceRole.UNKNOWN
    assert device.extra == {"brand_new": 1}
    with pytest.raises(GizwitsResponseError):
        decode({"did": "d", "role": "superuser"}, Device, converter=strict)


@pytest.mark.parametrize("expired_at", [1522745530, "1522745530", 1522745530.0])
def test_app_token_accepts_expired_at_as_int_or_string(expired_at: object) -> None:
    token = decode({"token": "tok", "expired_at": expired_at}, AppToken)
    assert token.expire_at == datetime.fromtimestamp(1522745530, UTC)
    assert "tok" not in repr(token)


def test_user_token_hides_the_token_and_reports_time_left() -> None:
    token = decode({"uid": "u", "token": "SECRET", "expire_at": 2_000_000_000}, UserToken)
    assert "SECRET" not in repr(token)
    assert token.expires_in(now=1_999_999_000) == 1000
    assert token.expires_in(now=datetime.fromtimestamp(1_999_999_900, UTC)) == 100
    assert token.lifetime() is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-09-11T11:41:23Z", datetime(2017, 9, 11, 11, 41, 23, tzinfo=UTC)),
        ("2017-09-26T06:36:47", datetime(2017, 9, 26, 6, 36, 47, tzinfo=UTC)),
        ("2017-01-01T08:32:56.996638", datetime(2017, 1, 1, 8, 32, 56, 996638, tzinfo=UTC)),
        (1505871342.875, datetime.fromtimestamp(1505871342.875, UTC)),
    ],
)
def test_timestamps_in_every_seen_format_decode_to_utc(value: object, expected: datetime) -> None:
    assert decode({"did": "d", "updated_at": value}, Device).updated_at == expected


@pytest.mark.parametrize("payload", [[], "text", 3, None, {"uid": 1}, {"version": []}])
def test_malformed_payloads_raise_response_error(payload: object) -> None:
    with pytest.raises(GizwitsResponseError):
        decode(payload, UserToken)


def test_response_error_excerpt_is_redacted() -> None:
    with pytest.raises(GizwitsResponseError) as caught:
        decode({"token": "VERY-SECRET", "uid": []}, UserToken)
    assert "VERY-SECRET" not in str(caught.value)


def test_user_profile_decodes() -> None:
    user = decode({"uid": "u", "gender": "F", "is_anonymous": False, "lang": "en"}, User)
    assert user.gender is not None
    assert user.gender.value == "F"


def test_status_decodes_with_extra() -> None:
    assert decode({"version": "2.15.1", "build": "x"}, ServiceStatus).extra == {"build": "x"}


def test_fixture_folder_is_the_shared_one() -> None:
    assert (FIXTURES / "real" / "README.md").exists()


@pytest.mark.parametrize(
    ("payload", "field", "expected"),
    [
        ({"did": 12345}, "did", "12345"),
        ({"did": "d", "port": "1883"}, "port", 1883),
        ({"did": "d", "port": 1883.0}, "port", 1883),
        ({"did": "d", "is_online": 1}, "is_online", True),
        ({"did": "d", "is_online": "false"}, "is_online", False),
        ({"did": "d", "dev_label": ["a", 1]}, "dev_label", ["a", "1"]),
    ],
)
def test_lossless_conversions_are_accepted(
    payload: dict[str, Any], field: str, expected: object
) -> None:
    assert getattr(decode(payload, Device), field) == expected


@pytest.mark.parametrize(
    "payload",
    [
        {"did": None},
        {"did": ["x"]},
        {"did": "d", "port": "eighty"},
        {"did": "d", "port": 1.5},
        {"did": "d", "is_online": "maybe"},
        {"did": "d", "is_online": 2},
        {"did": "d", "dev_label": "a"},
        {},
    ],
)
def test_values_of_the_wrong_kind_raise_response_error(payload: dict[str, Any]) -> None:
    with pytest.raises(GizwitsResponseError):
        decode(payload, Device)


def test_decode_list_names_the_failing_item() -> None:
    with pytest.raises(GizwitsResponseError, match="Device"):
        decode_list([{"did": "a"}, {"did": None}], Device)


# What each recorded folder holds, as the request path decodes it. A folder with no entry
# here fails the coverage test below, so a new recording cannot be skipped silently.
def test_device_status_takes_attrs_or_the_wire_name_attr() -> None:
    by_attribute = DeviceStatus(did="d1", attrs={"switch": True})
    by_wire_name = DeviceStatus(did="d1", attr={"switch": True})
    assert (
        by_attribute
        == by_wire_name
        == decode({"did": "d1", "attr": {"switch": True}}, DeviceStatus)
    )
    assert by_attribute.attrs == {"switch": True}
    assert DeviceStatus(did="d1").attrs == {}
    with pytest.raises(TypeError, match="not both"):
        DeviceStatus(did="d1", attr={}, attrs={})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"did": "d1", "port": "not a port"}, "port"),
        ({"did": ["d1"]}, "did"),
        ({"port": 1}, "did"),
        ({"did": "d1", "role": 7}, "role"),
    ],
)
def test_a_wrong_type_in_a_known_field_names_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(GizwitsResponseError, match=f"field '{field}'"):
        decode(body, Device)


def test_unknown_fields_land_in_extra_leniently_and_fail_strictly(strict: cattrs.Converter) -> None:
    body = {"did": "d1", "mystery": {"a": 1}}
    assert decode(body, Device).extra == {"mystery": {"a": 1}}
    with pytest.raises(GizwitsResponseError, match="unknown keys"):
        decode(body, Device, converter=strict)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-09-11T11:41:23Z", datetime(2017, 9, 11, 11, 41, 23, tzinfo=UTC)),
        ("2017-09-26T06:36:47", datetime(2017, 9, 26, 6, 36, 47, tzinfo=UTC)),
        ("2017-01-01T08:32:56.996638", datetime(2017, 1, 1, 8, 32, 56, 996638, tzinfo=UTC)),
        ("1505871342.875", datetime.fromtimestamp(1505871342.875, UTC)),
        (" 1505871342 ", datetime.fromtimestamp(1505871342, UTC)),
        ("2017-09-11 11:41:23", datetime(2017, 9, 11, 11, 41, 23, tzinfo=UTC)),
        ("2017-09-11T11", datetime(2017, 9, 11, 11, tzinfo=UTC)),
        ("2017-09-11", datetime(2017, 9, 11, tzinfo=UTC)),
        (" 2017-09-11T11:41:23Z ", datetime(2017, 9, 11, 11, 41, 23, tzinfo=UTC)),
    ],
)
def test_every_time_format_of_the_cloud_decodes(text: str, expected: datetime) -> None:
    decoded = to_utc_datetime(text)
    assert decoded == expected
    assert decoded.utcoffset() == timedelta(0)  # aware: no zone on the wire means UTC


@pytest.mark.parametrize("nothing", [None, "", "0", 0, 0.0])
def test_a_message_time_of_zero_or_nothing_is_none_not_1970(nothing: Any) -> None:
    message = decode({"id": "m1", "created_at": nothing, "updated_at": 0}, Message)
    assert (message.created_at, message.updated_at) == (None, None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(0, MessageStatus.UNREAD), (1, MessageStatus.READ), (7, MessageStatus.UNKNOWN)],
)
def test_integer_enums_decode_known_values_and_keep_unknown_ones_apart(
    status: int, expected: MessageStatus
) -> None:
    message = decode({"id": "m1", "status": status, "created_at": "2017-09-11T11:41:23Z"}, Message)
    assert message.status is expected
    assert message.created_at == datetime(2017, 9, 11, 11, 41, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "shape", "message"),
    [
        ({"a": [{"did": 1.5, "port": "x"}]}, MapOf(ListOf(Device)), "'a.[0].port'"),
        ([], MapOf(ListOf(Device)), "expected a JSON object"),
        ({"rules": None}, Key("rules", ListOf(Device)), "'rules': missing"),
        ([1], Key("id", str), "expected a JSON object"),
        ({"id": 7}, Key("id", str), None),
        (["a", 2, None], ListOf(str), "'[2]'"),
        ({"objects": [], "meta": []}, Objects(Device), "'meta'"),
        ({"objects": []}, RawDataObjects(RawDataEntry), "'meta.total': missing"),
        ({"objects": {"hits": []}}, RawDataObjects(RawDataEntry), "'objects.hits'"),
        (
            {"objects": {"hits": {"total": 1, "objects": [{"type": "dev2app"}]}}},
            RawDataObjects(RawDataEntry),
            "'objects.hits.objects.[0].timestamp': missing",
        ),
        ([], RawDataObjects(RawDataEntry), "expected a JSON object"),
    ],
)
def test_every_envelope_names_what_does_not_fit(data: Any, shape: Any, message: str | None) -> None:
    if message is None:
        assert decode_into(data, shape) == "7"  # a number for a string id is kept as text
        return
    with pytest.raises(GizwitsResponseError) as caught:
        decode_into(data, shape, status=200, where="GET /x")
    assert message in str(caught.value)
    assert "GET /x" in str(caught.value)
    assert caught.value.status == 200


def test_a_listing_keeps_meta_and_total() -> None:
    listing = decode_into({"objects": [{"did": "d1"}], "meta": {"total": 4}}, Objects(Device))
    assert ([d.did for d in listing.items], listing.meta, listing.total) == (
        ["d1"],
        {"total": 4},
        4,
    )


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"type": "app2dev", "timestamp": 1.0, "source": 1}, "source"),
        ({"type": "app2dev", "timestamp": 1.0, "uid": 1}, "uid"),
        ({"type": "app2dev", "timestamp": 1.0, "payload_bin": 1, "uid": "u"}, "payload_bin"),
        ({"type": "app2dev", "timestamp": [1]}, "timestamp"),
        ({"type": "app2dev"}, "timestamp"),
        ({"timestamp": 1.0}, "type"),
        (["not", "an", "object"], None),
    ],
)
def test_raw_entries_with_optional_fields_are_checked(entry: Any, field: str | None) -> None:
    with pytest.raises(GizwitsResponseError) as caught:
        decode(entry, RawDataEntry)
    if field is not None:
        assert f"'{field}'" in str(caught.value)


def test_a_command_entry_keeps_its_source_and_sender(strict: cattrs.Converter) -> None:
    wire = {
        "type": "app2dev",
        "timestamp": 1.5,
        "payload_bin": "0102",
        "source": "d3",
        "uid": "u1",
        "appid": "a1",
        "ip": "10.0.0.1",
    }
    entry = decode(wire, RawDataEntry, converter=strict)
    assert (entry.source, entry.uid, entry.appid, entry.payload) == (
        RawDataSource.D3,
        "u1",
        "a1",
        b"\x01\x02",
    )
    odd = decode({**wire, "source": "robot"}, RawDataEntry)
    assert odd.source is RawDataSource.UNKNOWN
    with pytest.raises(GizwitsResponseError, match="'source'"):
        decode({**wire, "source": "robot"}, RawDataEntry, converter=strict)


# -- the shared repr, equality and hash (gizwits_async._attrs.Frozen) ------------------------


def _twins() -> tuple[type[Any], type[Any]]:
    """The same fields declared the attrs way and on ``Frozen``."""

    def body() -> dict[str, Any]:
        return {
            "__annotations__": {"a": "int", "b": "str", "hidden": "str", "shown": "str"},
            "b": attrs.field(default="x", eq=str.lower),
            "hidden": attrs.field(default="s3cret", repr=False, eq=False),
            "shown": attrs.field(default="v", repr=lambda value: f"<{value}>"),
        }

    generated = attrs.frozen(type("Twin", (), body()))
    shared = attrs.frozen(type("Twin", (Frozen,), body()), repr=False, eq=False)
    return generated, shared


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": 1}, {"a": 1}),
        ({"a": 1}, {"a": 2}),
        ({"a": 1, "b": "X"}, {"a": 1, "b": "x"}),
        ({"a": 1, "hidden": "p"}, {"a": 1, "hidden": "q"}),
        ({"a": 1, "shown": "p"}, {"a": 1, "shown": "q"}),
    ],
)
def test_frozen_classes_repr_compare_and_hash_as_attrs_own_methods_do(
    left: dict[str, Any], right: dict[str, Any]
) -> None:
    generated, shared = _twins()
    ours, theirs = shared(**left), generated(**left)
    assert repr(ours) == repr(theirs)
    assert "s3cret" not in repr(ours)
    assert (ours == shared(**right)) is (theirs == generated(**right))
    assert (ours != shared(**right)) is (theirs != generated(**right))
    if ours == shared(**right):
        assert hash(ours) == hash(shared(**right))
    assert ours != theirs  # another class, even with the same fields
    assert ours != (1, "x")


def test_models_keep_secrets_out_of_repr_and_compare_by_value() -> None:
    issued = datetime(2026, 12, 3, tzinfo=UTC)
    token = UserToken(uid="u1", token="t0k3n-value", expire_at=issued)
    assert repr(token) == f"UserToken(uid='u1', expire_at={issued!r}, issued_at=None)"
    assert token == UserToken(uid="u1", token="t0k3n-value", expire_at=issued)
    assert token != UserToken(uid="u1", token="other", expire_at=issued)
    assert {PageRequest(0, 20): 1}[PageRequest(0, 20)] == 1
    assert attrs.evolve(token, uid="u2").uid == "u2"
    with pytest.raises(TypeError):
        hash(token)  # an unhashable field (extra is a dict), as with attrs
