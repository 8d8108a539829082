"""``python -m gizwits_async``: the ``gizwits-async`` command."""

import sys

from gizwits_async.cli import main

sys.exit(main())
