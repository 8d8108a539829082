"""gizwits-async: an asyncio client for the Gizwits (机智云) IoT cloud Open API."""

from gizwits_async.auth import FileTokenStore, MemoryTokenStore, TokenStore
from gizwits_async.bulk import BulkResult
from gizwits_async.client import GizwitsClient, Region
from gizwits_async.errors import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClientClosedError,
    GizwitsConnectionError,
    GizwitsDeviceOfflineError,
    GizwitsError,
    GizwitsInvalidCredentialsError,
    GizwitsNotFoundError,
    GizwitsRateLimitError,
    GizwitsResponseError,
    GizwitsServerError,
    GizwitsTimeoutError,
)
from gizwits_async.models import (
    AppToken,
    Datapoint,
    DatapointType,
    Device,
    DeviceRole,
    DeviceStatus,
    DeviceType,
    ErrorInfo,
    ProductDatapoints,
    ServiceStatus,
    User,
    UserToken,
)
from gizwits_async.pagination import AsyncPaginator, Page

__version__ = "0.1.0"

__all__ = [
    "AppToken",
    "AsyncPaginator",
    "BulkResult",
    "Datapoint",
    "DatapointType",
    "Device",
    "DeviceRole",
    "DeviceStatus",
    "DeviceType",
    "ErrorCode",
    "ErrorInfo",
    "FileTokenStore",
    "GizwitsAPIError",
    "GizwitsAuthError",
    "GizwitsClient",
    "GizwitsClientClosedError",
    "GizwitsConnectionError",
    "GizwitsDeviceOfflineError",
    "GizwitsError",
    "GizwitsInvalidCredentialsError",
    "GizwitsNotFoundError",
    "GizwitsRateLimitError",
    "GizwitsResponseError",
    "GizwitsServerError",
    "GizwitsTimeoutError",
    "MemoryTokenStore",
    "Page",
    "ProductDatapoints",
    "Region",
    "ServiceStatus",
    "TokenStore",
    "User",
    "UserToken",
    "__version__",
]
