"""Fault injection: answer matching requests with errors, delays, resets or odd bodies."""

from __future__ import annotations

import random
import re
from typing import Protocol

import attrs


@attrs.define
class Fault:
    """One rule. It matches requests by method and path (a regular expression matched against
    the whole path) and applies to the next ``times`` of them (None: every one).

    ``after_handler=True`` lets the real handler run first, so the server has acted on the
    request before the fault hits (a timeout or reset after a write was applied).

    ``truncate=n`` sends only the first ``n`` bytes of the body (``body``, or the handler's
    answer): as a complete, shorter response, or with ``reset=True`` after headers that
    announce the whole length, before dropping the connection (a transfer cut off midway).
    A ``delay`` ends early when the client hangs up, as the cloud's proxies do.
    """

    method: str | None = None
    path: str | None = None
    times: int | None = 1
    status: int | None = None
    error_code: int | None = None
    error_message: str | None = None
    body: bytes | str | None = None
    delay: float = 0.0
    reset: bool = False
    content_type: str | None = None
    retry_after: str | None = None
    after_handler: bool = False
    probability: float = 1.0
    truncate: int | None = None
    hits: int = 0
    _pattern: re.Pattern[str] | None = attrs.field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.path is not None:
            self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request (and has uses left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self._pattern is None or self._pattern.fullmatch(path) is not None


class PushControls(Protocol):
    """What the websocket endpoint offers the faults below."""

    def send_invalid(self, code: int, message: str) -> None: ...

    def drop_all(self) -> None: ...

    def send_text(self, text: str) -> None: ...

    def now(self) -> float: ...


class WebsocketFaults:
    """Faults of the push websocket (``sim.faults.websocket``): tell every socket it was
    logged out (1009) or anything else, drop every socket without a close frame, go silent
    (nothing sent, pongs included), refuse new sockets for a while, delay every frame."""

    def __init__(self) -> None:
        self.silent = False
        self.frame_delay = 0.0
        self._refuse_until: float | None = None
        self._endpoint: PushControls | None = None

    def attach(self, endpoint: PushControls) -> None:
        """The simulator's endpoint: the one these faults act on."""
        self._endpoint = endpoint

    def _controls(self) -> PushControls:
        if self._endpoint is None:
            raise RuntimeError("the simulator has no websocket endpoint")
        return self._endpoint

    def send_invalid(self, code: int = 1009, message: str | None = None) -> None:
        """Send ``s2c_invalid_msg`` to every socket (1009 also logs them out)."""
        messages = {1009: "M2M socket has closed, please login again!", 1011: "No heartbeat!"}
        text = message if message is not None else messages.get(code, "invalid message")
        self._controls().send_invalid(code, text)

    def drop_all(self) -> None:
        """Abort every socket's connection (no close frame)."""
        self._controls().drop_all()

    def send_text(self, text: str) -> None:
        """Send any text to every socket (malformed frames, huge frames)."""
        self._controls().send_text(text)

    def refuse(self, seconds: float | None = None) -> None:
        """Refuse new sockets (HTTP 503 to the upgrade) for ``seconds`` of the simulator's
        clock, or until ``accept()`` when ``seconds`` is None."""
        until = float("inf") if seconds is None else self._controls().now() + seconds
        self._refuse_until = until

    def accept(self) -> None:
        """Accept new sockets again."""
        self._refuse_until = None

    def refusing(self, now: float) -> bool:
        """Whether a new socket is refused at ``now``."""
        return self._refuse_until is not None and now < self._refuse_until

    def clear(self) -> None:
        """No websocket fault any more."""
        self.silent = False
        self.frame_delay = 0.0
        self._refuse_until = None


class FaultInjector:
    """The simulator's fault rules (``sim.faults``), tried in the order they were added."""

    def __init__(self, seed: int | None = None) -> None:
        self.rules: list[Fault] = []
        self._random = random.Random(seed)
        self.websocket = WebsocketFaults()

    def add(
        self,
        fault: Fault | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        status: int | None = None,
        error_code: int | None = None,
        error_message: str | None = None,
        body: bytes | str | None = None,
        delay: float = 0.0,
        reset: bool = False,
        content_type: str | None = None,
        retry_after: str | None = None,
        after_handler: bool = False,
        probability: float = 1.0,
        truncate: int | None = None,
    ) -> Fault:
        """Add a rule: ``sim.faults.add(method="GET", path="/app/.*", status=500, times=2)``.

        The keywords are the fields of ``Fault`` (see there); pass a ``Fault`` instead to
        reuse one. Returns the rule, whose ``hits`` count the requests it answered.
        """
        rule = (
            fault
            if fault is not None
            else Fault(
                method=method,
                path=path,
                times=times,
                status=status,
                error_code=error_code,
                error_message=error_message,
                body=body,
                delay=delay,
                reset=reset,
                content_type=content_type,
                retry_after=retry_after,
                after_handler=after_handler,
                probability=probability,
                truncate=truncate,
            )
        )
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first rule that applies to this request, counted as used."""
        for rule in self.rules:
            if rule.matches(method, path) and (
                rule.probability >= 1.0 or self._random.random() < rule.probability
            ):
                rule.hits += 1
                return rule
        return None
