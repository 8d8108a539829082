"""gizwits-async: an asyncio client for the Gizwits (机智云) IoT cloud Open API.

The models of the areas a program may never use (rules, scenes, schedules, sharing, groups,
...) are loaded on first use, which keeps ``import gizwits_async`` close to the cost of
importing aiohttp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
)
from gizwits_async.models.devices import Device, DeviceRole, DeviceStatus, DeviceType
from gizwits_async.models.system import ErrorInfo, ServiceStatus
from gizwits_async.models.users import AppToken, Captcha, Gender, User, UserToken
from gizwits_async.pagination import AsyncPaginator, Page

if TYPE_CHECKING:
    from gizwits_async.models import (
        AggregateEntry,
        AggregateResult,
        BindingInfo,
        Condition,
        Datapoint,
        DatapointType,
        EventAttr,
        Group,
        GroupChangeDetail,
        GroupChangeResult,
        GroupDevice,
        GuestUser,
        Message,
        MessageStatus,
        ProductDatapoints,
        RawDataEntry,
        RawDataType,
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
        UnbindResult,
    )

if not TYPE_CHECKING:  # type checkers see the imports above, and flag unknown names

    def __getattr__(name: str) -> Any:
        # The exported models that are not imported above; gizwits_async.models loads them.
        if name in __all__:
            from gizwits_async import models  # noqa: PLC0415 - loaded on first use, see above

            value = getattr(models, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "AggregateEntry",
    "AggregateResult",
    "AppToken",
    "AsyncPaginator",
    "BindingInfo",
    "BulkResult",
    "Captcha",
    "Condition",
    "Datapoint",
    "DatapointType",
    "Device",
    "DeviceRole",
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
    "GizwitsRateLimitError",
    "GizwitsResponseError",
    "GizwitsServerError",
    "GizwitsTimeoutError",
    "Group",
    "GroupChangeDetail",
    "GroupChangeResult",
    "GroupDevice",
    "GuestUser",
    "MemoryTokenStore",
    "Message",
    "MessageStatus",
    "Page",
    "ProductDatapoints",
    "RawDataEntry",
    "RawDataType",
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
    "TokenStore",
    "UnbindResult",
    "User",
    "UserToken",
    "__version__",
]
