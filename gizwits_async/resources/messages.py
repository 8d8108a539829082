"""``client.messages``: the message centre (share notices, D3 pushes)."""

from __future__ import annotations

from gizwits_async._validate import path_segment
from gizwits_async.errors import ErrorCode, GizwitsAPIError
from gizwits_async.models.messages import Message, MessageStatus
from gizwits_async.pagination import AsyncPaginator, linked
from gizwits_async.resources._base import Resource

_PATH = "/app/messages"


class MessagesResource(Resource):
    """``client.messages``: the user's message centre, paged, with read and delete."""

    def list(
        self, type: int = 1, *, limit: int | None = None, page_size: int = 20
    ) -> AsyncPaginator[Message]:
        """``GET /app/messages``: the user's messages of one ``type`` (1: device sharing),
        deleted ones excluded. Pages follow the server's ``meta.next`` link."""
        if isinstance(type, bool) or not isinstance(type, int):
            raise TypeError(f"type must be an int, got {type.__class__.__name__}")
        if type < 0:
            raise ValueError("type must not be negative")
        return linked(
            self._transport, _PATH, Message, params={"type": type}, limit=limit, page_size=page_size
        )

    async def mark_read(self, message_id: str) -> None:
        """``PUT /app/messages/{id}?status=1``."""
        await self._set_status(message_id, MessageStatus.READ)

    async def delete(self, message_id: str) -> None:
        """``PUT /app/messages/{id}?status=2``. Deleting a message that is already deleted
        (9098, e.g. when a retried request had gone through) is not an error."""
        try:
            await self._set_status(message_id, MessageStatus.DELETED)
        except GizwitsAPIError as err:
            if err.error_code != ErrorCode.MESSAGE_ALREADY_DELETED:
                raise

    async def _set_status(self, message_id: str, status: MessageStatus) -> None:
        segment = path_segment(message_id, "message_id")
        await self._transport.request("PUT", f"{_PATH}/{segment}", params={"status": int(status)})
