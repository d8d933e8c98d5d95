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
from dataclasses import dataclass

import ahocorasick
import snowballstemmer

from streams.classifier.gazetteer import Gazetteer, GazetteerEntry, GazetteerError
from streams.classifier.normalize import WORD_CHARS, is_cjk, is_word_char, normalize_alias

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
    inner: bool = False  # may start inside a word (German compounds: ``*satellit*``)


# An alias found in the normalized text: (entry index into Gazetteer.entries, start, end,
# the alias key that found it), a half-open span. The key tells inflections of one alias
# ("Роскосмоса", "Роскосмосом") from distinct aliases. Plain tuples: the matcher makes
# thousands of them a second.
Hit = tuple[int, int, int, str]


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
    if alias.startswith("*"):
        # The last element of a compound: one word, found even inside a longer word.
        core = alias.strip("*")
        if not core or " " in core:
            raise GazetteerError(f"alias {alias!r}: a leading '*' takes a single word")
        word = normalize_alias(core)
        return CompiledAlias(entry, (word,), (alias.endswith("*"),), word, inner=True)
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


# How a key may start: anywhere (CJK, or a non-word first character), only at a word
# boundary, or at a boundary or after an Arabic clitic ("والصين").
_ANYWHERE, _AT_BOUNDARY, _ARABIC = 0, 1, 2

# What the automaton stores per key: its length, how it may start, whether it may end
# inside a word (CJK), the entries whose alias is exactly the key, the entries whose alias
# is the key as a word prefix, and the aliases that need a closer look (more words after
# the key, or case-sensitive).
_Key = tuple[int, int, bool, tuple[int, ...], tuple[int, ...], tuple[CompiledAlias, ...], bool]


