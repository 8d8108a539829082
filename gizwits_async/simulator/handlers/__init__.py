"""One module per API area; each exposes ``routes``. The server adds every module listed here."""

from gizwits_async.simulator.handlers import (
    bindings,
    devices,
    groups,
    messages,
    sharing,
    system,
    users,
)

MODULES = [system, users, devices, bindings, messages, sharing, groups]
