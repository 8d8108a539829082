"""``client.system``: service status and the error catalogue."""

from __future__ import annotations

from gizwits_async._transport import Auth
from gizwits_async.models._envelopes import Key, ListOf
from gizwits_async.models.system import ErrorInfo, ServiceStatus
from gizwits_async.resources._base import Resource


class SystemResource(Resource):
    """``client.system``: the service's status and its error code table."""

    async def status(self) -> ServiceStatus:
        """``GET /status``: the Open API version."""
        into: Key[ServiceStatus] = Key("status", ServiceStatus)
        return await self._fetch("GET", "/status", auth=Auth.NONE, into=into)

    async def errors(self) -> list[ErrorInfo]:
        """``GET /errors``: every error the cloud can answer with."""
        into: ListOf[ErrorInfo] = ListOf(ErrorInfo)
        return await self._fetch("GET", "/errors", auth=Auth.NONE, into=into)
