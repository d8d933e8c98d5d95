"""orbitwatch: real-time monitoring of strategic space events."""

from orbitwatch.core import __version__

__all__ = ["__version__"]
