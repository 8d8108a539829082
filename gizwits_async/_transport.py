"""The one request path: every HTTP call of the SDK goes through ``Transport.request``.

Per attempt: build URL and headers, attach the token, send under the attempt's timeout, read
the body, classify the outcome, then either return the decoded JSON, retry, replay once with a
fresh token, or raise the mapped ``GizwitsError``.

Retry rules (see README, "Retries and idempotency"):

* connect errors, HTTP 429 and 9041 are retried for every method: the server did nothing;
* read errors, timeouts and 5xx are retried only for idempotent calls: a POST that may have
  reached the server is never resent;
* 9004/9006 invalidate the token that request sent, and the request is replayed once;
* a resend after an attempt that may have been applied (its answer lost) tells the caller so:
  ``gone_codes`` are the errors that then mean "the first attempt did it" (a delete finding
  its target gone), and ``on_resend`` adjusts a success answer (per-item outcomes).

What leaves this module: redirects are never followed (a 3xx is an error naming the
``Location`` host), bodies are read up to ``max_response_bytes`` (inflated), and every error
is built with the secrets that attempt carried hidden and with no chained aiohttp exception
(those hold the request's headers).
"""

from __future__ import annotations

import asyncio
import copy
import enum
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

import aiohttp
import attrs
import backoff
from yarl import URL

from gizwits_async import _json
from gizwits_async._attrs import Frozen
from gizwits_async._redact import (
    SECRET_KEYS,
    hide,
    redact_text,
    redact_value,
    secret_values,
    spellings,
)
from gizwits_async.errors import (
    TOKEN_ERROR_CODES,
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClientClosedError,
    GizwitsConfigurationError,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsTimeoutError,
    make_api_error,
)
from gizwits_async.models._converter import response_error
from gizwits_async.models._envelopes import body_reader, name_of

if TYPE_CHECKING:
    from gizwits_async.auth import AppTokenManager, TokenManager
    from gizwits_async.ratelimit import RateLimiter

_LOGGER = logging.getLogger(__name__)

APP_ID_HEADER: Final = "X-Gizwits-Application-Id"
USER_TOKEN_HEADER: Final = "X-Gizwits-User-token"  # noqa: S105 - a header name
APP_TOKEN_HEADER: Final = "X-Gizwits-Application-Token"  # noqa: S105 - a header name
APP_AUTH_HEADER: Final = "X-Gizwits-Application-Auth"
SIGNATURE_HEADER: Final = "X-Gizwits-Signature"
# Header values that are credentials: hidden from every error text of the attempt.
_SECRET_HEADERS: Final = (USER_TOKEN_HEADER, APP_TOKEN_HEADER, APP_AUTH_HEADER, SIGNATURE_HEADER)
DEFAULT_MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
_READ_CHUNK: Final = 64 * 1024
# An error message or detail string longer than this is cut (after secrets are hidden).
_MESSAGE_LIMIT: Final = 500
_DIGITS: Final = re.compile(r"[0-9]{1,18}")
_LINE_BREAKS: Final = re.compile(r"[\r\n\x00]")
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


def _may_have_applied(error: GizwitsError) -> bool:
    """Whether the attempt that failed with ``error`` may have been carried out by the cloud:
    a throttled one was refused before anything happened, one never sent was not seen."""
    if isinstance(error, GizwitsRateLimitError):
        return False
    if isinstance(error, GizwitsConnectionError):
        return error.request_sent
    return True


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


def _excerpt(body: bytes, hidden: frozenset[str] = frozenset()) -> str:
    """The start of a body that is not JSON, for an error message, with secrets hidden: a cut
    off login answer still holds the start of its token."""
    text = body[:_BODY_SCAN].decode("utf-8", "replace")
    return redact_text(text, hidden)[:_BODY_EXCERPT]


def _shown(text: str, hidden: frozenset[str]) -> str:
    """A server's message for an error text: secrets hidden first, then cut to length."""
    return hide(text[:_BODY_SCAN], hidden)[:_MESSAGE_LIMIT]


# What an attempt carried, kept as it is until an error needs its secrets: the path's hidden
# segments (a share code), the request headers, the request body before encoding.
_Attempted = tuple[frozenset[str], Mapping[str, str], Any]


