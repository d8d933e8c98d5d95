"""orbitwatch: real-time monitoring of strategic space events."""

__version__ = "0.1.0"
