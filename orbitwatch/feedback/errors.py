"""Named failures of recording or exporting a verdict.

The CLI maps them to exit codes without reading message text: the analyst's mistakes
(:class:`InvalidTarget`, :class:`UnknownTarget`, :class:`InvalidLabel`) exit 2, a server that
does not answer (:class:`FeedbackUnavailable`) exits 1 and is worth retrying.
"""

from __future__ import annotations

from orbitwatch.core.errors import OrbitwatchError


class FeedbackError(OrbitwatchError):
    """Base of every feedback failure."""


class InvalidTarget(FeedbackError):
    """The id given is not an article id or an alert id at all (empty, blanks, too long)."""


class UnknownTarget(FeedbackError):
    """The id names no classified article: never classified, unknown alert, or an alert that
    is not about one article."""


class InvalidLabel(FeedbackError):
    """A label outside the ontology, or labels that contradict each other."""


class FeedbackUnavailable(FeedbackError):
    """Kafka or Elasticsearch did not answer; nothing about the verdict is wrong."""

    retriable = True
