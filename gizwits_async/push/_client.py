"""``client.push``: device reports over the cloud's M2M websocket, with a REST fallback.

One supervised task per endpoint (host:port) owns that socket: it logs in, subscribes, reads,
pings and reconnects, so there is never a second heartbeat after a re-login nor a reconnect
that cancels itself. While a socket is down, the devices on it are read through REST at a
bounded interval, so a host always has either live pushes or recent reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import random
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import aiohttp
import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.errors import (
    GizwitsAuthError,
    GizwitsConfigurationError,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsPushError,
    GizwitsTimeoutError,
)
from gizwits_async.models.datapoints import ProductDatapoints
from gizwits_async.models.devices import Device, DeviceStatus
from gizwits_async.models.events import (
    AttrsEvent,
    BindingEvent,
    ConnectionEvent,
    DeviceState,
    OnlineEvent,
    PushEvent,
    RawEvent,
    StateSource,
)
from gizwits_async.push._queue import CoalescingQueue, EventFilter, Unsubscribe

if TYPE_CHECKING:
    from gizwits_async.client import GizwitsClient

try:
    import orjson
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    _loads: Callable[[str], Any] = json.loads
else:
    _loads = orjson.loads

_LOGGER = logging.getLogger(__name__)

PUSH_PATH = "/ws/app/v1"
MAX_HEARTBEAT = 180
# s2c_invalid_msg codes: the socket was logged out (or never logged in): a new login is needed.
RELOGIN_CODES = frozenset({1009, 1003})
NO_HEARTBEAT = 1011

Callback = Callable[[PushEvent], Awaitable[None] | None]
# The waits between reconnects and between fallback reads (tests record them here).
sleep = asyncio.sleep


@attrs.frozen(repr=False, eq=False)
class PushOptions(Frozen):
    """How the push connects; ``start()`` takes each as a keyword."""

    heartbeat_interval: int = 180
    ping_interval: float = 60.0
    login_timeout: float = 10.0
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    stable_after: float = 60.0
    rest_interval: float | None = 60.0
    subscribe_batch: int = 100
    max_msg_size: int = 1 << 20
    queue_size: int = 1000

    def __attrs_post_init__(self) -> None:
        hb = self.heartbeat_interval
        if isinstance(hb, bool) or not isinstance(hb, int) or not 1 <= hb <= MAX_HEARTBEAT:
            raise ValueError(f"heartbeat_interval must be an int in 1..{MAX_HEARTBEAT}")
        if not 0 < self.ping_interval < hb:
            raise ValueError("ping_interval must be positive and shorter than heartbeat_interval")
        for name in ("login_timeout", "backoff_base", "backoff_max"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.backoff_max < self.backoff_base:
            raise ValueError("backoff_max must not be below backoff_base")
        if self.stable_after < 0:
            raise ValueError("stable_after must not be negative")
        if self.rest_interval is not None and not self.rest_interval > 0:
            raise ValueError("rest_interval must be positive, or None to disable the fallback")
        for name in ("subscribe_batch", "max_msg_size", "queue_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1")


def cut_did(did: Any) -> str | None:
    """The did of a frame; the cloud sometimes appends ``/usr...`` to it."""
    if not isinstance(did, str) or not did:
        return None
    return did.partition("/")[0] if "/" in did else did


def _bytes_or_list(value: list[Any]) -> bytes | list[Any]:
    """A byte array as ``bytes``; anything else (not all ints in 0..255) as it came."""
    try:
        return bytes(value)
    except (TypeError, ValueError):
        return value


class _Subscriber:
    """A callback with its filter; async callbacks run from a queue in their own task."""

    def __init__(self, push: Push, callback: Callback, wanted: EventFilter) -> None:
        self.push = push
        self.callback = callback
        self.filter = wanted
        self.is_async = inspect.iscoroutinefunction(callback)
        self.queue: CoalescingQueue | None = None
        self.task: asyncio.Task[None] | None = None

    def deliver(self, event: PushEvent) -> None:
        if not self.is_async:
            try:
                result = self.callback(event)
            except Exception:
                _LOGGER.exception("push callback %r raised", self.callback)
                return
            # A plain callback returns None: the awaitable check (an ABC check, 0.2 us) is skipped.
            if result is not None and inspect.isawaitable(result):
                self.push.track(_guarded(result, self.callback))
            return
        if self.queue is None or self.queue.closed:
            self.queue = CoalescingQueue(self.push.options.queue_size)
        self.queue.put(event)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain(self.queue))

    async def _drain(self, queue: CoalescingQueue) -> None:
        while (event := await queue.get()) is not None:
            try:
                await self.callback(event)  # type: ignore[misc]
            except Exception:
                _LOGGER.exception("push callback %r raised", self.callback)

    async def close(self) -> None:
        if self.queue is not None:
            self.queue.close()
            self.queue = None
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _guarded(result: Awaitable[Any], callback: Any) -> None:
    try:
        await result
    except Exception:
        _LOGGER.exception("push callback %r raised", callback)


class EventStream:
    """The events of ``push.events()``: ``async for event in stream``. It ends when the push
    stops or ``aclose()`` is called (``async with`` does that); ``coalesced`` counts the
    reports merged because the consumer lagged."""

    def __init__(self, push: Push, wanted: EventFilter, maxsize: int) -> None:
        self._push = push
        self.filter = wanted
        self._queue = CoalescingQueue(maxsize)

    def __repr__(self) -> str:
        return f"EventStream(waiting={len(self._queue)}, coalesced={self.coalesced})"

    @property
    def coalesced(self) -> int:
        """How many reports were merged into one already waiting."""
        return self._queue.coalesced

    @property
    def pending(self) -> int:
        """How many events wait to be read."""
        return len(self._queue)

    def deliver(self, event: PushEvent) -> None:
        """Queue an event (never blocks)."""
        self._queue.put(event)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PushEvent:
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        return event

    def end(self) -> None:
        """Stop after the events already waiting."""
        self._queue.close()
        self._push.forget_stream(self)

    async def aclose(self) -> None:
        """Stop receiving events."""
        self.end()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.end()


class Push:
    """Device reports as they happen, over the cloud's websocket (``client.push``).

    ``await push.start()`` lists the bindings, opens one socket per endpoint, logs in with the
    client's user token (the same ``TokenManager`` as REST: a cached token means no login),
    subscribes and asks every device for its state. From then on each socket reconnects by
    itself; ``stop()`` (or ``client.close()``) ends everything.
    """

    def __init__(self, client: GizwitsClient) -> None:
        self._client = client
        self.options = PushOptions()
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets
        self._endpoints: dict[str, _Endpoint] = {}
        self._devices: dict[str, Device] = {}
        self._datapoints: dict[str, ProductDatapoints | None] = {}
        self._binary: dict[str, frozenset[str]] = {}
        self._states: dict[str, DeviceState] = {}
        self._subscribers: list[_Subscriber] = []
        self._streams: list[EventStream] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wanted: frozenset[str] | None = None
        self._started = False
        self._relisting = False

    def __repr__(self) -> str:
        return (
            f"Push(started={self._started}, endpoints={sorted(self._endpoints)}, "
            f"devices={len(self._devices)}, connected={self.connected})"
        )

    # -- consumers -----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Every endpoint is logged in and subscribed right now."""
        return (
            self._started
            and bool(self._endpoints)
            and all(endpoint.connected for endpoint in self._endpoints.values())
        )

    @property
    def endpoints(self) -> list[str]:
        """The endpoints (``"host:port"``) the push has a socket for."""
        return sorted(self._endpoints)

    def subscribe(
        self,
        callback: Callback,
        *,
        dids: Collection[str] | None = None,
        kinds: Collection[type] | None = None,
    ) -> Unsubscribe:
        """Call ``callback(event)`` for every event (sync or async; one that raises is logged).
        Returns the function that unsubscribes."""
        if not callable(callback):
            raise TypeError("callback must be callable")
        subscriber = _Subscriber(self, callback, EventFilter(dids, kinds))
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)
                if subscriber.task is not None:
                    self.track(subscriber.close())

        return unsubscribe

    def events(
        self,
        *,
        dids: Collection[str] | None = None,
        kinds: Collection[type] | None = None,
        maxsize: int | None = None,
    ) -> EventStream:
        """The same events as an async iterator, with its own bounded queue (events from this
        call on)."""
        size = self.options.queue_size if maxsize is None else maxsize
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError("maxsize must be an int >= 1")
        stream = EventStream(self, EventFilter(dids, kinds), size)
        self._streams.append(stream)
        return stream

    def forget_stream(self, stream: EventStream) -> None:
        """A stream ended: stop feeding it."""
        if stream in self._streams:
            self._streams.remove(stream)

    def state(self, did: str) -> DeviceState | None:
        """The merged state of a device, or None if nothing is known of it."""
        return self._states.get(did)

    @property
    def dids(self) -> list[str]:
        """The devices the push follows."""
        return list(self._devices)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(
        self,
        dids: Collection[str] | None = None,
        *,
        heartbeat_interval: int = 180,
        ping_interval: float = 60.0,
        rest_interval: float | None = 60.0,
        login_timeout: float = 10.0,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        stable_after: float = 60.0,
        subscribe_batch: int = 100,
        max_msg_size: int = 1 << 20,
        queue_size: int = 1000,
        rng: random.Random | None = None,
    ) -> None:
        """Log in on every endpoint and subscribe ``dids`` (None: every bound device).

        Returns once each socket was logged in and subscribed, or failed its first attempt
        (it then keeps retrying with backoff, and ``ConnectionEvent``s say how it goes).
        ``rest_interval``: seconds between REST reads of a disconnected endpoint's devices
        (None: no fallback). ``rng`` seeds the reconnect jitter.
        """
        if self._started:
            raise RuntimeError("push is already started; stop() it first")
        if isinstance(dids, str):
            raise TypeError("dids must be a collection of dids, not one string")
        self.options = PushOptions(
            heartbeat_interval=heartbeat_interval,
            ping_interval=ping_interval,
            login_timeout=login_timeout,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            stable_after=stable_after,
            rest_interval=rest_interval,
            subscribe_batch=subscribe_batch,
            max_msg_size=max_msg_size,
            queue_size=queue_size,
        )
        if rng is not None:
            self._rng = rng
        client = self._client
        if client.token is None and client._automatic_login() is None:  # noqa: SLF001
            raise GizwitsConfigurationError("push needs a user token or credentials to log in with")
        await client._auth.ensure_token()  # noqa: SLF001 - the client's one TokenManager
        self._wanted = frozenset(dids) if dids is not None else None
        self._started = True
        try:
            await self._sync_bindings()
            await asyncio.gather(*(e.first_attempt.wait() for e in self._endpoints.values()))
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close every socket, end every ``events()`` iterator; no task is left behind."""
        self._started = False
        endpoints = list(self._endpoints.values())
        self._endpoints.clear()
        await asyncio.gather(*(endpoint.close() for endpoint in endpoints))
        for stream in list(self._streams):
            stream.end()
        await asyncio.gather(*(sub.close() for sub in self._subscribers))
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._devices.clear()

    def track(self, awaitable: Awaitable[Any]) -> None:
        """Run a side task that ``stop()`` ends."""
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- devices ---------------------------------------------------------------------------

    async def _sync_bindings(self) -> None:  # noqa: C901 - one pass over the listing
        """List the bindings; follow new devices (on their endpoints), forget removed ones."""
        listed: dict[str, Device] = {}
        async for device in self._client.bindings.list(page_size=100):
            if self._wanted is None or device.did in self._wanted:
                listed[device.did] = device
        for key in {d.product_key for d in listed.values() if d.product_key}:
            if key not in self._datapoints:
                await self._load_datapoints(key)
        if not self._started:
            return
        removed = set(self._devices) - set(listed)
        for did in removed:
            del self._devices[did]
            self._states.pop(did, None)
            for endpoint in self._endpoints.values():
                endpoint.forget(did)
        added: dict[str, list[str]] = {}
        for did, device in listed.items():
            if did in self._devices:
                continue
            try:
                endpoint_name = self._endpoint_of(device)
            except GizwitsPushError:
                _LOGGER.warning("device %s has no push endpoint in its binding; not followed", did)
                continue
            self._devices[did] = device
            added.setdefault(endpoint_name, []).append(did)
        for name, new_dids in added.items():
            existing = self._endpoints.get(name)
            if existing is not None:
                await existing.follow(new_dids)
                continue
            endpoint = _Endpoint(self, name, self._url_of(name))
            self._endpoints[name] = endpoint
            endpoint.dids.extend(new_dids)
            endpoint.start()

    async def _load_datapoints(self, product_key: str) -> None:
        try:
            definition = await self._client.devices.datapoints(product_key)
        except GizwitsError as err:
            _LOGGER.info(
                "no datapoints for product %s (%s); binary values are decoded by shape",
                product_key,
                type(err).__name__,
            )
            self._datapoints[product_key] = None
            return
        self._datapoints[product_key] = definition
        self._binary[product_key] = frozenset(
            name for name, point in definition.datapoints.items() if point.data_type == "binary"
        )

    def _endpoint_of(self, device: Device) -> str:
        secure = self._client.base_url.startswith("https://")
        port = device.wss_port if secure else device.ws_port
        if not device.host or port is None:
            raise GizwitsPushError(f"device {device.did} has no push endpoint in its binding")
        return f"{device.host}:{port}"

    def _url_of(self, endpoint: str) -> str:
        scheme = "wss" if self._client.base_url.startswith("https://") else "ws"
        return f"{scheme}://{endpoint}{PUSH_PATH}"

    def _binary_names(self, did: str) -> frozenset[str] | None:
        device = self._devices.get(did)
        if device is None or device.product_key is None:
            return None
        return self._binary.get(device.product_key)

    # -- incoming --------------------------------------------------------------------------

    def emit(self, event: PushEvent) -> None:
        """Hand an event to every consumer that wants it (never blocks)."""
        for subscriber in list(self._subscribers):
            if subscriber.filter.wants(event):
                subscriber.deliver(event)
        for stream in list(self._streams):
            if stream.filter.wants(event):
                stream.deliver(event)

    def decode_attrs(self, did: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Attrs as a user gets them: binary datapoints (byte arrays) as ``bytes``."""
        decoded = dict(attrs)
        lists = [name for name, value in attrs.items() if type(value) is list]
        if lists:
            binary = self._binary_names(did)
            for name in lists:
                if binary is None or name in binary:
                    decoded[name] = _bytes_or_list(decoded[name])
        return decoded

    def merge(
        self, did: str, attrs: dict[str, Any], source: StateSource, online: bool | None = None
    ) -> DeviceState:
        """Merge a report into the device's state; the new state replaces the old."""
        old = self._states.get(did)
        merged = {**old.attrs, **attrs} if old is not None else attrs
        state = DeviceState(
            did=did,
            attrs=merged,
            online=online if online is not None else (old.online if old is not None else None),
            updated_at=datetime.now(UTC),
            source=source,
        )
        self._states[did] = state
        return state

    def on_report(self, did: str, attrs: Mapping[str, Any]) -> None:
        """An ``s2c_noti``: merge and tell the consumers."""
        if did not in self._devices:
            _LOGGER.debug("report for a device not followed: %s", did)
            return
        decoded = self.decode_attrs(did, attrs)
        state = self.merge(did, decoded, StateSource.PUSH)
        self.emit(AttrsEvent(did=did, attrs=decoded, state=state))

    def on_online(self, did: str, online: bool) -> None:
        """An ``s2c_online_status``."""
        if did not in self._devices:
            return
        old = self._states.get(did)
        self._states[did] = (
            attrs.evolve(old, online=online)
            if old is not None
            else DeviceState(did=did, online=online)
        )
        self.emit(OnlineEvent(did=did, online=online))

    def on_binding(self, did: str, bound: bool) -> None:
        """An ``s2c_binding_changed``: tell, then re-list the bindings."""
        self.emit(BindingEvent(did=did, bound=bound))
        if not self._relisting:
            self._relisting = True
            self.track(self._relist())

    async def _relist(self) -> None:
        try:
            await self._sync_bindings()
        except GizwitsError as err:
            _LOGGER.warning("could not re-list bindings after a change: %s", type(err).__name__)
        finally:
            self._relisting = False

    def on_rest(self, status: DeviceStatus) -> None:
        """A REST read of a device whose socket is down."""
        did = status.did
        if did not in self._devices or not status.attrs:
            return
        decoded = dict(status.attrs)
        binary = self._binary_names(did) or frozenset()
        for name in binary & decoded.keys():
            value = decoded[name]
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    decoded[name] = bytes.fromhex(value)
        state = self.merge(did, decoded, StateSource.REST)
        self.emit(AttrsEvent(did=did, attrs=decoded, state=state))

    # -- outgoing --------------------------------------------------------------------------

    def _route(self, did: str) -> tuple[Device, _Endpoint]:
        if not isinstance(did, str) or not did:
            raise ValueError("did must be a non-empty string")
        device = self._devices.get(did)
        if device is None:
            raise ValueError(f"did {did!r} is not a device this push follows")
        endpoint = self._endpoints.get(self._endpoint_of(device))
        if endpoint is None:
            raise GizwitsConnectionError("push is not started", request_sent=False)
        return device, endpoint

    async def read(self, did: str, names: Collection[str] | None = None) -> None:
        """``c2s_read``: ask the device for its values; the answer arrives as an
        ``AttrsEvent``."""
        _, endpoint = self._route(did)
        data: dict[str, Any] = {"did": did}
        if names is not None:
            if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
                raise TypeError("names must be a collection of datapoint names")
            data["names"] = list(names)
        await endpoint.send({"cmd": "c2s_read", "data": data})

    async def write(self, did: str, attrs: Mapping[str, Any]) -> None:
        """``c2s_write``: send datapoint values over the socket, checked against the
        product's datapoints when known (binary padded to its length, sent as a byte array).

        The cloud is only known to reach devices through REST ``devices.control``; the push
        then reports the new state.
        """
        device, endpoint = self._route(did)
        if not isinstance(attrs, Mapping) or not attrs:
            raise ValueError("attrs must be a non-empty mapping")
        definition = self._datapoints.get(device.product_key or "")
        wire: dict[str, Any] = {}
        if definition is not None:
            checked = definition.validate(attrs)
            binary = self._binary.get(device.product_key or "", frozenset())
            for name, value in checked.items():
                wire[name] = list(bytes.fromhex(value)) if name in binary else value
        else:
            for name, value in attrs.items():
                wire[name] = list(value) if isinstance(value, bytes | bytearray) else value
        await endpoint.send({"cmd": "c2s_write", "data": {"did": did, "attrs": wire}})


