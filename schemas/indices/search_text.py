"""What the ``search_text`` field holds: text normalized for search without analysis plugins.

The server-only Elasticsearch (and many managed clusters) has the ``standard`` and
``whitespace`` analyzers but no language analyzers, stemmers, ICU or Chinese segmenters.
So the language work happens here, in Python, on both sides:

- documents: :func:`document_search_text` turns title and summary, in the article's
  language, into space-separated tokens; the field is mapped with the ``whitespace``
  analyzer, which indexes them as they are;
- queries: :func:`query_alternatives` turns what a person typed, language unknown, into every
  token sequence a matching document may hold (each Snowball stem the word could have, and
  its plain folded form).

Steps, identical on both sides: Unicode NFKC, case folding, ``ё`` -> ``е``, traditional ->
simplified Chinese. Words of a spaced script are stemmed with the Snowball algorithm of the
article's language (PyStemmer) when the word is in that language's script, else with the
script's default (a Latin word in a Russian article is most likely English or a name), then
folded further: Latin diacritics dropped after stemming (the stemmers expect them), Arabic
letter variants unified. Runs of Han characters and kana, and of Hangul, become overlapping
character bigrams (a run of one character stays as it is), so a Chinese query finds its words
without a dictionary; the single characters of longer runs follow at the end of the field, so
a one-character query finds them too, without breaking the bigrams' positions (phrases of
bigrams stay exact).

Everything is deterministic for a given PyStemmer and OpenCC: documents written by an older
version are brought up to date by ``orbitwatch es reindex``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

import opencc
import Stemmer

from orbitwatch.core.letters import ARABIC_LETTER_VARIANTS

# Language code (ISO 639-1, the primary subtag of ``Article.language``) -> Snowball algorithm.
# Ukrainian has no Snowball stemmer: its own letters are mapped to their Russian counterparts
# and the Russian stemmer does the rest (``станція``/``станції``/``станцію`` -> ``станц``).
LANGUAGE_ALGORITHMS: dict[str, str] = {
    "en": "english",
    "ru": "russian",
    "uk": "ukrainian",
    "be": "ukrainian",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "it": "italian",
    "tr": "turkish",
    "nl": "dutch",
    "sv": "swedish",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "da": "danish",
    "fi": "finnish",
    "hu": "hungarian",
    "ro": "romanian",
    "ca": "catalan",
    "eu": "basque",
    "ga": "irish",
    "lt": "lithuanian",
    "et": "estonian",
    "cs": "czech",
    "pl": "polish",
    "id": "indonesian",
    "ms": "indonesian",
    "el": "greek",
    "ar": "arabic",
    "fa": "persian",
    "hi": "hindi",
    "ne": "nepali",
    "hy": "armenian",
    "ta": "tamil",
}

LATIN, CYRILLIC, GREEK, ARABIC, DEVANAGARI, ARMENIAN, TAMIL = (
    "latin",
    "cyrillic",
    "greek",
    "arabic",
    "devanagari",
    "armenian",
    "tamil",
)

# The script each algorithm stems; it leaves words of other scripts alone or mangles them.
ALGORITHM_SCRIPTS: dict[str, str] = {
    "russian": CYRILLIC,
    "ukrainian": CYRILLIC,
    "greek": GREEK,
    "arabic": ARABIC,
    "persian": ARABIC,
    "hindi": DEVANAGARI,
    "nepali": DEVANAGARI,
    "armenian": ARMENIAN,
    "tamil": TAMIL,
}
# The algorithm for a word whose script is not its article's (or of an article whose language
# is unknown).
SCRIPT_DEFAULTS: dict[str, str] = {
    LATIN: "english",
    CYRILLIC: "russian",
    GREEK: "greek",
    ARABIC: "arabic",
    DEVANAGARI: "hindi",
    ARMENIAN: "armenian",
    TAMIL: "tamil",
}

# (first, last) code points -> script. Checked in order; the first letter of a word decides.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, LATIN),
    (0x1E00, 0x1EFF, LATIN),  # Vietnamese and other precomposed Latin letters
    (0x0370, 0x03FF, GREEK),
    (0x1F00, 0x1FFF, GREEK),
    (0x0400, 0x052F, CYRILLIC),
    (0x0530, 0x058F, ARMENIAN),
    (0x0600, 0x06FF, ARABIC),
    (0x0750, 0x077F, ARABIC),
    (0x0900, 0x097F, DEVANAGARI),
    (0x0B80, 0x0BFF, TAMIL),
)

# Han ideographs and kana (no spaces between words) and Hangul (spaces between phrases, but
# particles glued to nouns): both become character bigrams.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HIRAGANA = re.compile("[\u3040-\u309f]+$")


def _is_cjk_or_hangul(code: int) -> bool:
    return any(
        first <= code <= last
        for first, last in ((0x1100, 0x11FF), (0x3040, 0x30FF), (0x3130, 0x318F),
                            (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF),
                            (0xF900, 0xFAFF))
    )  # fmt: skip


def _word_class() -> str:
    """The characters of a word in a spaced script, as one regex class body (one class
    scans several times faster than an alternation): letters and digits, and combining marks,
    which continue a word (Devanagari vowel signs, Arabic harakat) although
    ``str.isalnum`` says no; not CJK or Hangul (bigrams), not ``_``."""
    parts: list[str] = []
    start = previous = -2
    for code in range(0x30, 0x10000):
        char = chr(code)
        if not (char.isalnum() or unicodedata.category(char)[0] == "M"):
            continue
        if 0xD800 <= code <= 0xDFFF or _is_cjk_or_hangul(code):
            continue
        if code != previous + 1:
            if start >= 0:
                parts.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
            start = code
        previous = code
    parts.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
    return "".join(parts)


_WORD = re.compile(f"[{_word_class()}]+")
_CJK_OR_HANGUL = re.compile(f"[{_CJK}{_HANGUL}]")
_TOKEN = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<hangul>[{_HANGUL}]+)|(?P<word>{_WORD.pattern})")

# Korean particles (josa) glued to the end of a noun: a query strips one to find the noun in
# any case. Longest first. Only the query side strips (see :func:`_run_alternatives`).
_JOSA = tuple(
    sorted(
        [
            "에서는",
            "에게서",
            "으로는",
            "으로서",
            "으로써",
            "까지는",
            "부터는",
            "에서",
            "에게",
            "한테",
            "으로",
            "로서",
            "로써",
            "까지",
            "부터",
            "처럼",
            "보다",
            "이나",
            "이며",
            "이다",
            "과의",
            "와의",
            "의",
            "은",
            "는",
            "이",
            "가",
            "을",
            "를",
            "에",
            "로",
            "와",
            "과",
            "도",
            "만",
            "나",
        ],
        key=len,
        reverse=True,
    )
)

# After stemming: letters a Latin-script user may type without their diacritic, and Arabic /
# Persian letter variants that writers use interchangeably.
_LATIN_EXTRA = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ı": "i", "ħ": "h", "æ": "ae"})
_ARABIC_FOLD = str.maketrans(
    {
        **ARABIC_LETTER_VARIANTS,
        "ـ": None,  # tatweel, a stretching stroke
        **{chr(c): None for c in range(0x064B, 0x0653)},  # harakat (short vowel marks)
    }
)


# Algorithms of our own: a Snowball one applied after mapping some letters.
_MAPPED_ALGORITHMS: dict[str, tuple[str, dict[int, str]]] = {
    "ukrainian": ("russian", str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г", "ў": "у"})),
}
# Corrections around Snowball where it leaves two forms of one word apart, as (pattern,
# replacement) applied before or after stemming. Russian drops the vowel of -ок/-ек/-ец in most
# forms (поставок/поставки, конец/конца): the vowel goes from every stem. Portuguese nouns in
# -ão make their plural in -ões/-ães (estação/estações). Portuguese and Spanish stemmers leave a
# plural -s on short words (obras/obra).
_BEFORE: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "portuguese": ((re.compile("[õã]es$"), "ão"),),
}
_AFTER: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "russian": ((re.compile(r"(?<=...)[ое]([кц])$"), r"\1"),),
    "portuguese": ((re.compile(r"(?<=...)s$"), ""),),
    "spanish": ((re.compile(r"(?<=...)s$"), ""),),
}
# Turkish stacks suffixes Snowball only partly removes (araştırma/araştırması): its stems are
# cut to their first five letters, which retrieval studies on Turkish found as good as a
# full morphological analysis.
_TRUNCATE: dict[str, int] = {"turkish": 5}
# A stem shorter than this is usually a wrong guess (Turkish ``uydu``, "satellite", read as a
# verb ending stems to ``u``; Russian ``арена`` to ``ар`` but ``арену`` to ``арен``): the word
# is kept whole instead, or, in Russian, less one final vowel, which is what most of its
# stems are (``луна``/``лун``).
MIN_STEM = 3
_MIN_STEMS: dict[str, int] = {"russian": 4}
_SHORT_STEM_FALLBACK: dict[str, re.Pattern[str]] = {"russian": re.compile("[аеиоуыэюяйь]$")}


_INVISIBLE = (("ё", "е"), ("\u200c", ""), ("\u200d", ""))


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


def language_algorithm(language: str | None) -> str | None:
    """The Snowball algorithm for a language code (``de``, ``pt-BR``), or None."""
    if not language:
        return None
    primary = re.split(r"[-_\s]", language.strip().lower(), maxsplit=1)[0]
    return LANGUAGE_ALGORITHMS.get(primary)


def algorithm_script(algorithm: str) -> str:
    return ALGORITHM_SCRIPTS.get(algorithm, LATIN)


def script_of(word: str) -> str | None:
    """The script of a word's first letter (None for digits and unlisted scripts)."""
    for char in word:
        if not char.isalpha():
            continue
        code = ord(char)
        for first, last, script in _SCRIPT_RANGES:
            if first <= code <= last:
                return script
        return None
    return None


