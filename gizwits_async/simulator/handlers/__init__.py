"""One module per API area; each exposes ``routes``. The server adds every module listed here."""

from gizwits_async.simulator.handlers import bindings, devices, messages, system, users

MODULES = [system, users, devices, bindings, messages]
