"""The command line (contract in shared/DESIGN.md)."""

from mediabrowser.cli.app import main

__all__ = ["main"]
