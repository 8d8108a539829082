"""The exception tree and the Gizwits error-code catalogue.

Mapping is by Gizwits ``error_code`` first (the cloud answers most failures with HTTP 400 and a
code), then by HTTP status for bodies that carry no code (proxies, HTML error pages).
"""

from __future__ import annotations

import enum
from typing import Any, Final, NamedTuple


class ErrorCode(enum.IntEnum):
    """Every code in the Open API error table, plus the scene codes seen in ``GET /errors``."""

    MAC_ALREADY_REGISTERED = 9001
    PRODUCT_KEY_INVALID = 9002
    APPID_INVALID = 9003
    TOKEN_INVALID = 9004
    USER_NOT_EXIST = 9005
    TOKEN_EXPIRED = 9006
    M2M_ID_INVALID = 9007
    SERVER_ERROR = 9008
    CODE_EXPIRED = 9009
    CODE_INVALID = 9010
    SANDBOX_SCALE_QUOTA_EXHAUSTED = 9011
    PRODUCTION_SCALE_QUOTA_EXHAUSTED = 9012
    PRODUCT_HAS_NO_REQUEST_SCALE = 9013
    DEVICE_NOT_FOUND = 9014
    FORM_INVALID = 9015
    DID_PASSCODE_INVALID = 9016
    DEVICE_NOT_BOUND = 9017
    PHONE_UNAVAILABLE = 9018
    USERNAME_UNAVAILABLE = 9019
    USERNAME_PASSWORD_ERROR = 9020
    SEND_COMMAND_FAILED = 9021
    EMAIL_UNAVAILABLE = 9022
    DEVICE_DISABLED = 9023
    FAILED_NOTIFY_M2M = 9024
    ATTR_INVALID = 9025
    USER_INVALID = 9026
    FIRMWARE_NOT_FOUND = 9027
    JD_PRODUCT_NOT_FOUND = 9028
    DATAPOINT_DATA_NOT_FOUND = 9029
    SCHEDULER_NOT_FOUND = 9030
    QQ_OAUTH_KEY_INVALID = 9031
    OTA_SERVICE_OK_BUT_IN_IDLE = 9032
    BT_FIRMWARE_UNVERIFIED = 9033
    BT_FIRMWARE_NOTHING_TO_UPGRADE = 9034
    SAVE_KAIROSDB_ERROR = 9035
    EVENT_NOT_DEFINED = 9036
    SEND_SMS_FAILED = 9037
    APPLICATION_AUTH_INVALID = 9038
    NOT_ALLOWED_CALL_API = 9039
    BAD_QRCODE_CONTENT = 9040
    REQUEST_THROTTLED = 9041
    DEVICE_OFFLINE = 9042
    TIMESTAMP_INVALID = 9043
    SIGNATURE_INVALID = 9044
    DEPRECATED_API = 9045
    REGISTER_IS_BUSY = 9046
    CANNOT_SHARE_TO_SELF = 9080
    ONLY_OWNER_CAN_SHARE = 9081
    NOT_FOUND_GUEST = 9082
    GUEST_ALREADY_BOUND = 9083
    NOT_FOUND_SHARING_INFO = 9084
    NOT_FOUND_THE_MESSAGE = 9085
    SHARING_IS_WAITING_FOR_ACCEPT = 9087
    SHARING_IS_EXPIRED = 9088
    SHARING_IS_COMPLETED = 9089
    INVALID_SHARING_BECAUSE_UNBINDING = 9090
    ONLY_OWNER_CAN_BIND = 9092
    ONLY_OWNER_CAN_OPERATE = 9093
    SHARING_ALREADY_CANCELLED = 9094
    OWNER_CANNOT_UNBIND_SELF = 9095
    ONLY_GUEST_CAN_CHECK_QRCODE = 9096
    MESSAGE_ALREADY_DELETED = 9098
    BINDING_NOTIFY_FAILED = 9099
    ONLY_SELF_CAN_MODIFY_ALIAS = 9100
    ONLY_RECEIVER_CAN_MARK_MESSAGE = 9101
    SCENE_NOT_FOUND = 9220
    SCENE_NOT_YOURS = 9221
    RESERVED = 9999


