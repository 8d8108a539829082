"""Where the simulator's ids, secrets and codes come from: random, or seeded for repeatable runs.

``gizwits-async serve --seed N`` calls ``seed(N)`` before it builds the simulator, so that
dids, MACs, uids, app and product secrets, tokens and SMS codes come out the same on every
start (given the same requests in the same order). Unseeded, they come from ``secrets``. The
source is process-wide, as a served simulator is alone in its process; tests that need fixed
ids set them explicitly instead.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_source: random.Random = secrets.SystemRandom()


def seed(value: int | None) -> None:
    """Draw from a generator seeded with ``value`` from now on; ``None`` goes back to random."""
    global _source  # noqa: PLW0603 - one source per process, see the module docstring
    _source = secrets.SystemRandom() if value is None else random.Random(value)


def token_hex(nbytes: int) -> str:
    """``2 * nbytes`` hex digits."""
    return _source.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()


def choice(options: Sequence[T]) -> T:
    """One of ``options``."""
    return options[_source.randrange(len(options))]


def randbelow(limit: int) -> int:
    """An int in ``[0, limit)``."""
    return _source.randrange(limit)
