"""``client.bindings``: binding devices to the user, their per-user names, and guests."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from typing import Any, Final

from gizwits_async._validate import did_list, path_segment, require_text
from gizwits_async.errors import ErrorCode, GizwitsConfigurationError
from gizwits_async.models._envelopes import Key, ListOf
from gizwits_async.models.bindings import BindingInfo, GuestUser, UnbindResult
from gizwits_async.models.devices import Device
from gizwits_async.pagination import AsyncPaginator, skip_limit
from gizwits_async.resources._base import Resource, failed_as_uncertain, settled

_DEVICES: Key[list[Device]] = Key("devices", ListOf(Device))
TIMESTAMP_HEADER: Final = "X-Gizwits-Timestamp"
SIGNATURE_HEADER: Final = "X-Gizwits-Signature"

# A MAC as 12 hex digits, bare or in pairs split by ":" or "-"; module ids of other lengths
# (up to 32 hex digits) are accepted bare.
_MAC_BARE = re.compile(r"[0-9a-fA-F]{12,32}")
_MAC_PAIRS = re.compile(r"[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}")


def normalize_mac(mac: Any) -> str:
    """The MAC as the cloud stores it: lower-case hex digits without separators."""
    if not isinstance(mac, str):
        raise TypeError(f"mac must be a string, got {type(mac).__name__}")
    if _MAC_PAIRS.fullmatch(mac):
        return re.sub("[:-]", "", mac).lower()
    if _MAC_BARE.fullmatch(mac):
        return mac.lower()
    raise ValueError(f"mac {mac!r} is not a MAC address (12 hex digits, optionally paired)")


def bind_signature(product_secret: str, timestamp: str) -> str:
    """``X-Gizwits-Signature``: lower-case hex of md5(product_secret + timestamp)."""
    digest = hashlib.md5((product_secret + timestamp).encode(), usedforsecurity=False)
    return digest.hexdigest()


def _given_texts(**values: str | None) -> dict[str, str]:
    """The optional text arguments that were given, type-checked."""
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return {name: value for name, value in values.items() if value is not None}


class BindingsResource(Resource):
    """``client.bindings``: bind devices by MAC or QR code, list, rename and unbind them, manage
    guests."""

    async def bind_mac(
        self,
        product_key: str,
        mac: str,
        *,
        remark: str | None = None,
        dev_alias: str | None = None,
        set_owner: bool = False,
    ) -> Device:
        """``POST /app/bind_mac``: bind the device with this MAC to the user.

        Signed with the product secret from ``GizwitsClient(product_secrets={...})``; the
        timestamp must be within 5 minutes of the cloud's clock. ``set_owner=True`` makes the
        user the device's owner (products with device sharing).
        """
        product_key = require_text(product_key, "product_key")
        body: dict[str, Any] = {
            "product_key": product_key,
            "mac": normalize_mac(mac),
            **_given_texts(remark=remark, dev_alias=dev_alias),
        }
        body["set_owner"] = int(bool(set_owner))
        secret = self._client.product_secrets.get(product_key)
        if not secret:
            raise GizwitsConfigurationError(
                f"no product secret for product_key {product_key}: bind_mac is signed with it; "
                "pass GizwitsClient(product_secrets={product_key: secret})"
            )
        timestamp = str(int(time.time()))
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: bind_signature(secret, timestamp),
        }
        return await self._fetch(
            "POST", "/app/bind_mac", json_body=body, headers=headers, into=Device
        )

    async def bind_qrcode(self, qr_content: str, *, set_owner: bool = False) -> None:
        """``POST /app/bind_latest``: bind the device of a Gizwits bind QR code."""
        body = {
            "qr_content": require_text(qr_content, "qr_content"),
            "set_owner": int(bool(set_owner)),
        }
        await self._transport.request("POST", "/app/bind_latest", json_body=body)

    async def unbind(self, dids: Iterable[str]) -> UnbindResult:
        """``DELETE /app/bindings``: unbind the user from these devices.

        When the call had to be resent after an attempt whose answer was lost, the dids the
        resend reports as failed are checked against the bindings (one ``list()`` walk): the
        ones no longer bound succeeded. If that read fails they stay in ``uncertain``.
        """
        checked = did_list(dids)
        if not checked:
            raise ValueError("give at least one did to unbind")
        body = {"devices": [{"did": did} for did in checked]}
        result = await self._fetch(
            "DELETE",
            "/app/bindings",
            json_body=body,
            into=UnbindResult,
            on_resend=failed_as_uncertain,
        )
        return await settled(result, self._bound_dids, "unbind")

    async def _bound_dids(self) -> set[str]:
        return {device.did async for device in self.list(show_disabled=True)}

    async def update(
        self,
        did: str,
        *,
        remark: str | None = None,
        dev_alias: str | None = None,
        dev_label: Iterable[str] | None = None,
    ) -> BindingInfo:
        """``PUT /app/bindings/{did}``: the user's own remark, alias and labels for a device
        (each user bound to it has their own)."""
        path = f"/app/bindings/{path_segment(did, 'did')}"
        body: dict[str, Any] = _given_texts(remark=remark, dev_alias=dev_alias)
        if dev_label is not None:
            if isinstance(dev_label, str | bytes):
                raise TypeError("dev_label must be a list of strings, not a single string")
            labels = list(dev_label)
            if not all(isinstance(label, str) for label in labels):
                raise TypeError("dev_label must be a list of strings")
            body["dev_label"] = labels
        if not body:
            raise ValueError("give at least one of remark, dev_alias, dev_label")
        return await self._fetch("PUT", path, json_body=body, into=BindingInfo)

    async def guests(self, did: str) -> list[GuestUser]:
        """``GET /app/{did}/bindings``: the guests of a device the user owns."""
        path = f"/app/{path_segment(did, 'did')}/bindings"
        return await self._fetch("GET", path, into=ListOf(GuestUser))

    async def remove_guest(self, did: str, uid: str) -> None:
        """``DELETE /app/{did}/bindings?uid=``: the owner unbinds a guest."""
        path = f"/app/{path_segment(did, 'did')}/bindings"
        params = {"uid": require_text(uid, "uid")}
        await self._transport.request(
            "DELETE", path, params=params, gone_codes=(ErrorCode.NOT_FOUND_GUEST,)
        )

    def list(
        self,
        *,
        show_disabled: bool = False,
        show_proto_ver: bool = False,
        limit: int | None = None,
        page_size: int = 20,
    ) -> AsyncPaginator[Device]:
        """``GET /app/bindings``: the user's devices, paged by skip/limit (a full page means
        there may be more)."""
        flags = {
            "show_disabled": int(bool(show_disabled)),
            "show_proto_ver": int(bool(show_proto_ver)),
        }
        return skip_limit(
            self._transport,
            "/app/bindings",
            _DEVICES,
            params=flags,
            limit=limit,
            page_size=page_size,
        )