class ErrorSpec(NamedTuple):
    """The HTTP status and message the doc gives for an error code."""

    status: int
    message: str


# HTTP statuses come from the old doc's per-error table (API-NOTES §2.4); codes it does not list
# are answered with 400 by the cloud. Messages are the doc's, verbatim.
ERROR_CATALOGUE: Final[dict[ErrorCode, ErrorSpec]] = {
    ErrorCode.MAC_ALREADY_REGISTERED: ErrorSpec(400, "mac already registered!"),
    ErrorCode.PRODUCT_KEY_INVALID: ErrorSpec(400, "product_key invalid"),
    ErrorCode.APPID_INVALID: ErrorSpec(400, "appid invalid"),
    ErrorCode.TOKEN_INVALID: ErrorSpec(400, "token invalid"),
    ErrorCode.USER_NOT_EXIST: ErrorSpec(400, "user not exist"),
    ErrorCode.TOKEN_EXPIRED: ErrorSpec(400, "token expired"),
    ErrorCode.M2M_ID_INVALID: ErrorSpec(400, "m2m_id invalid"),
    ErrorCode.SERVER_ERROR: ErrorSpec(500, "server error"),
    ErrorCode.CODE_EXPIRED: ErrorSpec(400, "code expired"),
    ErrorCode.CODE_INVALID: ErrorSpec(400, "code invalid"),
    ErrorCode.SANDBOX_SCALE_QUOTA_EXHAUSTED: ErrorSpec(400, "sandbox scale quota exhausted!"),
    ErrorCode.PRODUCTION_SCALE_QUOTA_EXHAUSTED: ErrorSpec(400, "production scale quota exhausted!"),
    ErrorCode.PRODUCT_HAS_NO_REQUEST_SCALE: ErrorSpec(400, "product has no request scale!"),
    ErrorCode.DEVICE_NOT_FOUND: ErrorSpec(404, "device not found!"),
    ErrorCode.FORM_INVALID: ErrorSpec(400, "form invalid!"),
    ErrorCode.DID_PASSCODE_INVALID: ErrorSpec(400, "did or passcode invalid!"),
    ErrorCode.DEVICE_NOT_BOUND: ErrorSpec(401, "device not bound!"),
    ErrorCode.PHONE_UNAVAILABLE: ErrorSpec(400, "phone unavailable!"),
    ErrorCode.USERNAME_UNAVAILABLE: ErrorSpec(400, "username unavailable!"),
    ErrorCode.USERNAME_PASSWORD_ERROR: ErrorSpec(400, "username or password error!"),
    ErrorCode.SEND_COMMAND_FAILED: ErrorSpec(400, "send command failed!"),
    ErrorCode.EMAIL_UNAVAILABLE: ErrorSpec(400, "email unavailable!"),
    ErrorCode.DEVICE_DISABLED: ErrorSpec(400, "device is disabled!"),
    ErrorCode.FAILED_NOTIFY_M2M: ErrorSpec(400, "fail to notify m2m!"),
    ErrorCode.ATTR_INVALID: ErrorSpec(400, "attr invalid!"),
    ErrorCode.USER_INVALID: ErrorSpec(400, "user invalid!"),
    ErrorCode.FIRMWARE_NOT_FOUND: ErrorSpec(404, "firmware not found!"),
    ErrorCode.JD_PRODUCT_NOT_FOUND: ErrorSpec(404, "JD product info not found!"),
    ErrorCode.DATAPOINT_DATA_NOT_FOUND: ErrorSpec(400, "datapoint data not found!"),
    ErrorCode.SCHEDULER_NOT_FOUND: ErrorSpec(404, "scheduler not found!"),
    ErrorCode.QQ_OAUTH_KEY_INVALID: ErrorSpec(400, "qq oauth key invalid!"),
    ErrorCode.OTA_SERVICE_OK_BUT_IN_IDLE: ErrorSpec(
        400, "ota upgrade service OK, but in idle or disable!"
    ),
    ErrorCode.BT_FIRMWARE_UNVERIFIED: ErrorSpec(
        400, "bt firmware unverified,except verify device!"
    ),
    ErrorCode.BT_FIRMWARE_NOTHING_TO_UPGRADE: ErrorSpec(
        404, "bt firmware is OK, but nothing to upgrade!"
    ),
    ErrorCode.SAVE_KAIROSDB_ERROR: ErrorSpec(500, "Save kairosdb error!"),
    ErrorCode.EVENT_NOT_DEFINED: ErrorSpec(400, "event not defined!"),
    ErrorCode.SEND_SMS_FAILED: ErrorSpec(400, "send sms failed!"),
    ErrorCode.APPLICATION_AUTH_INVALID: ErrorSpec(400, "X-Gizwits-Application-Auth invalid!"),
    ErrorCode.NOT_ALLOWED_CALL_API: ErrorSpec(403, "Not allowed to call deprecated API!"),
    ErrorCode.BAD_QRCODE_CONTENT: ErrorSpec(400, "bad qrcode content!"),
    ErrorCode.REQUEST_THROTTLED: ErrorSpec(429, "request was throttled"),
    ErrorCode.DEVICE_OFFLINE: ErrorSpec(400, "device offline!"),
    ErrorCode.TIMESTAMP_INVALID: ErrorSpec(400, "X-Gizwits-Timestamp invalid!"),
    ErrorCode.SIGNATURE_INVALID: ErrorSpec(400, "X-Gizwits-Signature invalid!"),
    ErrorCode.DEPRECATED_API: ErrorSpec(400, "API deprecated!"),
    ErrorCode.REGISTER_IS_BUSY: ErrorSpec(400, "Register already in progress!"),
    ErrorCode.CANNOT_SHARE_TO_SELF: ErrorSpec(400, "can not share device to self!"),
    ErrorCode.ONLY_OWNER_CAN_SHARE: ErrorSpec(400, "guest or normal user can not share device!"),
    ErrorCode.NOT_FOUND_GUEST: ErrorSpec(400, "guest user not found!"),
    ErrorCode.GUEST_ALREADY_BOUND: ErrorSpec(400, "guest user alread bound!"),
    ErrorCode.NOT_FOUND_SHARING_INFO: ErrorSpec(404, "sharing record not found!"),
    ErrorCode.NOT_FOUND_THE_MESSAGE: ErrorSpec(404, "message record not found!"),
    ErrorCode.SHARING_IS_WAITING_FOR_ACCEPT: ErrorSpec(
        400, "sharing alread created,waiting for the guest to accept!"
    ),
    ErrorCode.SHARING_IS_EXPIRED: ErrorSpec(400, "sharing record expired!"),
    ErrorCode.SHARING_IS_COMPLETED: ErrorSpec(400, "sharing record status is not unaccept!"),
    ErrorCode.INVALID_SHARING_BECAUSE_UNBINDING: ErrorSpec(400, "owner binding disabled!"),
    ErrorCode.ONLY_OWNER_CAN_BIND: ErrorSpec(400, "owner exist, guest can not bind!"),
    ErrorCode.ONLY_OWNER_CAN_OPERATE: ErrorSpec(400, "permission denied, you are not owner!"),
    ErrorCode.SHARING_ALREADY_CANCELLED: ErrorSpec(400, "sharing already canceled!"),
    ErrorCode.OWNER_CANNOT_UNBIND_SELF: ErrorSpec(400, "can not unbind self!"),
    ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE: ErrorSpec(400, "permission denied, you are not guest!"),
    ErrorCode.MESSAGE_ALREADY_DELETED: ErrorSpec(400, "notify delele binding failed!"),
    ErrorCode.BINDING_NOTIFY_FAILED: ErrorSpec(400, "notify delele binding failed!"),
    ErrorCode.ONLY_SELF_CAN_MODIFY_ALIAS: ErrorSpec(
        400, "permission denied, you are not owner or guest!"
    ),
    ErrorCode.ONLY_RECEIVER_CAN_MARK_MESSAGE: ErrorSpec(
        400, "permission denied, you are not the receiver!"
    ),
    ErrorCode.SCENE_NOT_FOUND: ErrorSpec(404, "scene not found!"),
    ErrorCode.SCENE_NOT_YOURS: ErrorSpec(400, "the scene does not belong to you!"),
    ErrorCode.RESERVED: ErrorSpec(400, "reserved"),
}

