"""One resource class per API area; every module is imported with the package, so nothing
is imported inside the event loop when a client first uses an area."""

from __future__ import annotations

from gizwits_async.resources.bindings import BindingsResource
from gizwits_async.resources.data import DataResource
from gizwits_async.resources.devices import DevicesResource
from gizwits_async.resources.groups import GroupsResource
from gizwits_async.resources.messages import MessagesResource
from gizwits_async.resources.rules import RulesResource
from gizwits_async.resources.scenes import ScenesResource
from gizwits_async.resources.schedulers import CommonSchedulersResource, SchedulersResource
from gizwits_async.resources.sharing import SharingResource
from gizwits_async.resources.system import SystemResource
from gizwits_async.resources.users import UsersResource

__all__ = [
    "BindingsResource",
    "CommonSchedulersResource",
    "DataResource",
    "DevicesResource",
    "GroupsResource",
    "MessagesResource",
    "RulesResource",
    "ScenesResource",
    "SchedulersResource",
    "SharingResource",
    "SystemResource",
    "UsersResource",
]
