"""Find every gazetteer alias in a text with one Aho-Corasick pass.

Aliases are compiled once. Word boundaries depend on the script: a Latin, Cyrillic, Arabic
or Devanagari alias must start (and, unless it is a prefix, end) at a word boundary, while
Chinese and Japanese aliases match anywhere since those scripts have no spaces.

Russian inflects heavily, so Russian aliases are stemmed at load time and matched as word
prefixes ("Роскосмос" also finds "Роскосмоса"); a multi-word alias is found by its first
word through the automaton and its other words are checked in place.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
import snowballstemmer

from streams.classifier.gazetteer import Gazetteer, GazetteerError
from streams.classifier.normalize import is_cjk, is_word_char, normalize_alias

# Languages whose plain aliases are stemmed and matched as prefixes.
STEMMED_LANGUAGES = {"ru": "russian"}
# A stem shorter than this matches too many unrelated words; the word is matched exactly.
MIN_STEM_LENGTH = 3
# Arabic writes conjunctions, prepositions and the article as prefixes of the next word.
ARABIC_CLITICS = frozenset(
    {"و", "ب", "ل", "ف", "ك", "ال", "وال", "بال", "لل", "فال", "كال", "ول", "وب", "وللم"}
)
# Separators allowed between the words of a multi-word alias ("ракета «Союз»").
_MAX_GAP = 3
_GAP_CHARS = frozenset(" -\"'")


@dataclass(frozen=True, slots=True)
class CompiledAlias:
    entry: int  # index into Gazetteer.entries
    words: tuple[str, ...]  # normalized words; stems for prefix words
    prefix: tuple[bool, ...]  # per word: may the word continue past the alias?
    key: str  # what the automaton looks for: the words up to the first prefix word
    key_words: int = 1  # how many of ``words`` the key covers
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """An alias found in the normalized text, as a half-open span."""

    entry: int
    start: int
    end: int


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def _compile_word(word: str, stemmer: snowballstemmer.stemmer | None) -> tuple[str, bool]:
    if word.startswith("="):
        return word[1:], False
    if word.endswith("*"):
        return word[:-1], True
    if stemmer is not None and word.isalpha():
        stem: str = stemmer.stemWord(word)
        if len(stem) >= MIN_STEM_LENGTH:
            return stem, True
    return word, False


def compile_alias(entry: int, alias: str, language: str) -> CompiledAlias:
    """Turn one alias as written in YAML into what the matcher looks for.

    A case-sensitive alias (``^US``) keeps its case and is matched exactly.
    """
    if alias.startswith("^"):
        cased = unicodedata.normalize("NFKC", alias[1:]).strip()
        return CompiledAlias(entry, (cased,), (False,), cased, case_sensitive=True)
    algorithm = STEMMED_LANGUAGES.get(language)
    stemmer = snowballstemmer.stemmer(algorithm) if algorithm else None
    raw_words = [w for w in alias.split() if w.strip("=*")]
    words: list[str] = []
    prefix: list[bool] = []
    for raw in raw_words:
        marker_start = "=" if raw.startswith("=") else ""
        marker_end = "*" if raw.endswith("*") else ""
        core = normalize_alias(raw.strip("=*"))
        word, is_prefix = _compile_word(f"{marker_start}{core}{marker_end}", stemmer)
        words.append(word)
        prefix.append(is_prefix)
    if not words:
        raise GazetteerError(f"alias {alias!r} is empty after normalization")
    # The automaton looks for the longest literal start: every word up to and including the
    # first prefix word. Only the words after it are checked in place.
    key_words = prefix.index(True) + 1 if any(prefix) else len(words)
    key = " ".join(words[:key_words])
    return CompiledAlias(entry, tuple(words), tuple(prefix), key, key_words)


class AliasMatcher:
    """An Aho-Corasick automaton over every alias of a gazetteer. Build once, reuse."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        folded: dict[str, list[CompiledAlias]] = {}
        cased: dict[str, list[CompiledAlias]] = {}
        for index, entry in enumerate(gazetteer.entries):
            compiled_aliases = [
                compile_alias(index, alias, language)
                for language, aliases in entry.aliases.items()
                for alias in aliases
            ]
            for compiled in _without_subsumed(compiled_aliases):
                table = cased if compiled.case_sensitive else folded
                bucket = table.setdefault(compiled.key, [])
                if compiled not in bucket:
                    bucket.append(compiled)
        self._folded = _build_automaton(folded)
        self._cased = _build_automaton(cased) if cased else None
        self.pattern_count = len(folded) + len(cased)

    def find(self, text: str, cased_text: str | None = None) -> list[Hit]:
        """All alias hits, nested hits removed (see ``_drop_nested``).

        ``text`` is the normalized text; ``cased_text``, aligned with it, is where
        case-sensitive aliases are looked for (skipped when None).
        """
        hits: list[Hit] = []
        seen: set[tuple[int, int, int]] = set()
        _collect(self._folded, text, hits, seen)
        if self._cased is not None and cased_text is not None:
            _collect(self._cased, cased_text, hits, seen)
        return _drop_nested(hits)


