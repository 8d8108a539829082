"""Typed models of the Open API's payloads (frozen attrs classes, decoded by one converter).

Models load when first used (PEP 562), so ``import gizwits_async`` stays cheap: a program
that only reads devices never builds the classes of rules, scenes or schedules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gizwits_async.models._converter import (
    CONVERTER,
    LenientEnum,
    decode,
    make_converter,
)
from gizwits_async.models._envelopes import decode_list

if TYPE_CHECKING:
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

_LAZY: dict[str, str] = {
    "AggregateEntry": "gizwits_async.models.data",
    "AggregateQuery": "gizwits_async.models.data",
    "AggregateResult": "gizwits_async.models.data",
    "AppToken": "gizwits_async.models.users",
    "BindingInfo": "gizwits_async.models.bindings",
    "Captcha": "gizwits_async.models.users",
    "Condition": "gizwits_async.models.rules",
    "Datapoint": "gizwits_async.models.datapoints",
    "DatapointEntity": "gizwits_async.models.datapoints",
    "DatapointPosition": "gizwits_async.models.datapoints",
    "DatapointType": "gizwits_async.models.datapoints",
    "Device": "gizwits_async.models.devices",
    "DeviceRole": "gizwits_async.models.devices",
    "DeviceStatus": "gizwits_async.models.devices",
    "DeviceType": "gizwits_async.models.devices",
    "ErrorInfo": "gizwits_async.models.system",
    "EventAttr": "gizwits_async.models.rules",
    "Gender": "gizwits_async.models.users",
    "Group": "gizwits_async.models.groups",
    "GroupChangeDetail": "gizwits_async.models.groups",
    "GroupChangeResult": "gizwits_async.models.groups",
    "GroupControlResult": "gizwits_async.models.groups",
    "GroupDevice": "gizwits_async.models.groups",
    "GuestUser": "gizwits_async.models.bindings",
    "Message": "gizwits_async.models.messages",
    "MessageStatus": "gizwits_async.models.messages",
    "ProductDatapoints": "gizwits_async.models.datapoints",
    "RawDataEntry": "gizwits_async.models.raw_data",
    "RawDataSource": "gizwits_async.models.raw_data",
    "RawDataType": "gizwits_async.models.raw_data",
    "Rule": "gizwits_async.models.rules",
    "RuleAction": "gizwits_async.models.rules",
    "RuleActionType": "gizwits_async.models.rules",
    "RuleEvent": "gizwits_async.models.rules",
    "RuleInput": "gizwits_async.models.rules",
    "RuleParam": "gizwits_async.models.rules",
    "Scene": "gizwits_async.models.scenes",
    "SceneRun": "gizwits_async.models.scenes",
    "SceneRunStatus": "gizwits_async.models.scenes",
    "SceneTask": "gizwits_async.models.scenes",
    "SceneTaskType": "gizwits_async.models.scenes",
    "Schedule": "gizwits_async.models.schedules",
    "ServiceStatus": "gizwits_async.models.system",
    "Sharing": "gizwits_async.models.sharing",
    "SharingDirection": "gizwits_async.models.sharing",
    "SharingInvitation": "gizwits_async.models.sharing",
    "SharingQRInfo": "gizwits_async.models.sharing",
    "SharingStatus": "gizwits_async.models.sharing",
    "SharingType": "gizwits_async.models.sharing",
    "UintSpec": "gizwits_async.models.datapoints",
    "UnbindResult": "gizwits_async.models.bindings",
    "User": "gizwits_async.models.users",
    "UserToken": "gizwits_async.models.users",
    "rule_literal": "gizwits_async.models.rules",
}


if not TYPE_CHECKING:  # type checkers see the imports above, and flag unknown names

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


__all__ = [
    "CONVERTER",
    "AggregateEntry",
    "AggregateQuery",
    "AggregateResult",
    "AppToken",
    "BindingInfo",
    "Captcha",
    "Condition",
    "Datapoint",
    "DatapointEntity",
    "DatapointPosition",
    "DatapointType",
    "Device",
    "DeviceRole",
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
    "ProductDatapoints",
    "RawDataEntry",
    "RawDataSource",
    "RawDataType",
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
    "UintSpec",
    "UnbindResult",
    "User",
    "UserToken",
    "decode",
    "decode_list",
    "make_converter",
    "rule_literal",
]
