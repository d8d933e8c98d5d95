"""The root of orbitwatch's exception tree.

Every error the project raises on purpose derives from :class:`OrbitwatchError`, so callers
(CLI, agents) can tell expected failures, which get a clear one-line message, from bugs.
Retry code reads the ``retriable`` attribute, never the message text.
"""

from __future__ import annotations


class OrbitwatchError(Exception):
    """Base of every error orbitwatch raises deliberately."""

    retriable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(OrbitwatchError):
    """A settings value, feed list or rule file is invalid."""


class SettingsError(ConfigError):
    """The settings (environment variables, ``.env``) are invalid: one line per problem,
    each ``ORBITWATCH_X: expected ..., got ...`` with secrets masked."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)

    def lines(self) -> list[str]:
        return [f"error: {problem}" for problem in self.problems]


class InvalidMessage(OrbitwatchError):
    """A payload on a topic does not match the schema it should carry.

    ``reason`` is a short machine-friendly kind (``invalid_json``, ``schema``, ``encoding``,
    ``oversized``) and goes into the dead-letter headers next to the human message.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
