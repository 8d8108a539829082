"""One module per API area; each exposes ``routes``. The server adds every module listed here."""

from gizwits_async.simulator.handlers import (
    bindings,
    data,
    devices,
    rules,
    scenes,
    schedulers,
    system,
    users,
)

MODULES = [system, users, devices, bindings, rules, scenes, schedulers, data]
