"""Third-party Gizwits clients from PyPI against the simulator (issue #15)."""
