"""The benchmarks' round orders: every action follows every other one equally often.

A run that follows idle time (a sequential sample mostly waits) is slower on this machine: a
fan-out after a fan-out took 248 ms, after 50 ms of idle 286 ms. With one order rotated every
round (0 1 2, 1 2 0, 2 0 1) the SDK's fan-out followed the sequential sample twice as often as
the raw fan-out did, which alone put it 4-5 % behind. These tests hold the orders and the run
of ``paired_rounds`` to the balance the ratios rely on.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from benchmarks._common import balanced_orders, paired_rounds


def _followers(stream: list[int]) -> Counter[tuple[int, int]]:
    """How often each (before, after) pair occurs in ``stream`` taken as a cycle (the steady
    state of many rounds)."""
    return Counter(zip(stream, stream[1:] + stream[:1], strict=True))


@pytest.mark.parametrize("count", range(1, 9))
def test_balanced_orders_are_permutations_each_action_first_equally_often(count: int) -> None:
    orders = balanced_orders(count)
    assert all(sorted(order) == list(range(count)) for order in orders)
    firsts = Counter(order[0] for order in orders)
    assert set(firsts) == set(range(count))
    assert len(set(firsts.values())) == 1


@pytest.mark.parametrize("count", range(2, 9))
def test_within_rounds_every_ordered_pair_occurs_equally_often(count: int) -> None:
    pairs = Counter(pair for order in balanced_orders(count) for pair in itertools.pairwise(order))
    assert len(pairs) == count * (count - 1)  # every ordered pair of two actions occurs
    assert len(set(pairs.values())) == 1


def test_no_actions_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one action"):
        balanced_orders(0)


def _recording(count: int, log: list[int]) -> list[Callable[[], Awaitable[None]]]:
    def action(index: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            log.append(index)

        return run

    return [action(index) for index in range(count)]


@pytest.mark.parametrize("count", [3, 4, 6])
async def test_paired_rounds_start_with_a_twin_then_each_action_follows_each_other_equally(
    count: int,
) -> None:
    log: list[int] = []
    rounds = 2 * len(balanced_orders(count))
    paired = await paired_rounds(rounds, _recording(count, log))

    assert all(len(times) == rounds for times in paired.wall)
    assert len(log) == rounds * (count + 1)
    before: Counter[tuple[int, int]] = Counter()
    for start in range(0, len(log), count + 1):
        twin, *timed = log[start : start + count + 1]
        assert twin == timed[0]  # the untimed run of the round's first action
        before.update(itertools.pairwise([twin, *timed]))
    for action in range(count):
        # It follows itself only at the start of a round, as often as every other action does.
        assert before[action, action] == rounds // count
        others = {before[other, action] for other in range(count) if other != action}
        assert len(others) == 1  # and each other action as often as any other one


async def test_two_actions_alternate_without_an_untimed_run() -> None:
    log: list[int] = []
    await paired_rounds(4, _recording(2, log))

    assert log == [0, 1, 1, 0, 0, 1, 1, 0]
    # Across rounds too: each follows the other, and itself, equally often.
    assert set(_followers(log).values()) == {2}
