"""``client.sharing``: share a device with other users as their owner, by name or QR code."""

from __future__ import annotations

from typing import Any

from gizwits_async._validate import id_value, path_segment, require_text
from gizwits_async.errors import ErrorCode, GizwitsAPIError
from gizwits_async.models.sharing import (
    Sharing,
    SharingDirection,
    SharingInvitation,
    SharingQRInfo,
    SharingStatus,
    SharingType,
    share_code,
)
from gizwits_async.pagination import AsyncPaginator, linked
from gizwits_async.resources._base import Resource

SHARING_PATH = "/app/sharing"
MAX_DURATION_MINUTES = 1440


def _choice(value: Any, name: str, allowed: range) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value}")
    return int(value)


def _duration(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"duration must be an int of minutes, got {type(value).__name__}")
    if not 1 <= value <= MAX_DURATION_MINUTES:
        raise ValueError(f"duration must be 1-{MAX_DURATION_MINUTES} minutes, got {value}")
    return value


def _code(value: Any) -> str:
    """A share code, or the whole QR content it came in (``type=share&code=...``)."""
    text = require_text(value, "code")
    if "=" in text:
        found = share_code(text)
        if not found:
            raise ValueError("the QR content holds no share code")
        text = found
    return path_segment(text, "code")


class SharingResource(Resource):
    """``client.sharing``: share devices with other users, by invitation or QR code, and transfer
    ownership."""

    async def create(
        self,
        *,
        did: str,
        type: SharingType | int = SharingType.NORMAL,
        uid: str | None = None,
        username: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        duration: int | None = None,
    ) -> SharingInvitation:
        """``POST /app/sharing``: invite a user (``type=0``, exactly one of uid, username,
        email or phone) or make a QR code anyone can accept (``type=1``, no target).

        Only the device's owner can share. The invitation expires after 24 hours (QR: 15
        minutes); ``duration`` (1-1440 minutes) limits how long the guest may use the device.
        """
        body: dict[str, Any] = {
            "type": _choice(type, "type", range(2)),
            "did": id_value(did, "did"),
        }
        given = {"uid": uid, "username": username, "email": email, "phone": phone}
        targets = {
            name: require_text(value, name) for name, value in given.items() if value is not None
        }
        if body["type"] == SharingType.NORMAL and len(targets) != 1:
            raise ValueError("a normal share needs exactly one of uid, username, email or phone")
        if body["type"] == SharingType.QR and targets:
            raise ValueError("a QR share is for whoever scans it; give no uid/username/email/phone")
        body.update(targets)
        if duration is not None:
            body["duration"] = _duration(duration)
        return await self._fetch("POST", SHARING_PATH, json_body=body, into=SharingInvitation)

    def list(
        self,
        sharing_type: int,
        *,
        status: SharingStatus | int | None = None,
        did: str | None = None,
        limit: int | None = None,
        page_size: int = 20,
    ) -> AsyncPaginator[Sharing]:
        """``GET /app/sharing``: the shares you sent (``sharing_type=0``, as owner) or received
        (``1``). Filter by ``status`` (0 pending, 1 accepted, 2 rejected, 3 cancelled) or, for
        your own devices, by ``did``."""
        params: dict[str, str | int] = {
            "sharing_type": _choice(sharing_type, "sharing_type", range(2))
        }
        if status is not None:
            params["status"] = _choice(status, "status", range(4))
        if did is not None:
            params["did"] = id_value(did, "did")
        return linked(
            self._transport, SHARING_PATH, Sharing, params=params, limit=limit, page_size=page_size
        )

    async def cancel(self, sharing_id: int | str) -> None:
        """``DELETE /app/sharing/{id}``: withdraw a pending invitation or take back an
        accepted share (the guest loses the device). Owner only."""
        path = f"{SHARING_PATH}/{path_segment(sharing_id, 'sharing_id')}"
        gone = (ErrorCode.SHARING_ALREADY_CANCELLED,)
        await self._transport.request("DELETE", path, gone_codes=gone)

    async def accept(self, sharing_id: int | str) -> None:
        """``PUT /app/sharing/{id}?status=1``: accept an invitation; you become a guest."""
        await self._answer(sharing_id, SharingStatus.ACCEPTED)

    async def reject(self, sharing_id: int | str) -> None:
        """``PUT /app/sharing/{id}?status=2``: decline an invitation."""
        await self._answer(sharing_id, SharingStatus.REJECTED)

    async def _answer(self, sharing_id: int | str, status: SharingStatus) -> None:
        path = f"{SHARING_PATH}/{path_segment(sharing_id, 'sharing_id')}"
        try:
            await self._transport.request("PUT", path, params={"status": int(status)})
        except GizwitsAPIError as err:
            # "Already answered" on a resend may be the lost first attempt's own answer, or
            # another app's: the record says which.
            if err.error_code != ErrorCode.SHARING_IS_COMPLETED or not err.resent_after_lost_answer:
                raise
            if not await self._stands_at(sharing_id, status):
                raise

    async def _stands_at(self, sharing_id: int | str, status: SharingStatus) -> bool:
        """Whether the received invitation ``sharing_id`` is at ``status`` (one list walk)."""
        wanted = str(sharing_id)
        received = self.list(SharingDirection.RECEIVED, status=status)
        async for share in received:
            if str(share.id) == wanted:
                return True
        return False

    async def qr_info(self, code: str) -> SharingQRInfo:
        """``GET /app/sharing/code/{code}``: what a share QR code offers. ``code`` is the code
        or the whole QR content. The owner cannot ask (9096)."""
        path = f"{SHARING_PATH}/code/{_code(code)}"
        return await self._fetch(
            "GET", path, log_path=f"{SHARING_PATH}/code/{{code}}", into=SharingQRInfo
        )

    async def accept_qr(self, code: str) -> None:
        """``POST /app/sharing/code/{code}``: accept a QR share; you become a guest."""
        path = f"{SHARING_PATH}/code/{_code(code)}"
        await self._transport.request("POST", path, log_path=f"{SHARING_PATH}/code/{{code}}")

    async def set_alias(self, sharing_id: int | str, user_alias: str) -> None:
        """``PUT /app/sharing/{id}/alias``: your note about the other user of this share."""
        path = f"{SHARING_PATH}/{path_segment(sharing_id, 'sharing_id')}/alias"
        params = {"user_alias": require_text(user_alias, "user_alias")}
        await self._transport.request("PUT", path, params=params)

    async def transfer_owner(self, did: str, uid: str) -> None:
        """``POST /app/sharing/{did}/transfer?uid=``: make a guest the device's owner; you
        are unbound from the device."""
        path = f"{SHARING_PATH}/{path_segment(did, 'did')}/transfer"
        params = {"uid": require_text(uid, "uid")}
        await self._transport.request("POST", path, params=params)
