"""Typed models of the Open API's payloads (frozen attrs classes, decoded by one converter)."""

from gizwits_async.models._converter import (
    CONVERTER,
    LenientEnum,
    decode,
    decode_list,
    make_converter,
)
from gizwits_async.models.bindings import BindingInfo, GuestUser, UnbindResult
from gizwits_async.models.datapoints import (
    Datapoint,
    DatapointEntity,
    DatapointPosition,
    DatapointType,
    ProductDatapoints,
    UintSpec,
)
from gizwits_async.models.devices import Device, DeviceRole, DeviceStatus, DeviceType
from gizwits_async.models.raw_data import RawDataEntry, RawDataSource, RawDataType
from gizwits_async.models.system import ErrorInfo, ServiceStatus
from gizwits_async.models.users import AppToken, Gender, User, UserToken

__all__ = [
    "CONVERTER",
    "AppToken",
    "BindingInfo",
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
    "GuestUser",
    "LenientEnum",
    "ProductDatapoints",
    "RawDataEntry",
    "RawDataSource",
    "RawDataType",
    "ServiceStatus",
    "UintSpec",
    "UnbindResult",
    "User",
    "UserToken",
    "decode",
    "decode_list",
    "make_converter",
]
