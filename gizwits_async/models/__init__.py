"""Typed models of the Open API's payloads (frozen attrs classes, decoded by one converter).

Every model module is imported with the package: a client used inside an event loop must not
import anything there (Home Assistant reports such imports as blocking calls), and one list,
``__all__``, names what is exported.
"""

from __future__ import annotations

from gizwits_async.models._converter import (
    CONVERTER,
    LenientEnum,
    decode,
    make_converter,
)
from gizwits_async.models._envelopes import decode_list
from gizwits_async.models.bindings import (
    BindingInfo,
    GuestUser,
    UnbindResult,
)
from gizwits_async.models.data import (
    AggregateEntry,
    AggregateQuery,
    AggregateResult,
)
from gizwits_async.models.datapoints import (
    Datapoint,
    DatapointEntity,
    DatapointPosition,
    DatapointType,
    ProductDatapoints,
    UintSpec,
)
from gizwits_async.models.devices import (
    Device,
    DeviceRole,
    DeviceStatus,
    DeviceType,
)
from gizwits_async.models.events import (
    AttrsEvent,
    BindingEvent,
    ConnectionEvent,
    DeviceState,
    OnlineEvent,
    RawEvent,
    StateSource,
)
from gizwits_async.models.groups import (
    Group,
    GroupChangeDetail,
    GroupChangeResult,
    GroupControlResult,
    GroupDevice,
)
from gizwits_async.models.messages import (
    Message,
    MessageStatus,
)
from gizwits_async.models.raw_data import (
    RawDataEntry,
    RawDataSource,
    RawDataType,
)
from gizwits_async.models.rules import (
    Condition,
    EventAttr,
    Rule,
    RuleAction,
    RuleActionType,
    RuleEvent,
    RuleInput,
    RuleParam,
    rule_literal,
)
from gizwits_async.models.scenes import (
    Scene,
    SceneRun,
    SceneRunStatus,
    SceneTask,
    SceneTaskType,
)
from gizwits_async.models.schedules import (
    Schedule,
)
from gizwits_async.models.sharing import (
    Sharing,
    SharingDirection,
    SharingInvitation,
    SharingQRInfo,
    SharingStatus,
    SharingType,
)
from gizwits_async.models.system import (
    ErrorInfo,
    ServiceStatus,
)
from gizwits_async.models.users import (
    AppToken,
    Captcha,
    Gender,
    User,
    UserToken,
)

__all__ = [
    "CONVERTER",
    "AggregateEntry",
    "AggregateQuery",
    "AggregateResult",
    "AppToken",
    "AttrsEvent",
    "BindingEvent",
    "BindingInfo",
    "Captcha",
    "Condition",
    "ConnectionEvent",
    "Datapoint",
    "DatapointEntity",
    "DatapointPosition",
    "DatapointType",
    "Device",
    "DeviceRole",
    "DeviceState",
    "DeviceStatus",
    "DeviceType",
    "ErrorInfo",
    "EventAttr",
    "Gender",
    "Group",
    "GroupChangeDetail",
    "GroupChangeResult",
    "GroupControlResult",
    "GroupDevice",
    "GuestUser",
    "LenientEnum",
    "Message",
    "MessageStatus",
    "OnlineEvent",
    "ProductDatapoints",
    "RawDataEntry",
    "RawDataSource",
    "RawDataType",
    "RawEvent",
    "Rule",
    "RuleAction",
    "RuleActionType",
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
    "UintSpec",
    "UnbindResult",
    "User",
    "UserToken",
    "decode",
    "decode_list",
    "make_converter",
    "rule_literal",
]