TOKEN_ERROR_CODES: Final = frozenset({ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED})
CREDENTIAL_ERROR_CODES: Final = frozenset(
    {ErrorCode.USER_NOT_EXIST, ErrorCode.USERNAME_PASSWORD_ERROR}
)


class GizwitsError(Exception):
    """Base of every error this library raises."""


class GizwitsClientClosedError(GizwitsError):
    """The client was closed; create a new one."""


class GizwitsConfigurationError(GizwitsError):
    """A call the client cannot make as configured (no credentials, no app secret, no product
    secret). Nothing was sent, so ``status`` is None."""

    status: None = None


class GizwitsConnectionError(GizwitsError):
    """No usable response: the connection failed, was reset, or timed out.

    ``request_sent`` tells whether the request may have reached the server (a write in that
    state may or may not have been applied, so it is never resent automatically).
    """

    def __init__(self, message: str, *, request_sent: bool = True) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class GizwitsPushError(GizwitsConnectionError):
    """A push socket failed: closed, silent, or told off by the cloud (``code`` is the
    ``s2c_invalid_msg`` error code or the websocket close code, when there was one)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message, request_sent=True)
        self.code = code


class GizwitsTimeoutError(GizwitsConnectionError):
    """An attempt, or the whole call's deadline, ran out."""


