"""``client.messages``: the message centre (share notices, D3 pushes)."""

from __future__ import annotations

from gizwits_async.errors import ErrorCode, GizwitsAPIError, GizwitsResponseError
from gizwits_async.models._converter import decode_list, excerpt
from gizwits_async.models.messages import Message, MessageStatus
from gizwits_async.pagination import (
    AsyncPaginator,
    Page,
    PageRequest,
    next_link_request,
    page_from_meta,
)
from gizwits_async.resources._base import Resource, path_segment

_PATH = "/app/messages"


class MessagesResource(Resource):
    def list(
        self, type: int = 1, *, limit: int | None = None, page_size: int = 20
    ) -> AsyncPaginator[Message]:
        """``GET /app/messages``: the user's messages of one ``type`` (1: device sharing),
        deleted ones excluded. Pages follow the server's ``meta.next`` link."""
        if isinstance(type, bool) or not isinstance(type, int):
            raise TypeError(f"type must be an int, got {type.__class__.__name__}")
        if type < 0:
            raise ValueError("type must not be negative")

        async def fetch(request: PageRequest) -> Page[Message]:
            if request.next_path is not None:
                path, query = next_link_request(request.next_path, _PATH)
                data = await self._transport.request("GET", path, params=query)
            else:
                params = {"type": type, "limit": request.limit, "skip": request.skip}
                data = await self._transport.request("GET", _PATH, params=params)
            if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
                raise GizwitsResponseError(f"GET {_PATH}: no objects list", body=excerpt(data))
            return page_from_meta(decode_list(data["objects"], Message), data.get("meta"), request)

        return AsyncPaginator(fetch, limit=limit, page_size=page_size, max_page_size=1000)

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
