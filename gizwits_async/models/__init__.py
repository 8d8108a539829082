"""Typed models of the Open API's payloads (frozen attrs classes, decoded by one converter)."""

from gizwits_async.models._converter import (
    CONVERTER,
    LenientEnum,
    decode,
    decode_list,
    make_converter,
)
from gizwits_async.models.datapoints import (
    Datapoint,
    DatapointEntity,
    DatapointPosition,
    DatapointType,
    ProductDatapoints,
    UintSpec,
)
from gizwits_async.models.devices import Device, DeviceRole, DeviceStatus, DeviceType
from gizwits_async.models.groups import (
    Group,
    GroupChangeDetail,
    GroupChangeResult,
    GroupControlResult,
    GroupDevice,
)
from gizwits_async.models.messages import Message, MessageStatus
from gizwits_async.models.sharing import (
    Sharing,
    SharingDirection,
    SharingInvitation,
    SharingQRInfo,
    SharingStatus,
    SharingType,
)
from gizwits_async.models.system import ErrorInfo, ServiceStatus
from gizwits_async.models.users import AppToken, Captcha, Gender, User, UserToken

__all__ = [
    "CONVERTER",
    "AppToken",
    "Captcha",
    "Datapoint",
    "DatapointEntity",
    "DatapointPosition",
    "DatapointType",
    "Device",
    "DeviceRole",
    "DeviceStatus",
    "DeviceType",
    "ErrorInfo",
    "Gender",
    "Group",
    "GroupChangeDetail",
    "GroupChangeResult",
    "GroupControlResult",
    "GroupDevice",
    "LenientEnum",
    "Message",
    "MessageStatus",
    "ProductDatapoints",
    "ServiceStatus",
    "Sharing",
    "SharingDirection",
    "SharingInvitation",
    "SharingQRInfo",
    "SharingStatus",
    "SharingType",
    "UintSpec",
    "User",
    "UserToken",
    "decode",
    "decode_list",
    "make_converter",
]
