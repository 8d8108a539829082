"""What every resource shares: the client's transport."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from gizwits_async._transport import Transport
from gizwits_async.errors import GizwitsError
from gizwits_async.models._envelopes import Into
from gizwits_async.models.bindings import UnbindResult
from gizwits_async.models.groups import GroupChangeResult

if TYPE_CHECKING:
    from gizwits_async.client import GizwitsClient

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


Outcome = TypeVar("Outcome", UnbindResult, GroupChangeResult)


def failed_as_uncertain(result: Outcome) -> Outcome:
    """``on_resend`` of a per-did removal: a did the resend reports failed may have been
    removed by the attempt whose answer was lost, so it is uncertain rather than failed."""
    return attrs.evolve(result, failed=[], uncertain=[*result.uncertain, *result.failed])


async def settled(
    result: Outcome, still_there: Callable[[], Awaitable[Collection[str]]], what: str
) -> Outcome:
    """The uncertain dids of a removal sorted out by reading back the dids still there: the
    ones gone succeeded, the others failed. A read that fails leaves them uncertain (the
    removal itself did its work)."""
    if not result.uncertain:
        return result
    try:
        present = await still_there()
    except GizwitsError as err:
        _LOGGER.debug("%s: reading back failed (%s)", what, type(err).__name__)
        return result
    gone: list[str] = [did for did in result.uncertain if did not in present]
    kept: list[str] = [did for did in result.uncertain if did in present]
    return attrs.evolve(
        result, success=[*result.success, *gone], failed=[*result.failed, *kept], uncertain=[]
    )


class Resource:
    """Base of ``client.users``, ``client.devices`` and the others."""

    def __init__(self, client: GizwitsClient) -> None:
        self._client = client
        self._transport: Transport = client._transport  # noqa: SLF001 - the client owns it

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def _fetch(
        self, method: str, path: str, *, into: Into[T], **options: Any
    ) -> Coroutine[Any, Any, T]:
        """``Transport.request`` decoding into ``into``, typed as what it returns.

        It hands back the transport's coroutine rather than awaiting it: no coroutine layer
        of its own on the request path.
        """
        return self._transport.request(method, path, into=into, **options)