def fold(text: str) -> str:
    """NFKC, case folding, ``ё`` -> ``е``, zero-width joiners out and traditional ->
    simplified Chinese. A zero-width non-joiner binds a Persian plural or clitic to its word
    (``ماهواره‌ها``): without it the word stays whole and the Persian stemmer takes the
    ending off."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # str.replace is a fast scan where translate looks up every character of the text.
    for old, new in _INVISIBLE:
        if old in folded:
            folded = folded.replace(old, new)
    if _HAN.search(folded):
        folded = _t2s().convert(folded)
    return folded


def _finish(word: str, script: str | None) -> str:
    """The folding that comes after stemming."""
    if script == LATIN and not word.isascii():
        decomposed = unicodedata.normalize("NFD", word.translate(_LATIN_EXTRA))
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    if script == ARABIC:
        return word.translate(_ARABIC_FOLD)
    return word


@lru_cache(maxsize=200_000)
def normalize_word(word: str, algorithm: str | None) -> str:
    """One folded word, stemmed with ``algorithm`` (None: no stemming) and finished."""
    script = script_of(word)
    if algorithm is not None and script is not None:
        mapped = word
        if algorithm in _MAPPED_ALGORITHMS:
            algorithm, letters = _MAPPED_ALGORITHMS[algorithm]
            mapped = word.translate(letters)
        for pattern, replacement in _BEFORE.get(algorithm, ()):
            mapped = pattern.sub(replacement, mapped)
        stem: str = _stemmer(algorithm).stemWord(mapped)
        for pattern, replacement in _AFTER.get(algorithm, ()):
            stem = pattern.sub(replacement, stem)
        if len(stem) < _MIN_STEMS.get(algorithm, MIN_STEM) and len(stem) < len(mapped):
            fallback = _SHORT_STEM_FALLBACK.get(algorithm)
            stem = fallback.sub("", mapped) if fallback else mapped
        word = stem[: _TRUNCATE.get(algorithm)]
    return _finish(word, script)


def _word_algorithm(script: str | None, algorithm: str | None) -> str | None:
    if script is None:
        return None
    if algorithm is not None and algorithm_script(algorithm) == script:
        return algorithm
    return SCRIPT_DEFAULTS.get(script)


def bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a run; a run of one character is itself."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _tokens(folded: str) -> Iterable[tuple[str, str]]:
    """(kind, text) of every run: ``cjk``, ``hangul`` or ``word``."""
    for match in _TOKEN.finditer(folded):
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group()


class _DocumentWords(dict[str, str]):
    """Word -> token for documents of one language: the hot path is a plain subscript
    (``map(cache.__getitem__, words)`` runs in C); a new word is normalized once. Emptied
    when it grows past ``MAX_CACHED_WORDS`` so memory stays bounded."""

    def __init__(self, algorithm: str | None) -> None:
        super().__init__()
        self.algorithm = algorithm

    def __missing__(self, word: str) -> str:
        if len(self) >= MAX_CACHED_WORDS:
            self.clear()
        token = normalize_word(word, _word_algorithm(script_of(word), self.algorithm))
        self[word] = token
        return token


MAX_CACHED_WORDS = 200_000
_DOCUMENT_WORDS: dict[str | None, _DocumentWords] = {}


def _document_words(algorithm: str | None) -> _DocumentWords:
    cache = _DOCUMENT_WORDS.get(algorithm)
    if cache is None:
        cache = _DOCUMENT_WORDS[algorithm] = _DocumentWords(algorithm)
    return cache


def document_search_text(texts: Iterable[str], language: str | None) -> str:
    """The ``search_text`` of a document whose ``texts`` (title, summary) are in
    ``language``: tokens separated by single spaces."""
    words = _document_words(language_algorithm(language))
    tokens: list[str] = []
    characters: dict[str, None] = {}  # single characters of longer CJK runs, first seen first
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        if not _CJK_OR_HANGUL.search(folded):  # most texts: words only, one list pass
            tokens.extend(map(words.__getitem__, _WORD.findall(folded)))
            continue
        for cjk, hangul, word in _TOKEN.findall(folded):
            if word:
                tokens.append(words[word])
                continue
            run = cjk or hangul
            tokens.extend(bigrams(run))
            if len(run) > 1:
                characters.update(dict.fromkeys(run))
    tokens.extend(characters)
    return " ".join(tokens)


# -- the query side -----------------------------------------------------------------------------


def _all_algorithms() -> list[str]:
    return sorted(set(LANGUAGE_ALGORITHMS.values()))


def _word_forms(run: str) -> set[str]:
    """Every token a document may hold for this word: its folded form and its stem under
    each algorithm of its script."""
    script = script_of(run)
    forms = {normalize_word(run, None)}
    if script is not None:
        forms.update(
            normalize_word(run, algorithm)
            for algorithm in _all_algorithms()
            if algorithm_script(algorithm) == script
        )
    return forms


def _strip_josa(run: str) -> str | None:
    for particle in _JOSA:
        if run.endswith(particle) and len(run) - len(particle) >= 1:
            return run[: -len(particle)]
    return None


def _run_alternatives(kind: str, run: str) -> list[tuple[str, ...]]:
    """Alternatives for one CJK or Hangul run: its bigrams, and those of the run without a
    grammatical ending (Japanese trailing kana such as ``打ち上げた``, a Korean particle)."""
    found = [tuple(bigrams(run))]
    stripped: str | None = None
    if kind == "cjk" and (ending := _HIRAGANA.search(run)) and ending.start() >= 2:
        stripped = run[: ending.start()]
    elif kind == "hangul":
        stripped = _strip_josa(run)
    if stripped and stripped != run:
        found.append(tuple(bigrams(stripped)))
    return found


def query_alternatives(text: str) -> list[tuple[str, ...]]:
    """Token sequences, any one of which in a document's ``search_text`` means it matches
    ``text`` (a word or a phrase someone typed, language unknown). A sequence of several
    tokens is meant as a phrase. Empty when ``text`` has nothing to search for."""
    runs = list(_tokens(fold(text)))
    if not runs:
        return []
    if len(runs) == 1:
        kind, run = runs[0]
        if kind == "word":
            return [(form,) for form in sorted(_word_forms(run))]
        return _run_alternatives(kind, run)
    # A phrase: one sequence per way an article could have been stemmed, each consistent
    # (every word of the phrase in the same article language), plus the unstemmed one.
    found: dict[tuple[str, ...], None] = {}
    for algorithm in [None, *_all_algorithms()]:
        sequence: list[str] = []
        for kind, run in runs:
            if kind != "word":
                sequence.extend(bigrams(run))
                continue
            script = script_of(run)
            chosen = None if algorithm is None else _word_algorithm(script, algorithm)
            sequence.append(normalize_word(run, chosen))
        found[tuple(sequence)] = None
    return list(found)


def supported_languages() -> list[str]:
    """Language codes stemmed with a Snowball algorithm (for the docs and the CLI)."""
    return sorted(LANGUAGE_ALGORITHMS)


def clear_caches() -> None:
    """Forget every word normalized so far (benchmarks measure the cold path with it)."""
    _DOCUMENT_WORDS.clear()
    normalize_word.cache_clear()
