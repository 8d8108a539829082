"""Runnable examples of gizwits-async; run them from the repository root with
``python -m examples.<name> --simulator`` (see examples/README.md)."""
