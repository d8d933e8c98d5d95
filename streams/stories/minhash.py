"""MinHash signatures of short news texts, for near-duplicate detection.

Two copies of a wire story (another feed's re-publication, a lightly edited lead) share most
word pairs; the fraction of equal signature slots estimates that overlap (Jaccard). Cutting
the signature into bands gives lookup keys: similar texts share a band with high probability,
so candidates are found by key instead of comparing against every earlier story.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
import zlib

_WORD = re.compile(r"\w+", re.UNICODE)
# Scripts written without spaces: their "words" are runs of characters, cut into bigrams.
_NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

SLOTS = 16
ROWS_PER_BAND = 2
# Fixed seed: signatures must be comparable across processes and restarts.
_MASKS = [random.Random(20261124 + i).getrandbits(32) for i in range(SLOTS)]
Signature = tuple[int, ...]


def features(text: str) -> set[int]:
    """Hashed word bigrams (CJK: character trigrams), case- and width-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    tokens: list[str] = []
    for word in _WORD.findall(folded):
        if _NO_SPACE_SCRIPT.search(word):
            tokens.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        elif len(word) > 1:
            tokens.append(word)
    grams = [f"{a} {b}" for a, b in itertools.pairwise(tokens)] or tokens
    return {zlib.crc32(g.encode()) for g in grams}


def signature(text: str) -> Signature | None:
    """The MinHash signature, or None for a text too short to fingerprint."""
    hashed = features(text)
    if len(hashed) < 3:
        return None
    return tuple(min(h ^ mask for h in hashed) for mask in _MASKS)


def similarity(a: Signature, b: Signature) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / SLOTS


def band_keys(sig: Signature) -> list[str]:
    return [f"{i}:{sig[i]:08x}{sig[i + 1]:08x}" for i in range(0, SLOTS, ROWS_PER_BAND)]
