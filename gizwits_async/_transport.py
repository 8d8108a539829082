"""The one request path: every HTTP call of the SDK goes through ``Transport.request``.

Per attempt: build URL and headers, attach the token, send under the attempt's timeout, read
the body, classify the outcome, then either return the decoded JSON, retry, replay once with a
fresh token, or raise the mapped ``GizwitsError``.

Retry rules (see README, "Retries and idempotency"):

* connect errors, HTTP 429 and 9041 are retried for every method: the server did nothing;
* read errors, timeouts and 5xx are retried only for idempotent calls: a POST that may have
  reached the server is never resent;
* 9004/9006 invalidate the token that request sent, and the request is replayed once.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

import aiohttp
import backoff

from gizwits_async import _json
from gizwits_async._redact import redact_text
from gizwits_async.errors import (
    TOKEN_ERROR_CODES,
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsConfigurationError,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsTimeoutError,
    make_api_error,
)
from gizwits_async.models._envelopes import decode_into

if TYPE_CHECKING:
    from gizwits_async.auth import AppTokenManager, TokenManager

_LOGGER = logging.getLogger(__name__)

APP_ID_HEADER: Final = "X-Gizwits-Application-Id"
USER_TOKEN_HEADER: Final = "X-Gizwits-User-token"  # noqa: S105 - a header name
APP_TOKEN_HEADER: Final = "X-Gizwits-Application-Token"  # noqa: S105 - a header name
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_BODY_EXCERPT: Final = 200
# How much of a body is searched for secrets before the excerpt is cut from it.
_BODY_SCAN: Final = 4096

# The module's sleep, looked up at call time so tests can patch it.
sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Auth(enum.Enum):
    """Which credentials a call carries besides the application id."""

    NONE = "none"
    USER = "user"
    APP_TOKEN = "app_token"  # noqa: S105 - a credential kind, not a secret


class _Retryable(Exception):  # noqa: N818 - internal control flow, never escapes
    def __init__(self, error: GizwitsError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class _RetryBudget:
    """What one call has left to spend on retries: a count, a deadline, the backoff waits."""

    def __init__(self, transport: Transport, retries: int, deadline: float) -> None:
        self._transport = transport
        self._retries = retries
        self._deadline = deadline
        self._waits: Iterator[float] | None = None

    def next_delay(self, retry: _Retryable, now: float) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if self._retries <= 0:
            return None
        if retry.retry_after is not None:
            delay = retry.retry_after
        else:
            if self._waits is None:
                self._waits = backoff.expo(
                    base=2,
                    factor=self._transport.backoff_factor,
                    max_value=self._transport.backoff_max,
                )
                next(self._waits)  # the generator's first value is a priming 0
            delay = backoff.full_jitter(next(self._waits))
        if now + delay >= self._deadline:
            return None
        self._retries -= 1
        return delay


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN  # noqa: PLR0124
        return None
    return max(0.0, seconds)


def _excerpt(body: bytes, hidden: tuple[str, ...] = ()) -> str:
    """The start of a body that is not JSON, for an error message, with secrets hidden: a cut
    off login answer still holds the start of its token."""
    text = body[:_BODY_SCAN].decode("utf-8", "replace")
    return redact_text(text, hidden)[:_BODY_EXCERPT]


def _hidden_segments(path: str, log_path: str | None) -> tuple[str, ...]:
    """The path segments ``log_path`` hides (a share code), to keep them out of excerpts."""
    if log_path is None:
        return ()
    shown = log_path.split("/")
    segments = path.split("?", 1)[0].split("/")
    hidden = [seg for seg, alias in zip(segments, shown, strict=False) if seg != alias]
    # A quoted segment may come back from a proxy decoded.
    return tuple({*hidden, *(unquote(seg) for seg in hidden)})


def _read_error_body(data: Any) -> tuple[int | None, str | None, Any]:
    """Pull ``error_code`` (int or numeric string), message and detail out of an error body."""
    if not isinstance(data, dict):
        return None, None, None
    raw_code = data.get("error_code")
    code: int | None
    if isinstance(raw_code, bool):
        code = None
    elif isinstance(raw_code, int):
        code = raw_code
    elif isinstance(raw_code, str) and raw_code.strip().isdigit():
        code = int(raw_code)
    else:
        code = None
    message = data.get("error_message")
    detail = data.get("detail_message")
    if detail is None:
        detail = data.get("detail")
    return code, message if isinstance(message, str) else None, detail


class Transport:
    """Sends requests for one client. Resources call ``request``; nothing else touches aiohttp."""

    def __init__(
        self,
        *,
        app_id: str,
        base_url: str,
        get_session: Callable[[], aiohttp.ClientSession],
        request_timeout: float,
        total_timeout: float,
        max_retries: int,
        max_retry_after: float,
        backoff_factor: float = 0.5,
        backoff_max: float = 8.0,
        ssl: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.total_timeout = total_timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self._get_session = get_session
        # True means "verify with the default context", as aiohttp documents it.
        self._ssl: bool = bool(ssl)
        self._base_headers: dict[str, str] = {APP_ID_HEADER: app_id}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self.user_auth: TokenManager | None = None
        self.app_auth: AppTokenManager | None = None

    def with_options(
        self,
        *,
        get_session: Callable[[], aiohttp.ClientSession],
        max_retries: int | None = None,
        request_timeout: float | None = None,
        total_timeout: float | None = None,
    ) -> Transport:
        """A transport with other settings sharing this one's credentials."""
        other = copy.copy(self)
        other._get_session = get_session  # noqa: SLF001 - a copy of this very class
        if max_retries is not None:
            other.max_retries = max_retries
        if request_timeout is not None:
            other.request_timeout = request_timeout
        if total_timeout is not None:
            other.total_timeout = total_timeout
        return other

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth = Auth.USER,
        idempotent: bool | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        log_path: str | None = None,
        into: Any = None,
    ) -> Any:
        """Send one logical call (with its retries) and return the decoded JSON body or None.

        With ``into`` (a model class or a shape of ``models._envelopes``) the body is decoded
        into it; one that does not fit raises ``GizwitsResponseError`` naming status, method,
        path and field. ``log_path`` replaces ``path`` in logs and error messages when the
        path carries a secret (a share code).
        """
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempt_timeout = self.request_timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (
            self.total_timeout if timeout is None else max(self.total_timeout, timeout)
        )
        budget: _RetryBudget | None = None  # made on the first retryable failure only
        replayed_for_token = False
        attempt = 0
        url = self.base_url + path
        hidden = _hidden_segments(path, log_path)
        path = log_path or path
        while True:
            attempt += 1
            request_headers, sent_token = self._prepare_headers(auth, headers)
            if sent_token is None and auth is not Auth.NONE:
                sent_token = await self._attach_credentials(auth, request_headers)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise GizwitsTimeoutError(f"{method} {path}: the call's total deadline ran out")
            try:
                return await self._attempt(
                    method,
                    url,
                    path,
                    params=params,
                    json_body=json_body,
                    headers=request_headers,
                    timeout=min(attempt_timeout, remaining),
                    idempotent=idempotent,
                    attempt=attempt,
                    hidden=hidden,
                    into=into,
                )
            except GizwitsAPIError as err:
                if not self._replay_after_token_error(err, auth, sent_token, replayed_for_token):
                    raise
                replayed_for_token = True
                _LOGGER.debug("%s %s: token refused, renewing and replaying once", method, path)
            except _Retryable as retry:
                if budget is None:
                    retries = self.max_retries if max_retries is None else max_retries
                    budget = _RetryBudget(self, retries, deadline)
                delay = budget.next_delay(retry, loop.time())
                if delay is None:
                    raise retry.error from retry.__cause__
                _LOGGER.debug(
                    "%s %s: attempt %d failed (%s), retrying in %.2fs",
                    method,
                    path,
                    attempt,
                    type(retry.error).__name__,
                    delay,
                )
                await sleep(delay)

    def _prepare_headers(
        self, auth: Auth, extra: Mapping[str, str] | None
    ) -> tuple[dict[str, str], str | None]:
        """Headers for one attempt, with the cached user token when it is fresh (the usual
        case costs no await); the token is None when one still has to be obtained."""
        headers = dict(self._base_headers)
        if extra:
            headers.update(extra)
        if auth is Auth.USER and self.user_auth is not None:
            cached = self.user_auth.fresh_token()
            if cached is not None:
                headers[USER_TOKEN_HEADER] = cached.token
                return headers, cached.token
        return headers, None

    async def _attach_credentials(self, auth: Auth, headers: dict[str, str]) -> str | None:
        if auth is Auth.USER:
            if self.user_auth is None:
                raise GizwitsConfigurationError("this call needs a user; log in first")
            user_token = await self.user_auth.ensure_token()
            headers[USER_TOKEN_HEADER] = user_token.token
            return user_token.token
        if auth is Auth.APP_TOKEN:
            if self.app_auth is None:
                raise GizwitsConfigurationError("this call needs an application token")
            app_token = await self.app_auth.ensure_token()
            headers[APP_TOKEN_HEADER] = app_token.token
            return app_token.token
        return None

    def _replay_after_token_error(
        self, err: GizwitsAPIError, auth: Auth, sent_token: str | None, replayed: bool
    ) -> bool:
        """On 9004/9006: drop the token that request sent and say to replay it, once.

        The server refused the request, so replaying it is safe; a second refusal means the
        renewed token is refused too, which is an authentication failure, not a loop.
        """
        if err.error_code not in TOKEN_ERROR_CODES or auth is Auth.NONE:
            return False
        if replayed:
            raise GizwitsAuthError(
                err.status, err.error_code, err.error_message, err.detail
            ) from err
        self._invalidate(auth, sent_token)
        return True

    def _invalidate(self, auth: Auth, token: str | None) -> None:
        if token is None:
            return
        if auth is Auth.USER and self.user_auth is not None:
            self.user_auth.invalidate(token)
        elif auth is Auth.APP_TOKEN and self.app_auth is not None:
            self.app_auth.invalidate(token)

    async def _attempt(
        self,
        method: str,
        url: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None,
        json_body: Any,
        headers: dict[str, str],
        timeout: float,
        idempotent: bool,
        attempt: int,
        hidden: tuple[str, ...] = (),
        into: Any = None,
    ) -> Any:
        session = self._get_session()
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            client_timeout = aiohttp.ClientTimeout(total=timeout)
            if len(self._timeouts) < 64:
                self._timeouts[timeout] = client_timeout
        try:
            async with session.request(
                method,
                url,
                params=params,
                json=json_body,
                headers=headers,
                ssl=self._ssl,
                timeout=client_timeout,
            ) as response:
                status = response.status
                body = await response.read()
                retry_after_header = response.headers.get("Retry-After")
        except aiohttp.ClientConnectorCertificateError as err:
            raise GizwitsConnectionError(
                f"{method} {path}: TLS certificate verification failed", request_sent=False
            ) from err
        except aiohttp.ClientConnectorError as err:
            # The connection was never made: the server cannot have seen the request.
            raise _Retryable(
                GizwitsConnectionError(f"{method} {path}: cannot connect", request_sent=False)
            ) from err
        except TimeoutError as err:
            timeout_error = GizwitsTimeoutError(
                f"{method} {path}: no response within {timeout:.1f}s"
            )
            if idempotent:
                raise _Retryable(timeout_error) from err
            raise timeout_error from err
        except aiohttp.ClientError as err:
            error = GizwitsConnectionError(f"{method} {path}: {type(err).__name__}")
            if idempotent:
                raise _Retryable(error) from err
            raise error from err

        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s %s -> %d (attempt %d)", method, path, status, attempt)
        return self._classify(
            method,
            path,
            status,
            body,
            retry_after_header,
            idempotent=idempotent,
            hidden=hidden,
            into=into,
        )

    def _classify(
        self,
        method: str,
        path: str,
        status: int,
        body: bytes,
        retry_after_header: str | None,
        *,
        idempotent: bool,
        hidden: tuple[str, ...] = (),
        into: Any = None,
    ) -> Any:
        data: Any = None
        decoded = True
        if body and not body.isspace():
            try:
                data = _json.loads(body)
            except ValueError:
                decoded = False
        code, message, detail = _read_error_body(data) if decoded else (None, None, None)
        if 200 <= status < 300 and not code:
            if not decoded:
                raise GizwitsResponseError(
                    f"{method} {path}: response is not JSON",
                    status=status,
                    body=_excerpt(body, hidden),
                )
            if into is None:
                return data
            return decode_into(data, into, status=status, where=f"{method} {path}")
        if message is None and not decoded:
            message = _excerpt(body, hidden)
        if status == 429 or code == ErrorCode.REQUEST_THROTTLED:
            retry_after = parse_retry_after(retry_after_header)
            throttled = GizwitsRateLimitError(
                status, code, message, detail, retry_after=retry_after
            )
            if retry_after is not None and retry_after > self.max_retry_after:
                raise throttled
            raise _Retryable(throttled, retry_after)
        error = make_api_error(status, code, message, detail)
        if (status >= 500 or code == ErrorCode.SERVER_ERROR) and idempotent:
            raise _Retryable(error)
        raise error