class AliasMatcher:
    """An Aho-Corasick automaton over every alias of a gazetteer. Build once, reuse.

    One automaton holds every alias: case-sensitive aliases (``^US``) are looked for by
    their folded key and then checked against the case-preserving text, so each text is
    scanned once. The word-boundary checks that depend only on the key (how it may start
    and end) are done once per key found, not once per alias.
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        table: dict[str, list[CompiledAlias]] = {}
        for index, entry in enumerate(gazetteer.entries):
            compiled_aliases = [
                compile_alias(index, alias, language)
                for language, aliases in entry.aliases.items()
                for alias in aliases
            ]
            for compiled in _without_subsumed(compiled_aliases):
                bucket = table.setdefault(_folded_key(compiled), [])
                if compiled not in bucket:
                    bucket.append(compiled)
        self._automaton = ahocorasick.Automaton()
        for key, bucket in table.items():
            self._automaton.add_word(key, _key_record(key, bucket))
        self._automaton.make_automaton()
        self.pattern_count = len(table)
        self._masks = [entry_mask(entry) for entry in gazetteer.entries]

    def find(self, text: str, cased_text: str | None = None) -> list[Hit]:
        """All alias hits, nested hits removed (see ``_drop_nested``).

        ``text`` is the normalized text; ``cased_text``, aligned with it, is where
        case-sensitive aliases are checked (they never match when it is None).
        """
        # (entry, start, end) -> key. The automaton reports the shorter of two keys with
        # the same start first, so a span found by several aliases keeps the most general.
        found: dict[tuple[int, int, int], str] = {}
        add = found.setdefault
        word_char = WORD_CHARS.__getitem__  # is_word_char's memo, without the call
        length_of_text = len(text)
        for last, record in self._automaton.iter(text):
            length, start_mode, end_free, exact, prefix, complex_aliases, has_inner = record
            start = last - length + 1
            glued = start_mode and start > 0 and word_char(text[start - 1])
            if glued and (start_mode == _AT_BOUNDARY or not _after_clitic(text, start)):
                if has_inner:
                    _add_inner(text, start, last + 1, complex_aliases, found)
                continue
            end = last + 1
            key = text[start:end]
            if exact and (end_free or end >= length_of_text or not word_char(text[end])):
                for entry in exact:
                    add((entry, start, end), key)
            if prefix:
                word_end = _word_end(text, end)
                for entry in prefix:
                    add((entry, start, word_end), key)
            for alias in complex_aliases:
                if alias.inner:
                    _add_alias_at(text, start, end, alias, found)
                    continue
                if alias.case_sensitive:
                    if cased_text is None or not cased_text.startswith(alias.key, start):
                        continue
                    if not _ends_word(text, end, alias.key[-1]):
                        continue
                    add((alias.entry, start, end), key)
                    continue
                alias_end = _match_rest(text, end, alias)
                if alias_end >= 0:
                    add((alias.entry, start, alias_end), key)
        return _drop_nested(found, self._masks)


def _folded_key(alias: CompiledAlias) -> str:
    """The key the automaton looks for: case-sensitive keys are folded like the text."""
    if not alias.case_sensitive:
        return alias.key
    folded = normalize_alias(alias.key)
    if len(folded) != len(alias.key):
        raise GazetteerError(f"case-sensitive alias {alias.key!r} changes length when folded")
    return folded


def _key_record(key: str, bucket: list[CompiledAlias]) -> _Key:
    first, last = key[0], key[-1]
    if is_cjk(first) or not is_word_char(first):
        start_mode = _ANYWHERE
    elif _is_arabic(first):
        start_mode = _ARABIC
    else:
        start_mode = _AT_BOUNDARY
    end_free = is_cjk(last) or not is_word_char(last)
    exact: list[int] = []
    prefix: list[int] = []
    complex_aliases: list[CompiledAlias] = []
    for alias in bucket:
        simple = (
            not alias.case_sensitive and not alias.inner and alias.key_words == len(alias.words)
        )
        if simple and alias.prefix[-1]:
            prefix.append(alias.entry)
        elif simple:
            exact.append(alias.entry)
        else:
            complex_aliases.append(alias)
    return (
        len(key),
        start_mode,
        end_free,
        tuple(dict.fromkeys(exact)),
        tuple(dict.fromkeys(prefix)),
        tuple(complex_aliases),
        any(alias.inner for alias in bucket),
    )


def _add_inner(
    text: str,
    start: int,
    end: int,
    aliases: tuple[CompiledAlias, ...],
    found: dict[tuple[int, int, int], str],
) -> None:
    """Hits of compound-final aliases (``*satellit*``) found inside a longer word."""
    for alias in aliases:
        if alias.inner:
            _add_alias_at(text, start, end, alias, found)


def _add_alias_at(
    text: str,
    start: int,
    end: int,
    alias: CompiledAlias,
    found: dict[tuple[int, int, int], str],
) -> None:
    if alias.prefix[0]:
        end = _word_end(text, end)
    elif not _ends_word(text, end, alias.key[-1]):
        return
    found.setdefault((alias.entry, start, end), alias.key)


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


def _after_clitic(text: str, start: int) -> bool:
    """Does the word before ``start`` consist of an Arabic clitic glued to the alias?"""
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
    word_chars = WORD_CHARS
    length = len(text)
    while position < length and word_chars[text[position]]:
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


def _match_rest(text: str, end: int, alias: CompiledAlias) -> int:
    """End of ``alias`` whose key ends at ``end``, or -1 if its other words do not follow."""
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


# What an entry says, as bits: a longer hit hides a shorter hit inside it only when they
# say something of the same kind, so "signed an agreement" (a relation cue) hides the
# relation cue "agreement" but not the agreements_policy cue of the same word, while
# "Moon Jae-in" (a negative) hides everything inside it.
ACTOR, EVENT_TYPE, RELATION, CONTEXT = 1, 2, 4, 8
EVERYTHING = ACTOR | EVENT_TYPE | RELATION | CONTEXT


def entry_mask(entry: GazetteerEntry) -> int:
    """The kinds of thing an entry says (EVERYTHING for negatives and pure blockers)."""
    mask = (
        (ACTOR if entry.actors else 0)
        | (EVENT_TYPE if entry.event_types else 0)
        | (RELATION if entry.relation is not None else 0)
        | (CONTEXT if entry.space or entry.strategic or entry.international else 0)
    )
    return EVERYTHING if entry.negative or not mask else mask


def _drop_nested(found: dict[tuple[int, int, int], str], masks: list[int]) -> list[Hit]:
    """Drop hits lying strictly inside a longer hit that says the same kind of thing.

    This is how disambiguation works: "Moon Jae-in", "Mars bar" or "lunar calendar" are
    entries of their own, and their longer match hides the "moon", "Mars" or "lunar" cue
    inside them; "lunar south pole" counts once, not also as "lunar". A phrase that says
    something else (the cooperation cue "signed an agreement") leaves the inner cue
    ("agreement" as an agreements_policy cue) alone. Hits with the same span are all kept.
    """
    ordered = sorted(found, key=lambda h: (h[1], -h[2], h[0]))
    kept: list[Hit] = []
    covers: list[tuple[int, int, int]] = []  # kept hits that may still cover: (start, end, mask)
    for span in ordered:
        entry, start, end = span
        mask = masks[entry]
        if covers:
            # Hits come by start: a cover ending at or before this start covers nothing more.
            covers = [cover for cover in covers if cover[1] > start]
            hidden = False
            for cover_start, cover_end, cover_mask in covers:
                if cover_end >= end and cover_end - cover_start > end - start and cover_mask & mask:
                    hidden = True
                    break
            if hidden:
                continue
        kept.append((entry, start, end, found[span]))
        covers.append((start, end, mask))
    return kept