def _secrets_of(hidden: _Attempted | frozenset[str]) -> frozenset[str]:
    """What an attempt must keep out of its errors, worked out only when an error is built:
    the share code of the path, the credentials in its headers, the secrets of its body, in
    every spelling a server may echo them in."""
    if isinstance(hidden, frozenset):
        return hidden
    base, headers, body = hidden
    if isinstance(body, EncodedJSON):
        body = body.value
    values = secret_values(body) if body is not None else set()
    values.update(headers[name] for name in _SECRET_HEADERS if name in headers)
    return base.union(*(spellings(value) for value in values if value))


def _unsendable(value: str) -> bool:
    """A header value aiohttp would refuse (or a server would split): CR, LF or NUL."""
    return _LINE_BREAKS.search(value) is not None


_NOTHING_HIDDEN: Final[frozenset[str]] = frozenset()


def _hidden_segments(path: str, log_path: str | None) -> frozenset[str]:
    """The path segments ``log_path`` hides (a share code), to keep them out of excerpts."""
    if log_path is None:
        return frozenset()
    shown = log_path.split("/")
    segments = path.split("?", 1)[0].split("/")
    hidden = [seg for seg, alias in zip(segments, shown, strict=False) if seg != alias]
    # A quoted segment may come back from a proxy decoded.
    return frozenset({*hidden, *(unquote(seg) for seg in hidden)} - {""})


def _read_error_code(raw: Any) -> tuple[int | None, str | None, bool]:
    """``error_code`` read strictly: (code, the code as the server spelled it, is it an error).

    An int or a string of ASCII digits is a code; a missing, null, empty or zero code is no
    error; anything else (``9042.0``, ``true``, ``"E1"``) is an error whose code is unknown.
    """
    if raw is None or raw == "":
        return None, None, False
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw, None, raw != 0
    if isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()):
        code = int(raw)
        return code, raw, code != 0
    return None, repr(raw)[:40], True


def _read_error_body(data: Any) -> tuple[int | None, str | None, bool, str | None, Any]:
    """Pull code, code text, is-error, message and detail out of an error body."""
    if not isinstance(data, dict):
        return None, None, False, None, None
    code, code_text, is_error = _read_error_code(data.get("error_code"))
    message = data.get("error_message")
    detail = data.get("detail_message")
    if detail is None:
        detail = data.get("detail")
    return code, code_text, is_error, message if isinstance(message, str) else None, detail


def _answer_secrets(data: Any) -> frozenset[str]:
    """Secrets an answer carries (a login answer's token), to hide if it is an error."""
    if not isinstance(data, dict):
        return frozenset()
    found: set[str] = set()
    for key in SECRET_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value:
            found |= spellings(value)
    return frozenset(found)


def _location_host(location: str | None, base_url: str) -> str:
    """The host a redirect points at, for the error message (the URL may carry secrets)."""
    if not location:
        return "no Location"
    try:
        host = URL(location).host
    except ValueError:
        return "an unreadable Location"
    if host is None:
        return f"{URL(base_url).host} (a relative Location)"
    return host


def _sent_before_failure(err: BaseException) -> bool:
    """Whether the request may have reached the server when ``err`` ended the attempt.

    aiohttp raises ``ConnectionTimeoutError`` while it waits for a connection (from the
    pool or a new one): nothing was written then. The attempt's connect budget is kept
    shorter than its total, so a pool wait always ends in that error, never in the total.
    """
    return not isinstance(err, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError)


def _decoded(data: Any, into: Any, status: int, method: str, path: str) -> Any:
    """A success body decoded as ``into``; a body that does not fit names the request."""
    try:
        return body_reader(into)(data)
    except Exception as err:
        error = response_error(data, name_of(into), err, status=status, where=f"{method} {path}")
        error.method, error.path = method, path
        raise error from err


