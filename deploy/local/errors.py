"""Named failures of the local infrastructure, each with a one-line message for the CLI."""

from __future__ import annotations

from orbitwatch.core.errors import OrbitwatchError


class InfraError(OrbitwatchError):
    """Base of every local-infrastructure failure."""


class JavaMissing(InfraError):
    """No suitable JDK was found."""


class MavenMissing(InfraError):
    """``mvn`` is not on PATH, so nothing can be fetched from Maven Central."""


class DownloadFailed(InfraError):
    """Maven could not fetch an artifact."""

    retriable = True


class PortInUse(InfraError):
    """Another process already listens on a port a local server needs."""


class StartupFailed(InfraError):
    """A server did not become ready; carries the tail of its log."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


class ShutdownFailed(InfraError):
    """A server did not stop, even after SIGKILL."""
