"""gizwits-async: an asyncio client for the Gizwits (机智云) IoT cloud Open API.

Everything a client can use is imported here, with the package: nothing is imported later
inside a running event loop (Home Assistant reports that as a blocking call).
"""

from __future__ import annotations

# Two standard modules that load lazily, on a client's first use inside the loop otherwise:
# asyncio's default executor (concurrent.futures makes it on first use), which runs
# FileTokenStore's file work and aiohttp's threaded DNS resolver (a host name, without
# aiodns); and the IDNA codec, which yarl takes to encode every host name it parses.
import concurrent.futures.thread  # noqa: F401
import encodings.idna  # noqa: F401

# Every resource module, so a client's first use of an area imports nothing in the loop; the
# push client too (``client.push``), which a bridge first touches inside the loop as well.
from gizwits_async import push as _push  # noqa: F401
from gizwits_async import resources as _resources  # noqa: F401
from gizwits_async.auth import FileTokenStore, MemoryTokenStore, TokenStore
from gizwits_async.bulk import BulkResult
from gizwits_async.client import GizwitsClient, Region
from gizwits_async.errors import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClientClosedError,
    GizwitsConfigurationError,
    GizwitsConnectionError,
    GizwitsDeviceNotBoundError,
    GizwitsDeviceOfflineError,
    GizwitsError,
    GizwitsInvalidCredentialsError,
    GizwitsNotFoundError,
    GizwitsPushError,
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
)
from gizwits_async.models import (
    AggregateEntry,
    AggregateResult,
    AttrsEvent,
    BindingEvent,
    BindingInfo,
    Condition,
    ConnectionEvent,
    Datapoint,
    DatapointType,
    DeviceState,
    EventAttr,
    Group,
    GroupChangeDetail,
    GroupChangeResult,
    GroupDevice,
    GuestUser,
    Message,
    MessageStatus,
    OnlineEvent,
    ProductDatapoints,
    RawDataEntry,
    RawDataType,
    RawEvent,
    Rule,
    RuleAction,
    RuleEvent,
    RuleInput,
    RuleParam,
    Scene,
    SceneRun,
    SceneRunStatus,
    SceneTask,
    SceneTaskType,
    Schedule,
    Sharing,
    SharingDirection,
    SharingInvitation,
    SharingQRInfo,
    SharingStatus,
    SharingType,
    StateSource,
    UnbindResult,
)
from gizwits_async.models.devices import Device, DeviceRole, DeviceStatus, DeviceType
from gizwits_async.models.system import ErrorInfo, ServiceStatus
from gizwits_async.models.users import AppToken, Captcha, Gender, User, UserToken
from gizwits_async.pagination import AsyncPaginator, Page
from gizwits_async.ratelimit import LocalRateLimiter, RateLimiter

__version__ = "0.1.0"

__all__ = [
    "AggregateEntry",
    "AggregateResult",
    "AppToken",
    "AsyncPaginator",
    "AttrsEvent",
    "BindingEvent",
    "BindingInfo",
    "BulkResult",
    "Captcha",
    "Condition",
    "ConnectionEvent",
    "Datapoint",
    "DatapointType",
    "Device",
    "DeviceRole",
    "DeviceState",
    "DeviceStatus",
    "DeviceType",
    "ErrorCode",
    "ErrorInfo",
    "EventAttr",
    "FileTokenStore",
    "Gender",
    "GizwitsAPIError",
    "GizwitsAuthError",
    "GizwitsClient",
    "GizwitsClientClosedError",
    "GizwitsConfigurationError",
    "GizwitsConnectionError",
    "GizwitsDeviceNotBoundError",
    "GizwitsDeviceOfflineError",
    "GizwitsError",
    "GizwitsInvalidCredentialsError",
    "GizwitsNotFoundError",
    "GizwitsPushError",
    "GizwitsRateLimitError",
    "GizwitsResponseError",
    "GizwitsServerError",
    "GizwitsTimeoutError",
    "Group",
    "GroupChangeDetail",
    "GroupChangeResult",
    "GroupDevice",
    "GuestUser",
    "LocalRateLimiter",
    "MemoryTokenStore",
    "Message",
    "MessageStatus",
    "OnlineEvent",
    "Page",
    "ProductDatapoints",
    "RateLimiter",
    "RawDataEntry",
    "RawDataType",
    "RawEvent",
    "Region",
    "Rule",
    "RuleAction",
    "RuleEvent",
    "RuleInput",
    "RuleParam",
    "Scene",
    "SceneRun",
    "SceneRunStatus",
    "SceneTask",
    "SceneTaskType",
    "Schedule",
    "ServiceStatus",
    "Sharing",
    "SharingDirection",
    "SharingInvitation",
    "SharingQRInfo",
    "SharingStatus",
    "SharingType",
    "StateSource",
    "TokenStore",
    "UnbindResult",
    "User",
    "UserToken",
    "__version__",
]
