"""One module per API area; each exposes ``routes``. The server adds every module listed here."""

from gizwits_async.simulator.handlers import (
    bindings,
    data,
    devices,
    groups,
    messages,
    rules,
    scenes,
    schedulers,
    sharing,
    system,
    users,
)

MODULES = [
    system,
    users,
    devices,
    bindings,
    messages,
    sharing,
    groups,
    rules,
    scenes,
    schedulers,
    data,
]
