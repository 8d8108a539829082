"""``client.bindings``: which devices the user is bound to."""

from __future__ import annotations

from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._converter import decode_list, excerpt
from gizwits_async.models.devices import Device
from gizwits_async.pagination import AsyncPaginator, Page, PageRequest, page_from_list
from gizwits_async.resources._base import Resource


class BindingsResource(Resource):
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

        async def fetch(request: PageRequest) -> Page[Device]:
            params = {**flags, "limit": request.limit, "skip": request.skip}
            data = await self._transport.request("GET", "/app/bindings", params=params)
            if not isinstance(data, dict) or "devices" not in data:
                raise GizwitsResponseError("GET /app/bindings: no devices list", body=excerpt(data))
            return page_from_list(decode_list(data["devices"], Device), request)

        return AsyncPaginator(fetch, limit=limit, page_size=page_size, max_page_size=1000)