@attrs.frozen(repr=False, eq=False)
class EncodedJSON(Frozen):
    """A request body encoded once for many requests (a fan-out sends the same command to
    every device): ``Transport.encoded`` checks and encodes it, ``request(json_body=...)``
    sends ``data`` as it is and still keeps the secrets of ``value`` out of its errors."""

    value: Any
    data: bytes


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
        connect_timeout: float = 5.0,
        read_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        is_closed: Callable[[], bool] = lambda: False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.total_timeout = total_timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_response_bytes = max_response_bytes
        self._get_session = get_session
        self._is_closed = is_closed
        # True means "verify with the default context", as aiohttp documents it.
        self._ssl: bool = bool(ssl)
        self._base_headers: dict[str, str] = {APP_ID_HEADER: app_id}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self.user_auth: TokenManager | None = None
        self.app_auth: AppTokenManager | None = None
        self._checked_token: str | None = None
        self._read_headers: tuple[str, dict[str, str]] | None = None
        self.rate_limiter: RateLimiter | None = None

    def with_options(
        self,
        *,
        get_session: Callable[[], aiohttp.ClientSession],
        max_retries: int | None = None,
        request_timeout: float | None = None,
        total_timeout: float | None = None,
        is_closed: Callable[[], bool] | None = None,
    ) -> Transport:
        """A transport with other settings sharing this one's credentials."""
        other = copy.copy(self)
        other._get_session = get_session  # noqa: SLF001 - a copy of this very class
        other._timeouts = {}  # noqa: SLF001
        if is_closed is not None:
            other._is_closed = is_closed  # noqa: SLF001
        if max_retries is not None:
            other.max_retries = max_retries
        if request_timeout is not None:
            other.request_timeout = request_timeout
        if total_timeout is not None:
            other.total_timeout = total_timeout
        return other

    async def request(  # noqa: C901, PLR0912, PLR0915 - the retry loop in one place
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
        gone_codes: Collection[int] = (),
        on_resend: Callable[[Any], Any] | None = None,
    ) -> Any:
        """Send one logical call (with its retries) and return the decoded JSON body or None.

        With ``into`` (a model class or a shape of ``models._envelopes``) the body is decoded
        into it; one that does not fit raises ``GizwitsResponseError`` naming status, method,
        path and field. ``log_path`` replaces ``path`` in logs and error messages when the
        path carries a secret (a share code). A body JSON cannot carry (NaN, infinity) is a
        ``ValueError`` before anything is sent.

        Once an attempt may have been applied with its answer lost (a timeout or reset after
        sending, a 5xx) and the call is resent: an error whose code is in ``gone_codes`` ends
        the call with None (the earlier attempt removed the target), and ``on_resend`` (when
        given) is applied to the answer, for outcomes the resend cannot report truly.
        """
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.base_url + path
        hidden = _NOTHING_HIDDEN if log_path is None else _hidden_segments(path, log_path)
        path = log_path or path
        body = None
        if json_body is not None or params:
            body = self._encode_body(method, path, json_body, params)
        attempt_timeout = self.request_timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (
            self.total_timeout if timeout is None else max(self.total_timeout, timeout)
        )
        budget: _RetryBudget | None = None  # made on the first retryable failure only
        replayed_for_token = False
        maybe_applied = False  # an earlier attempt may have been applied, its answer lost
        attempt = 0
        while True:
            attempt += 1
            request_headers, sent_token = self._prepare_headers(auth, headers, body)
            if sent_token is None and auth is not Auth.NONE:
                sent_token = await self._attach_credentials(auth, request_headers, deadline)
            if sent_token is not self._checked_token and sent_token is not None:
                self._check_sendable(sent_token, method, path)
            if self.rate_limiter is not None:
                # Every attempt counts, retries and logins included.
                await self.rate_limiter.acquire()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise GizwitsTimeoutError(f"{method} {path}: the call's total deadline ran out")
            timeout_s = min(attempt_timeout, remaining)
            failure: _Retryable | None = None
            failed: tuple[GizwitsError, bool] | None = None
            session = self._get_session()
            # The attempt is inlined here rather than a coroutine of its own: every await of
            # the call resumes through each coroutine frame, and this is the path every call
            # takes (issue #12's per-call overhead).
            try:
                async with session.request(
                    method,
                    url,
                    params=params,
                    data=body,
                    headers=request_headers,
                    ssl=self._ssl,
                    timeout=self._timeouts.get(timeout_s) or self._client_timeout(timeout_s),
                    allow_redirects=False,
                    raise_for_status=False,
                ) as response:
                    status = response.status
                    response_headers = response.headers
                    if 300 <= status < 400:
                        self._refuse_redirect(response, method, path)
                    length = response.content_length
                    if (
                        length is not None
                        and length <= self.max_response_bytes
                        and "Content-Encoding" not in response_headers
                    ):
                        raw = await response.read()
                    else:
                        raw = await self._read_body(response, method, path)
                if _LOGGER.isEnabledFor(logging.DEBUG):
                    _LOGGER.debug("%s %s -> %d (attempt %d)", method, path, status, attempt)
                result = self._classify(
                    method,
                    path,
                    status,
                    raw,
                    response_headers,
                    idempotent=idempotent,
                    hidden=(hidden, request_headers, json_body),
                    into=into,
                )
            except _Retryable as retry:
                failure = retry
            except GizwitsAPIError as err:
                err.resent_after_lost_answer = maybe_applied
                if maybe_applied and err.error_code in gone_codes:
                    _LOGGER.debug(
                        "%s %s: resent, and the target is gone (%s): the earlier attempt did it",
                        method,
                        path,
                        err.error_code,
                    )
                    return None
                if isinstance(err, GizwitsRateLimitError):
                    # Throttled beyond the wait we would sleep: everyone sharing the
                    # limiter holds off all the same.
                    await self._pause_everyone(err.retry_after)
                if not self._replay_after_token_error(err, auth, sent_token, replayed_for_token):
                    raise
                replayed_for_token = True
                _LOGGER.debug("%s %s: token refused, renewing and replaying once", method, path)
                continue
            except GizwitsError:
                raise
            except (
                asyncio.CancelledError,
                TimeoutError,
                aiohttp.ClientError,
                OSError,
                RuntimeError,
            ) as err:
                failed = self._failed(
                    err, method, path, timeout=timeout_s, idempotent=idempotent, session=session
                )
                if failed is None:
                    raise
            if failed is not None:
                # Raised outside the except block, so the aiohttp exception (which holds the
                # request's headers) is neither the cause nor the context.
                error, retryable = failed
                if not retryable:
                    raise error
                failure = _Retryable(error)
            if failure is None:
                if maybe_applied and on_resend is not None:
                    return on_resend(result)
                return result
            await self._pause_everyone(failure.retry_after)
            # Raised outside the except block: the error chains to nothing, so no aiohttp
            # exception (which holds the request's headers) rides along.
            if budget is None:
                retries = self.max_retries if max_retries is None else max_retries
                budget = _RetryBudget(self, retries, deadline)
            delay = budget.next_delay(failure, loop.time())
            if delay is None:
                if isinstance(failure.error, GizwitsAPIError):
                    failure.error.resent_after_lost_answer = maybe_applied
                raise failure.error
            maybe_applied = maybe_applied or _may_have_applied(failure.error)
            _LOGGER.debug(
                "%s %s: attempt %d failed (%s), retrying in %.2fs",
                method,
                path,
                attempt,
                type(failure.error).__name__,
                delay,
            )
            await sleep(delay)

    def _check_sendable(self, token: str, method: str, path: str) -> None:
        """Refuse a token aiohttp would refuse to send (CR, LF, NUL); checked once a token."""
        if _unsendable(token):
            raise GizwitsResponseError(
                f"{method} {path}: the token the server issued holds a line break; it is not sent",
                method=method,
                path=path,
            )
        self._checked_token = token

    @staticmethod
    def _encode_body(
        method: str, path: str, json_body: Any, params: Mapping[str, Any] | None
    ) -> bytes | None:
        """The request body as JSON bytes, refusing what JSON cannot carry before sending."""
        if params:
            for name, value in params.items():
                if isinstance(value, float) and not math.isfinite(value):
                    raise ValueError(f"{method} {path}: {name} must be a finite number")
        if json_body is None:
            return None
        if json_body.__class__ is EncodedJSON:
            return json_body.data
        try:
            return _json.dumps(json_body)
        except ValueError:
            raise ValueError(
                f"{method} {path}: the request holds NaN or infinity, which JSON cannot carry"
            ) from None
        except RecursionError:
            raise ValueError(f"{method} {path}: the request body is nested too deeply") from None

    def encoded(self, method: str, path: str, json_body: Any) -> EncodedJSON:
        """``json_body`` checked and encoded once, for requests that all send it (``path``
        names them in the error for what JSON cannot carry)."""
        data = self._encode_body(method, path, json_body, None)
        if data is None:
            raise TypeError("there is no body to encode")
        return EncodedJSON(json_body, data)

    def _prepare_headers(
        self, auth: Auth, extra: Mapping[str, str] | None, body: bytes | None = None
    ) -> tuple[dict[str, str], str | None]:
        """Headers for one attempt, with the cached user token when it is fresh (the usual
        case costs no await); the token is None when one still has to be obtained."""
        if body is None and not extra and auth is Auth.USER and self.user_auth is not None:
            # The usual read: the same headers for every call while the token lasts, built once
            # (aiohttp copies what it is given; nothing here writes to them).
            cached = self.user_auth.fresh_token()
            if cached is not None:
                token = cached.token
                reused = self._read_headers
                if reused is None or reused[0] is not token:
                    reused = (token, {**self._base_headers, USER_TOKEN_HEADER: token})
                    self._read_headers = reused
                return reused[1], token
        headers = dict(self._base_headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if extra:
            headers.update(extra)
        if auth is Auth.USER and self.user_auth is not None:
            cached = self.user_auth.fresh_token()
            if cached is not None:
                headers[USER_TOKEN_HEADER] = cached.token
                return headers, cached.token
        return headers, None

    async def _pause_everyone(self, retry_after: float | None) -> None:
        """A throttle with ``Retry-After`` pauses every caller sharing the rate limiter."""
        if retry_after is not None and self.rate_limiter is not None:
            await self.rate_limiter.pause(retry_after)

    async def _attach_credentials(
        self, auth: Auth, headers: dict[str, str], deadline: float | None = None
    ) -> str | None:
        if auth is Auth.USER:
            if self.user_auth is None:
                raise GizwitsConfigurationError("this call needs a user; log in first")
            user_token = await self.user_auth.ensure_token(deadline)
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
                err.status,
                err.error_code,
                err.error_message,
                err.detail,
                method=err.method,
                path=err.path,
                error_code_text=err.error_code_text,
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

    def _client_timeout(self, timeout: float) -> aiohttp.ClientTimeout:
        """The attempt's aiohttp timeouts: its total, a connect budget (pool wait included)
        that ends before the total, and a budget for each read when ``read_timeout`` is set
        (without it the attempt's total bounds the reads, which saves a timer per read)."""
        client_timeout = self._timeouts.get(timeout)
        if client_timeout is None:
            # aiohttp rounds budgets above 5 s up to a whole second: a second's gap keeps the
            # connect budget's end strictly before the total's.
            connect_cap = timeout - 1.0 if timeout >= 2.0 else timeout / 2
            client_timeout = aiohttp.ClientTimeout(
                total=timeout,
                connect=min(self.connect_timeout, connect_cap),
                sock_read=None if self.read_timeout is None else min(self.read_timeout, timeout),
            )
            if len(self._timeouts) < 64:
                self._timeouts[timeout] = client_timeout
        return client_timeout

    def _refuse_redirect(self, response: aiohttp.ClientResponse, method: str, path: str) -> None:
        """A 3xx answer: refused, naming the host it points at; nothing follows it."""
        where = _location_host(response.headers.get("Location"), self.base_url)
        response.close()
        raise GizwitsAPIError(
            response.status,
            None,
            f"redirect to {where} refused: the client follows no redirects",
            method=method,
            path=path,
        )

    def _failed(  # noqa: PLR0911 - one return per kind of failure
        self,
        err: BaseException,
        method: str,
        path: str,
        *,
        timeout: float,
        idempotent: bool,
        session: aiohttp.ClientSession | None = None,
    ) -> tuple[GizwitsError, bool] | None:
        """The error an attempt that raised ``err`` ends in, and whether it may be retried;
        None to let ``err`` through (the caller's own cancellation, a bug)."""
        if isinstance(err, asyncio.CancelledError):
            # close() cancels the waits of calls in flight; the caller's own cancellation
            # (task.cancelling() > 0) goes on as it is.
            task = asyncio.current_task()
            closed = self._is_closed() or (session is not None and session.closed)
            if not closed or (task is not None and task.cancelling()):
                return None
            return GizwitsClientClosedError(f"{method} {path}: the session was closed"), False
        if isinstance(err, aiohttp.ClientConnectorCertificateError):
            text = f"{method} {path}: TLS certificate verification failed"
            return GizwitsConnectionError(text, request_sent=False), False
        if isinstance(err, aiohttp.ClientConnectorError):
            # The connection was never made: the server cannot have seen the request.
            text = f"{method} {path}: cannot connect ({type(err).__name__})"
            return GizwitsConnectionError(text, request_sent=False), True
        if isinstance(err, TimeoutError):
            sent = _sent_before_failure(err)
            if sent:
                text = f"no response within {timeout:.1f}s"
            else:
                text = f"no connection within {self._client_timeout(timeout).connect:.1f}s"
            error = GizwitsTimeoutError(f"{method} {path}: {text}", request_sent=sent)
            return error, idempotent or not sent
        if self._is_closed():
            return GizwitsClientClosedError(f"{method} {path}: the client was closed"), False
        if session is not None and session.closed:
            text = f"{method} {path}: the aiohttp session used by this client was closed"
            return GizwitsClientClosedError(text), False
        if isinstance(err, RuntimeError):
            return None
        # aiohttp's message may quote the request (its URL with a share code, a header): the
        # exception's class says enough.
        return GizwitsConnectionError(f"{method} {path}: {type(err).__name__}"), idempotent

    async def _read_body(self, response: aiohttp.ClientResponse, method: str, path: str) -> bytes:
        """The body, up to ``max_response_bytes`` after decompression; past that the
        connection is closed and the answer refused."""
        cap = self.max_response_bytes
        length = response.content_length
        if length is not None and length > cap:
            response.close()
            raise GizwitsResponseError(
                f"{method} {path}: the answer's Content-Length {length} is above "
                f"max_response_bytes ({cap}); not read",
                status=response.status,
                method=method,
                path=path,
            )
        chunks = bytearray()
        content = response.content
        while chunk := await content.readany():
            chunks += chunk
            if len(chunks) > cap:
                response.close()
                raise GizwitsResponseError(
                    f"{method} {path}: the answer is longer than max_response_bytes ({cap}) "
                    "(counted after decompression); abandoned",
                    status=response.status,
                    method=method,
                    path=path,
                )
        return bytes(chunks)

    def _classify(  # noqa: C901, PLR0912 - every outcome of an answer, in one place
        self,
        method: str,
        path: str,
        status: int,
        body: bytes,
        response_headers: Mapping[str, str],
        *,
        idempotent: bool,
        hidden: _Attempted | frozenset[str] = frozenset(),
        into: Any = None,
    ) -> Any:
        data: Any = None
        decoded = True
        if body and not body.isspace():
            try:
                data = _json.loads(body)
            except (ValueError, RecursionError):
                decoded = False
            else:
                # The usual success: a 2xx JSON answer with no error_code at all.
                if 200 <= status < 300 and (type(data) is not dict or "error_code" not in data):
                    return data if into is None else _decoded(data, into, status, method, path)
        if decoded:
            code, code_text, is_error, message, detail = _read_error_body(data)
        else:
            code, code_text, is_error, message, detail = None, None, False, None, None
        if 200 <= status < 300 and not is_error:
            if not decoded:
                hidden = _secrets_of(hidden)
                raise GizwitsResponseError(
                    f"{method} {path}: response is not JSON",
                    status=status,
                    body=_excerpt(body, hidden),
                    method=method,
                    path=path,
                )
            return data if into is None else _decoded(data, into, status, method, path)
        hidden = _secrets_of(hidden)
        if decoded:
            hidden |= _answer_secrets(data)
            if message is not None:
                message = _shown(message, hidden)
            if detail is not None:
                detail = redact_value(detail, hidden)
        elif message is None:
            message = _excerpt(body, hidden)
        if code is None and is_error and 200 <= status < 300:
            raise GizwitsResponseError(
                f"{method} {path}: unreadable error_code {code_text} in a success answer",
                status=status,
                body=_excerpt(body, hidden),
                method=method,
                path=path,
            )
        if status == 429 or code == ErrorCode.REQUEST_THROTTLED:
            retry_after = parse_retry_after(response_headers.get("Retry-After"))
            throttled = GizwitsRateLimitError(
                status,
                code,
                message,
                detail,
                retry_after=retry_after,
                method=method,
                path=path,
                error_code_text=code_text,
            )
            if retry_after is not None and retry_after > self.max_retry_after:
                raise throttled
            raise _Retryable(throttled, retry_after)
        error = make_api_error(
            status, code, message, detail, method=method, path=path, error_code_text=code_text
        )
        if (status >= 500 or code == ErrorCode.SERVER_ERROR) and idempotent:
            raise _Retryable(error)
        raise error