class GizwitsAPIError(GizwitsError):
    """The server answered with an error.

    ``method`` and ``path`` name the request (None for errors built outside a request);
    ``error_code_text`` keeps a string code as the server spelled it (``"010201"``).
    ``resent_after_lost_answer`` is True when this answer came to a resend of the call after
    an attempt that may have been applied with its answer lost (a timeout or reset after
    sending, a 5xx): a "not found" or "already done" may then be that attempt's own work.
    """

    resent_after_lost_answer: bool = False

    def __init__(
        self,
        status: int,
        error_code: int | None,
        error_message: str | None = None,
        detail: Any = None,
        *,
        method: str | None = None,
        path: str | None = None,
        error_code_text: str | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.error_message = error_message
        self.detail = detail
        self.method = method
        self.path = path
        self.error_code_text = error_code_text
        where = f"{method} {path}: " if method and path else ""
        code = f" error_code={error_code}" if error_code is not None else ""
        text = f": {error_message}" if error_message else ""
        super().__init__(f"{where}HTTP {status}{code}{text}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.status, self.error_code, self.error_message, self.detail),
            _request_state(self),
        )

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        """Restore what ``__reduce__`` saved, and the message naming the request."""
        if not state:
            return
        self.__dict__.update(state)
        if state.get("method") and state.get("path"):
            self.args = (f"{state['method']} {state['path']}: {self.args[0]}",)


def _request_state(error: GizwitsAPIError) -> dict[str, Any]:
    return {
        "method": error.method,
        "path": error.path,
        "error_code_text": error.error_code_text,
        "resent_after_lost_answer": error.resent_after_lost_answer,
    }


class GizwitsAuthError(GizwitsAPIError):
    """The user token is invalid or expired and could not be renewed."""


class GizwitsInvalidCredentialsError(GizwitsAuthError):
    """The username or password was refused (9005, 9020); automatic log-ins stop."""


class GizwitsNotFoundError(GizwitsAPIError):
    """The device, scheduler, scene, sharing record or message does not exist."""


class GizwitsRateLimitError(GizwitsAPIError):
    """The cloud throttled the call (HTTP 429 or 9041); ``retry_after`` is in seconds if known."""

    def __init__(
        self,
        status: int,
        error_code: int | None,
        error_message: str | None = None,
        detail: Any = None,
        *,
        retry_after: float | None = None,
        **request: Any,
    ) -> None:
        super().__init__(status, error_code, error_message, detail, **request)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_rate_limit,
            (self.status, self.error_code, self.error_message, self.detail, self.retry_after),
            _request_state(self),
        )