def _without_subsumed(aliases: list[CompiledAlias]) -> list[CompiledAlias]:
    """Drop one-word aliases that a one-word prefix alias of the same entry already finds.

    "satellit*" (German) finds every "satellite" and "satellites" with the same span, so
    the automaton need not report those words three times.
    """
    stems = {
        a.words[0] for a in aliases if len(a.words) == 1 and a.prefix[0] and not a.case_sensitive
    }
    kept = []
    for alias in aliases:
        single = len(alias.words) == 1 and not alias.case_sensitive
        word = alias.words[0]
        if single and any(word.startswith(s) and word != s for s in stems):
            continue
        kept.append(alias)
    return kept


def _build_automaton(table: dict[str, list[CompiledAlias]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, bucket in table.items():
        automaton.add_word(key, (len(key), tuple(bucket)))
    automaton.make_automaton()
    return automaton


def _collect(
    automaton: ahocorasick.Automaton,
    text: str,
    hits: list[Hit],
    seen: set[tuple[int, int, int]],
) -> None:
    word_char = is_word_char
    for last, (length, bucket) in automaton.iter(text):
        start = last - length + 1
        # Fast path for the common case: a hit glued to the word before it ("aerospace"
        # for "space") fails unless the alias is CJK or Arabic (handled in _starts_word).
        if start > 0 and word_char(text[start - 1]) and word_char(text[start]):
            first = text[start]
            if not (is_cjk(first) or _is_arabic(first)):
                continue
        for alias in bucket:
            end = _match_at(text, start, alias)
            if end < 0:
                continue
            marker = (alias.entry, start, end)
            if marker not in seen:
                seen.add(marker)
                hits.append(Hit(alias.entry, start, end))


def _starts_word(text: str, start: int, first_char: str) -> bool:
    if start == 0 or not is_word_char(text[start - 1]):
        return True
    if is_cjk(first_char) or not is_word_char(first_char):
        return True
    if _is_arabic(first_char):
        # Accept a clitic prefix glued to the alias: "والصين", "بالفضاء".
        begin = start
        while begin > 0 and is_word_char(text[begin - 1]) and start - begin <= 4:
            begin -= 1
        if begin == 0 or not is_word_char(text[begin - 1]):
            return text[begin:start] in ARABIC_CLITICS
    return False


def _ends_word(text: str, end: int, last_char: str) -> bool:
    if end >= len(text) or not is_word_char(text[end]):
        return True
    return is_cjk(last_char) or not is_word_char(last_char)


def _word_end(text: str, position: int) -> int:
    while position < len(text) and is_word_char(text[position]):
        position += 1
    return position


def _match_word(text: str, position: int, word: str, is_prefix: bool) -> int:
    """End of ``word`` matched at ``position``, or -1."""
    if not text.startswith(word, position):
        return -1
    end = position + len(word)
    if is_prefix:
        return _word_end(text, end)
    return end if _ends_word(text, end, word[-1]) else -1


def _match_at(text: str, start: int, alias: CompiledAlias) -> int:
    """End of ``alias`` found by the automaton at ``start``, or -1 if boundaries fail."""
    if not _starts_word(text, start, alias.key[0]):
        return -1
    end = start + len(alias.key)
    if alias.prefix[alias.key_words - 1]:
        end = _word_end(text, end)
    elif not _ends_word(text, end, alias.key[-1]):
        return -1
    rest = alias.key_words
    for word, is_prefix in zip(alias.words[rest:], alias.prefix[rest:], strict=True):
        if end < 0:
            return -1
        gap_end = end
        while gap_end < len(text) and gap_end - end < _MAX_GAP and text[gap_end] in _GAP_CHARS:
            gap_end += 1
        if gap_end == end and not is_cjk(word[0]):
            return -1
        end = _match_word(text, gap_end, word, is_prefix)
    return end


def _drop_nested(hits: Iterable[Hit]) -> list[Hit]:
    """Drop hits lying strictly inside a longer hit.

    This is how disambiguation works: "Moon Jae-in", "Mars bar" or "lunar calendar" are
    entries of their own, and their longer match hides the "moon", "Mars" or "lunar" cue
    inside them. Hits with the same span (two entries sharing an alias) are all kept.
    """
    ordered = sorted(hits, key=lambda h: (h.start, -h.end))
    kept: list[Hit] = []
    cover_start, cover_end = -1, -1
    for hit in ordered:
        inside = cover_start <= hit.start and hit.end <= cover_end
        if inside and (cover_end - cover_start) > (hit.end - hit.start):
            continue
        kept.append(hit)
        if hit.end > cover_end:
            cover_start, cover_end = hit.start, hit.end
    return kept