class _ReloginError(GizwitsPushError):
    """The cloud logged the socket out: the token it used is to be replaced."""


class _Endpoint:
    """One socket to one endpoint, and the one task that owns it."""

    def __init__(self, push: Push, name: str, url: str) -> None:
        self.push = push
        self.name = name
        self.url = url
        self.dids: list[str] = []
        self.connected = False
        self.first_attempt = asyncio.Event()
        self.attempts = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._fallback: asyncio.Task[None] | None = None
        self._announced: bool | None = None
        self._token: str | None = None

    def __repr__(self) -> str:
        return f"_Endpoint({self.name!r}, connected={self.connected}, devices={len(self.dids)})"

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"gizwits-push {self.name}"
        )

    async def close(self) -> None:
        for task in (self._task, self._fallback):
            if task is not None and not task.done():
                task.cancel()
        for task in (self._task, self._fallback):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._fallback = None
        await self._close_socket()
        self.connected = False

    async def _close_socket(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            with contextlib.suppress(Exception):
                await ws.close()

    # -- the supervisor --------------------------------------------------------------------

    async def _supervise(self) -> None:
        options = self.push.options
        failures = 0
        refused_before = False
        loop = asyncio.get_running_loop()
        while True:
            self.attempts += 1
            logged_in_at: float | None = None
            error: GizwitsError = GizwitsPushError(f"push socket to {self.name} ended")
            auth_failed = refused = False
            try:
                logged_in_at = await self._connect()
                await self._serve()
            except asyncio.CancelledError:
                raise
            except _ReloginError as err:
                error = err
                # A token refused twice in a row, a fresh one included: as bad as a failed
                # login, so wait the cap instead of logging in again and again.
                refused = err.code is None
                auth_failed = refused and refused_before
                if self._token is not None:
                    self.push._client._auth.invalidate(self._token)  # noqa: SLF001
            except GizwitsAuthError as err:
                error, auth_failed = err, True
            except GizwitsError as err:
                error = err
            except (aiohttp.ClientError, OSError) as err:
                error = GizwitsPushError(f"push socket to {self.name} failed: {type(err).__name__}")
            finally:
                self.connected = False
                self._token = None
                await self._close_socket()
            refused_before = refused
            stayed = loop.time() - logged_in_at if logged_in_at is not None else 0.0
            if logged_in_at is not None and stayed >= options.stable_after:
                failures = 0
            _LOGGER.info("push socket to %s is down: %s", self.name, error)
            self._announce(connected=False, error=error)
            self.first_attempt.set()
            self._start_fallback()
            if auth_failed:
                delay = options.backoff_max
            else:
                ceiling = min(options.backoff_max, options.backoff_base * 2**failures)
                delay = self.push._rng.uniform(0, ceiling)  # noqa: SLF001
            failures = min(failures + 1, 32)
            await sleep(delay)

    def _announce(self, *, connected: bool, error: GizwitsError | None = None) -> None:
        if self._announced is connected:
            return
        self._announced = connected
        self.push.emit(ConnectionEvent(endpoint=self.name, connected=connected, error=error))

    def _start_fallback(self) -> None:
        if self.push.options.rest_interval is None:
            return
        if self._fallback is None or self._fallback.done():
            self._fallback = asyncio.get_running_loop().create_task(self._rest_fallback())

    def _stop_fallback(self) -> None:
        if self._fallback is not None and not self._fallback.done():
            self._fallback.cancel()
        self._fallback = None

    async def _rest_fallback(self) -> None:
        interval = self.push.options.rest_interval
        assert interval is not None  # noqa: S101 - checked by the caller
        while True:
            await sleep(interval)
            if not self.dids:
                continue
            result = await self.push._client.devices.latest_many(list(self.dids))  # noqa: SLF001
            for status in result.succeeded.values():
                self.push.on_rest(status)
            if result.failed:
                _LOGGER.info(
                    "REST fallback for %s: %d of %d reads failed",
                    self.name,
                    len(result.failed),
                    len(self.dids),
                )

    # -- one connection ------------------------------------------------------------------

    async def _connect(self) -> float:
        """Open, log in, subscribe; returns the loop time of the login."""
        push = self.push
        options = push.options
        client = push._client  # noqa: SLF001
        token = await client._auth.ensure_token()  # noqa: SLF001
        session = client._get_session()  # noqa: SLF001
        async with asyncio.timeout(options.login_timeout):
            ws = await session.ws_connect(
                self.url,
                autoping=True,
                max_msg_size=options.max_msg_size,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=options.login_timeout),
                ssl=client._transport._ssl,  # noqa: SLF001
            )
        self._ws = ws
        self._token = token.token
        _LOGGER.debug("push socket to %s open; logging in", self.name)
        await self._send(
            {
                "cmd": "login_req",
                "data": {
                    "appid": client.app_id,
                    "uid": token.uid,
                    "token": token.token,
                    "p0_type": "attrs_v4",
                    "heartbeat_interval": options.heartbeat_interval,
                    "auto_subscribe": False,
                },
            }
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + options.login_timeout
        frame = await self._wait_for("login_res", deadline)
        data = frame.get("data")
        if not isinstance(data, dict) or data.get("success") is not True:
            raise _ReloginError(f"push login on {self.name} refused")
        logged_in_at = loop.time()
        batches = await self._subscribe(list(self.dids))
        for _ in range(batches):
            self._handle(await self._wait_for("subscribe_res", deadline))
        self.connected = True
        self._stop_fallback()
        _LOGGER.info("push socket to %s logged in, %d devices", self.name, len(self.dids))
        self._announce(connected=True)
        self.first_attempt.set()
        for did in list(self.dids):
            await self._send({"cmd": "c2s_read", "data": {"did": did}})
        return logged_in_at

    async def _subscribe(self, dids: list[str]) -> int:
        size = self.push.options.subscribe_batch
        batches = 0
        for start in range(0, len(dids), size):
            batch = [{"did": did} for did in dids[start : start + size]]
            await self._send({"cmd": "subscribe_req", "data": batch})
            batches += 1
        return batches

    async def follow(self, dids: list[str]) -> None:
        """Follow more devices on this socket (a new binding)."""
        self.dids.extend(dids)
        if self.connected:
            await self._subscribe(dids)
            for did in dids:
                await self._send({"cmd": "c2s_read", "data": {"did": did}})

    def forget(self, did: str) -> None:
        """Stop following a device (unbound); the protocol has no unsubscribe."""
        if did in self.dids:
            self.dids.remove(did)

    async def send(self, frame: dict[str, Any]) -> None:
        """Send a frame for a caller; only on a logged-in socket."""
        if not self.connected or self._ws is None:
            raise GizwitsConnectionError(
                f"push socket to {self.name} is not connected", request_sent=False
            )
        await self._send(frame)

    async def _send(self, frame: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            raise GizwitsPushError(f"push socket to {self.name} is closed")
        _LOGGER.debug("push %s <- %s", self.name, frame["cmd"])
        await ws.send_str(json.dumps(frame, separators=(",", ":")))

    async def _wait_for(self, cmd: str, deadline: float) -> dict[str, Any]:
        """Read until a frame of ``cmd`` arrives (handling others), or time out."""
        loop = asyncio.get_running_loop()
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise GizwitsTimeoutError(f"push socket to {self.name}: no {cmd} in time")
            try:
                frame = await self._receive(left)
            except TimeoutError:
                continue
            if frame is not None and frame.get("cmd") == cmd:
                return frame
            if frame is not None and (reply := self._handle(frame)) is not None:
                await self._send(reply)

    async def _receive(self, timeout: float | None) -> dict[str, Any] | None:
        """The next frame as a dict; None for one that is malformed (logged)."""
        ws = self._ws
        assert ws is not None  # noqa: S101 - only called while connected
        message = await ws.receive(timeout=timeout)
        if message.type is aiohttp.WSMsgType.TEXT:
            return self._parse(message.data)
        if message.type is aiohttp.WSMsgType.BINARY:
            return self._parse(message.data.decode("utf-8", "replace"))
        if message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.CLOSED,
        ):
            raise GizwitsPushError(
                f"push socket to {self.name} closed (code {ws.close_code})", code=ws.close_code
            )
        if message.type is aiohttp.WSMsgType.ERROR:
            raise GizwitsPushError(
                f"push socket to {self.name} failed: {type(message.data).__name__}",
                code=ws.close_code,
            )
        return None

    def _parse(self, text: str) -> dict[str, Any] | None:
        try:
            frame = _loads(text)
        except ValueError:
            _LOGGER.warning("push %s: a frame that is not JSON, skipped", self.name)
            return None
        if not isinstance(frame, dict) or not isinstance(frame.get("cmd"), str):
            _LOGGER.warning("push %s: a frame without a cmd, skipped", self.name)
            return None
        return frame

    async def _serve(self) -> None:
        """Read frames and ping, until the socket dies.

        One deadline per ping period (the next ping, or the moment the socket counts as dead)
        rather than a timeout per frame: a busy socket pays for no timer per notification.
        """
        options = self.push.options
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        next_ping = last_heard + options.ping_interval
        dead_after = 2 * options.ping_interval
        while True:
            now = loop.time()
            if now - last_heard >= dead_after:
                # A loop that was busy elsewhere may not have read what already arrived.
                try:
                    frame = await self._receive(0.001)
                except TimeoutError:
                    raise GizwitsPushError(
                        f"push socket to {self.name}: nothing heard for {dead_after:g} s"
                    ) from None
                last_heard = now = loop.time()
                if frame is not None and (reply := self._handle(frame)) is not None:
                    await self._send(reply)
            if now >= next_ping:
                await self._send({"cmd": "ping"})
                next_ping = now + options.ping_interval
            try:
                async with asyncio.timeout_at(min(next_ping, last_heard + dead_after)):
                    while True:
                        frame = await self._receive(None)
                        last_heard = loop.time()
                        if frame is not None and (reply := self._handle(frame)) is not None:
                            await self._send(reply)
            except TimeoutError:
                continue

    def _handle(self, frame: dict[str, Any]) -> dict[str, Any] | None:  # noqa: C901, PLR0911, PLR0912
        """Act on one frame from the server; shapes that do not fit are logged and skipped.
        Returns the frame to answer with, if any (the ``c2s_ack`` of a report)."""
        cmd = frame["cmd"]
        data = frame.get("data")
        push = self.push
        if cmd == "s2c_noti":
            if not isinstance(data, dict) or not isinstance(data.get("attrs"), dict):
                _LOGGER.warning("push %s: s2c_noti without attrs, skipped", self.name)
                return None
            did = cut_did(data.get("did"))
            if did is None:
                _LOGGER.warning("push %s: s2c_noti without a did, skipped", self.name)
                return None
            push.on_report(did, data["attrs"])
            req_sn = frame.get("req_sn")
            if req_sn is not None:
                return {"cmd": "c2s_ack", "data": {"res_sn": req_sn, "did": did}}
        elif cmd == "pong":
            return None
        elif cmd == "s2c_online_status":
            did = cut_did(data.get("did")) if isinstance(data, dict) else None
            online = data.get("online", data.get("is_online")) if isinstance(data, dict) else None
            if did is None or not isinstance(online, bool):
                _LOGGER.warning("push %s: malformed s2c_online_status, skipped", self.name)
                return None
            push.on_online(did, online)
        elif cmd == "s2c_binding_changed":
            did = cut_did(data.get("did")) if isinstance(data, dict) else None
            bound = data.get("bind") if isinstance(data, dict) else None
            if did is None or not isinstance(bound, bool):
                _LOGGER.warning("push %s: malformed s2c_binding_changed, skipped", self.name)
                return None
            push.on_binding(did, bound)
        elif cmd == "s2c_raw":
            did = cut_did(data.get("did")) if isinstance(data, dict) else None
            raw = data.get("raw") if isinstance(data, dict) else None
            if did is None or not isinstance(raw, list):
                _LOGGER.warning("push %s: malformed s2c_raw, skipped", self.name)
                return None
            payload = _bytes_or_list(raw)
            if isinstance(payload, bytes) and did in push._devices:  # noqa: SLF001
                push.emit(RawEvent(did=did, raw=payload))
        elif cmd == "s2c_invalid_msg":
            code = data.get("error_code") if isinstance(data, dict) else None
            message = data.get("msg") if isinstance(data, dict) else None
            text = f"push socket to {self.name}: cloud said {code} {message!r}"
            if code in RELOGIN_CODES:
                raise _ReloginError(text, code=code)
            raise GizwitsPushError(text, code=code if isinstance(code, int) else None)
        elif cmd == "subscribe_res":
            failed = data.get("failed") if isinstance(data, dict) else None
            if failed:
                _LOGGER.warning("push %s: %d devices not subscribed", self.name, len(failed))
        elif cmd in ("s2c_ack", "login_res"):
            _LOGGER.debug("push %s -> %s", self.name, cmd)
        else:
            _LOGGER.warning("push %s: unknown cmd %r, skipped", self.name, cmd[:40])
        return None


async def watch_push(
    client: GizwitsClient,
    dids: Collection[str] | None,
    print_line: Callable[[str], None],
    *,
    count: int | None = None,
) -> int:
    """What ``gizwits-async watch --push`` does: print pushed changes and reconnects live."""
    push = client.push
    stream = push.events()
    seen = 0
    try:
        await push.start(dids)
        async for event in stream:
            print_line(describe(event))
            seen += 1
            if count is not None and seen >= count:
                break
    finally:
        await stream.aclose()
        await push.stop()
    return seen


def describe(event: PushEvent) -> str:
    """One line for an event, as ``watch --push`` prints it."""
    if isinstance(event, AttrsEvent):
        shown = ", ".join(
            f"{k}={v.hex() if isinstance(v, bytes) else v}" for k, v in sorted(event.attrs.items())
        )
        source = event.state.source.value if event.state.source else "?"
        return f"{event.did} [{source}] {shown}"
    if isinstance(event, OnlineEvent):
        return f"{event.did} {'online' if event.online else 'offline'}"
    if isinstance(event, BindingEvent):
        return f"{event.did} {'bound' if event.bound else 'unbound'}"
    if isinstance(event, RawEvent):
        return f"{event.did} raw {event.raw.hex()}"
    state = "connected" if event.connected else "disconnected"
    reason = f" ({event.error})" if event.error is not None else ""
    return f"push {event.endpoint} {state}{reason}"
