"""The classifier's evidence marked in a title or text, safely.

Feed text is hostile input. The spans come from the evidence offsets (checked against the
text: an offset that does not hold the matched term, e.g. after the text was re-normalized,
falls back to the term's first occurrence); the text between and inside the spans is escaped
piece by piece, and only our own ``<mark>`` tags are added, so no byte of the feed is ever
emitted unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from schemas.classification import Evidence


def spans(text: str, evidence: Iterable[Evidence], field: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, label)`` spans of ``field``'s evidence, in order."""
    found: list[tuple[int, int, str]] = []
    for item in evidence:
        if item.field != field or not item.term or item.start < 0:
            continue
        start, end = item.start, item.end
        if text[start:end] != item.term:
            start = text.find(item.term)
            if start < 0:
                continue
            end = start + len(item.term)
        found.append((start, end, f"{item.kind}: {item.value}"))
    found.sort(key=lambda span: (span[0], -span[1]))  # at one start, the longest cue wins
    kept: list[tuple[int, int, str]] = []
    for start, end, label in found:
        if kept and start < kept[-1][1]:
            continue  # overlapping cue: the first one is marked
        kept.append((start, end, label))
    return kept


def highlight(text: str, evidence: Iterable[Evidence], field: str) -> Markup:
    out: list[str] = []
    position = 0
    for start, end, label in spans(text, evidence, field):
        out.append(str(escape(text[position:start])))
        out.append(f'<mark title="{escape(label)}">{escape(text[start:end])}</mark>')
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out))