def _rebuild_rate_limit(
    status: int, code: int | None, message: str | None, detail: Any, retry_after: float | None
) -> GizwitsRateLimitError:
    return GizwitsRateLimitError(status, code, message, detail, retry_after=retry_after)


class GizwitsDeviceOfflineError(GizwitsAPIError):
    """The device is offline (9042)."""


class GizwitsDeviceNotBoundError(GizwitsAPIError):
    """The device is not bound to the user (9017)."""


class GizwitsServerError(GizwitsAPIError):
    """The cloud failed (HTTP 5xx, 9008, 9035)."""


class GizwitsResponseError(GizwitsError):
    """A response body that cannot be decoded into what the endpoint returns.

    ``method`` and ``path`` name the request when the transport raised it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.method = method
        self.path = path
        shown = f" (HTTP {status})" if status is not None else ""
        excerpt = f": {body!r}" if body else ""
        super().__init__(f"{message}{shown}{excerpt}")


_BY_CODE: Final[dict[int, type[GizwitsAPIError]]] = {
    ErrorCode.TOKEN_INVALID: GizwitsAuthError,
    ErrorCode.TOKEN_EXPIRED: GizwitsAuthError,
    ErrorCode.APPLICATION_AUTH_INVALID: GizwitsAuthError,
    ErrorCode.USER_NOT_EXIST: GizwitsInvalidCredentialsError,
    ErrorCode.USERNAME_PASSWORD_ERROR: GizwitsInvalidCredentialsError,
    ErrorCode.DEVICE_NOT_FOUND: GizwitsNotFoundError,
    ErrorCode.FIRMWARE_NOT_FOUND: GizwitsNotFoundError,
    ErrorCode.JD_PRODUCT_NOT_FOUND: GizwitsNotFoundError,
    ErrorCode.SCHEDULER_NOT_FOUND: GizwitsNotFoundError,
    ErrorCode.NOT_FOUND_SHARING_INFO: GizwitsNotFoundError,
    ErrorCode.NOT_FOUND_THE_MESSAGE: GizwitsNotFoundError,
    ErrorCode.SCENE_NOT_FOUND: GizwitsNotFoundError,
    ErrorCode.REQUEST_THROTTLED: GizwitsRateLimitError,
    ErrorCode.DEVICE_OFFLINE: GizwitsDeviceOfflineError,
    ErrorCode.DEVICE_NOT_BOUND: GizwitsDeviceNotBoundError,
    ErrorCode.SERVER_ERROR: GizwitsServerError,
    ErrorCode.SAVE_KAIROSDB_ERROR: GizwitsServerError,
}


def error_class_for(status: int, error_code: int | None) -> type[GizwitsAPIError]:
    """Choose the exception class: by Gizwits code first, then by HTTP status."""
    if error_code is not None and error_code in _BY_CODE:
        return _BY_CODE[error_code]
    if status in (401, 403) and error_code is None:
        return GizwitsAuthError
    if status == 404:
        return GizwitsNotFoundError
    if status == 429:
        return GizwitsRateLimitError
    if status >= 500:
        return GizwitsServerError
    return GizwitsAPIError


def make_api_error(
    status: int,
    error_code: int | None,
    error_message: str | None = None,
    detail: Any = None,
    *,
    retry_after: float | None = None,
    **request: Any,
) -> GizwitsAPIError:
    """The error for this status and code; ``request`` holds ``method``, ``path`` and
    ``error_code_text`` when known."""
    cls = error_class_for(status, error_code)
    if cls is GizwitsRateLimitError:
        return GizwitsRateLimitError(
            status, error_code, error_message, detail, retry_after=retry_after, **request
        )
    return cls(status, error_code, error_message, detail, **request)
