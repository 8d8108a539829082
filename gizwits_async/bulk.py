"""Bounded fan-out: run one call per device, at most ``concurrency`` at a time.

Workers pull keys from a shared iterator, so the bound holds before any request is built (no
thousand tasks parked on a semaphore), and one failing device never hides the others. When the
caller is cancelled, the task group cancels every worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.errors import GizwitsError

T = TypeVar("T")


@attrs.frozen(repr=False, eq=False)
class BulkResult(Frozen, Generic[T]):
    """Per-key outcomes of a fan-out call."""

    succeeded: dict[str, T] = attrs.field(factory=dict)
    failed: dict[str, GizwitsError] = attrs.field(factory=dict)

    @property
    def ok(self) -> bool:
        """True when no item failed."""
        return not self.failed

    def __len__(self) -> int:
        return len(self.succeeded) + len(self.failed)


def unique_keys(keys: Iterable[str], *, what: str = "did") -> list[str]:
    """The keys in order with duplicates dropped; a bare string is refused (it is not a list)."""
    if isinstance(keys, str | bytes):
        raise TypeError(f"pass a list of {what}s, not a single string")
    return list(dict.fromkeys(keys))


async def run_bulk(
    keys: Iterable[str],
    call: Callable[[str], Awaitable[T]],
    *,
    concurrency: int,
) -> BulkResult[T]:
    """Call ``call(key)`` for every key under the bound; collect results and Gizwits errors.

    Errors that are not ``GizwitsError`` are bugs or bad input and propagate after the other
    workers are cancelled.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError("concurrency must be an int")
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    ordered = unique_keys(keys)
    succeeded: dict[str, T] = {}
    failed: dict[str, GizwitsError] = {}
    pending: Iterator[str] = iter(ordered)

    async def worker() -> None:
        for key in pending:
            try:
                succeeded[key] = await call(key)
            except GizwitsError as err:
                failed[key] = err

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(ordered))):
            group.create_task(worker())
    return BulkResult(
        succeeded={key: succeeded[key] for key in ordered if key in succeeded},
        failed={key: failed[key] for key in ordered if key in failed},
    )
