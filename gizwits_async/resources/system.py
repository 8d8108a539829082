"""``client.system``: service status and the error catalogue."""

from __future__ import annotations

from gizwits_async._transport import Auth
from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._converter import decode, decode_list, excerpt
from gizwits_async.models.system import ErrorInfo, ServiceStatus
from gizwits_async.resources._base import Resource


class SystemResource(Resource):
    async def status(self) -> ServiceStatus:
        """``GET /status``: the Open API version."""
        data = await self._transport.request("GET", "/status", auth=Auth.NONE)
        if not isinstance(data, dict) or not isinstance(data.get("status"), dict):
            raise GizwitsResponseError("GET /status: no status object", body=excerpt(data))
        return decode(data["status"], ServiceStatus)

    async def errors(self) -> list[ErrorInfo]:
        """``GET /errors``: every error the cloud can answer with."""
        data = await self._transport.request("GET", "/errors", auth=Auth.NONE)
        return decode_list(data, ErrorInfo)
