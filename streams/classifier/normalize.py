"""Text normalization shared by gazetteer aliases and article text.

Both sides go through the same function, so an alias matches whatever spelling variants
the normalization folds together: Unicode compatibility forms (NFKC), case, traditional vs
simplified Chinese, Cyrillic ``ё``, Arabic/Persian letter variants, typographic dashes and
quotes.

Evidence must point at the *original* text, so the normalized string keeps a map back to
original offsets. Nearly every real text keeps its length under these steps; the offset map
is only built, character by character, for the rare text whose length changes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

from orbitwatch.core.letters import ARABIC_LETTER_VARIANTS

# One-to-one substitutions, applied after case folding. They never change the length.
_CHAR_MAP = str.maketrans(
    {
        "ё": "е",
        **ARABIC_LETTER_VARIANTS,
        # Zero-width (non-)joiners split Persian compounds: treat them as spaces.
        "\u200c": " ",
        "\u200d": " ",
        "\u00a0": " ",
        "\t": " ",
        "\n": " ",
        "\r": " ",
        # Dashes, quotes and the middle dot used in transliterated CJK names.
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "・": "·",
    }
)


# The same substitutions as one regular expression: a single C-level scan that calls back
# only for the few characters it replaces. ``str.translate`` looks every character of a
# non-ASCII text up in the table, which is several times slower.
_CHAR_TABLE: dict[str, str] = {chr(code): str(value) for code, value in _CHAR_MAP.items()}
_CHAR_PATTERN = re.compile("[" + re.escape("".join(_CHAR_TABLE)) + "]")


def _substitute(match: re.Match[str]) -> str:
    return _CHAR_TABLE[match.group()]


_CJK_PATTERN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
    )


def is_cjk(char: str) -> bool:
    """True for Han ideographs and Japanese kana: scripts written without word spaces."""
    return _is_cjk(char)


class _WordChars(dict[str, bool]):
    """Memo of ``is_word_char``: texts use few distinct characters, and this is the hot
    path. A missing character is classified once; every later lookup is a plain subscript."""

    def __missing__(self, char: str) -> bool:
        known = (not _is_cjk(char)) if char.isalnum() else unicodedata.category(char)[0] == "M"
        self[char] = known
        return known


# The matcher subscripts it directly (``WORD_CHARS[c]``) to save a function call.
WORD_CHARS = _WordChars()


def is_word_char(char: str) -> bool:
    """True for characters that continue a word in a spaced script.

    CJK characters never count: a Latin alias embedded in Chinese text (``SpaceX星链``)
    still starts and ends at a word boundary. Combining marks (Devanagari vowel signs)
    do count, otherwise Hindi words would be cut in the middle.
    """
    return WORD_CHARS[char]


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _has_cjk(text: str) -> bool:
    return _CJK_PATTERN.search(text) is not None


def _fold(text: str) -> str:
    return _CHAR_PATTERN.sub(_substitute, unicodedata.normalize("NFKC", text).casefold())


def _keep_case(text: str) -> str:
    return _CHAR_PATTERN.sub(_substitute, unicodedata.normalize("NFKC", text))


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalized string and, when lengths differ, where each character came from.

    ``cased`` is the same text without case folding, aligned character for character with
    ``text``: case-sensitive aliases (``^US``) are looked for there.
    """

    text: str
    cased: str
    original_length: int
    offsets: tuple[int, ...] | None = None  # offsets[i]: original index of text[i]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalized text back to the original."""
        if self.offsets is None:
            return start, end
        if start >= len(self.offsets):
            return self.original_length, self.original_length
        original_start = self.offsets[start]
        original_end = self.offsets[end] if end < len(self.offsets) else self.original_length
        return original_start, max(original_end, original_start + 1)


def _convert_chinese(text: str) -> str:
    converted: str = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: fall back to character-wise conversion.
    return "".join(c if not _is_cjk(c) else _t2s().convert(c)[:1] or c for c in text)


def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` for matching, keeping a way back to original offsets."""
    folded = _fold(text)
    if len(folded) == len(text):
        if _has_cjk(folded):
            folded = _convert_chinese(folded)
        # Case-sensitive aliases are ASCII acronyms: the original text serves as is.
        return NormalizedText(folded, text, len(text))
    # Slow path: some character expanded or contracted (``ß`` -> ``ss``, ligatures,
    # decomposed Devanagari nukta forms). Fold character by character to keep offsets.
    pieces: list[str] = []
    cased_pieces: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        piece = _fold(char)
        pieces.append(piece)
        # Pad or cut the case-preserving piece so both strings stay aligned.
        cased_pieces.append(_keep_case(char)[: len(piece)].ljust(len(piece)))
        offsets.extend([index] * len(piece))
    joined = "".join(pieces)
    if _has_cjk(joined):
        joined = _convert_chinese(joined)
    return NormalizedText(joined, "".join(cased_pieces), len(text), tuple(offsets))


def normalize_alias(alias: str) -> str:
    """Normalize a gazetteer alias exactly as article text is normalized."""
    return normalize(alias).text
