"""The search_text normalizer (schemas/indices/search_text.py), language by language.

Each case lists forms of one word, written out by hand; the normalizer must bring them to
the same token in a document of that language, and a query with any of them (language
unknown) must offer that token.
"""

from __future__ import annotations

import pytest

from schemas.indices.search_text import (
    bigrams,
    document_search_text,
    fold,
    language_algorithm,
    normalize_word,
    query_alternatives,
    script_of,
)

pytestmark = pytest.mark.unit

# language -> forms of one word that a reader takes for the same word
SAME_WORD = {
    "ru": ["станция", "станции", "станций", "станцию"],
    "uk": ["станція", "станції", "станцію"],
    "de": ["Satellit", "Satelliten"],
    "fr": ["satellite", "satellites"],
    "es": ["satélite", "satélites", "satelites"],
    "pt": ["lançamento", "lançamentos"],
    "pt-BR": ["estação", "estações", "estacao"],
    "it": ["satellite", "satelliti"],
    "tr": ["uydu", "uyduları"],
    "fa": ["ماهواره", "ماهواره‌ها"],
    "nl": ["satelliet", "satellieten"],
    "sv": ["satellit", "satelliten", "satelliter"],
    "pl": ["satelita", "satelity", "satelitów"],
    "en": ["launch", "launches", "launched", "launching"],
    "ar": ["القمر", "قمر"],
    "hi": ["उपग्रह", "उपग्रहों"],
    "id": ["peluncuran", "meluncurkan"],
}


@pytest.mark.parametrize("language", sorted(SAME_WORD))
def test_forms_of_a_word_share_one_token(language: str) -> None:
    forms = SAME_WORD[language]
    tokens = {document_search_text([form], language) for form in forms}
    assert len(tokens) == 1, tokens
    (token,) = tokens
    assert " " not in token
    for form in forms:
        assert (token,) in query_alternatives(form), form


def test_the_demo_glonass_title_is_found_by_station_in_any_case() -> None:
    text = document_search_text(
        ["Россия и Китай договорились о размещении наземных станций ГЛОНАСС и BeiDou"], "ru"
    )
    tokens = text.split()
    assert "станц" in tokens and "глонасс" in tokens and "beidou" in tokens
    for query in ("станция", "станции", "Станцию", "СТАНЦИЙ"):
        assert ("станц",) in query_alternatives(query)


def test_traditional_chinese_becomes_simplified_bigrams() -> None:
    simplified = document_search_text(["中俄签署北斗与格洛纳斯地面站互设合作协议"], "zh")
    assert simplified == document_search_text(["中俄簽署北斗與格洛納斯地面站互設合作協議"], "zh")
    assert "格洛 洛纳 纳斯" in simplified
    # every character of a longer run is there too, after the bigrams: a one-character query
    assert simplified.split()[-1] == "议"
    assert query_alternatives("格洛納斯") == [("格洛", "洛纳", "纳斯")]
    assert query_alternatives("星") == [("星",)]


def test_bigrams() -> None:
    assert bigrams("北斗") == ["北斗"]
    assert bigrams("月") == ["月"]
    assert bigrams("卫星站") == ["卫星", "星站"]


def test_japanese_kana_endings_and_korean_particles_are_optional_in_queries() -> None:
    document = document_search_text(["ロケットを打ち上げた"], "ja").split()
    assert {"打ち", "ち上", "上げ"} <= set(document)
    # 打ち上げる (dictionary form) shares everything but its ending with 打ち上げた
    assert ("打ち", "ち上") in query_alternatives("打ち上げる")
    korean = document_search_text(["우주정거장에서"], "ko")
    assert korean.startswith("우주 주정 정거 거장 장에 에서")
    assert ("우주", "주정", "정거", "거장") in query_alternatives("우주정거장을")


def test_folding_everywhere() -> None:
    assert fold("ＧＬＯＮＡＳＳ Ёлка") == "glonass елка"
    assert document_search_text(["Ёлка"], None) == document_search_text(["елка"], None)
    # Latin diacritics go after stemming; a query typed without them still matches
    assert document_search_text(["Kourou Vệ tinh"], "vi") == "kourou ve tinh"
    assert ("lancamento",) in query_alternatives("lancamento")
    assert document_search_text(["Straße"], "de") == document_search_text(["STRASSE"], "de")


def test_a_word_in_another_script_gets_its_scripts_default_stemmer() -> None:
    # An English word in a Russian article, a Russian word in a Chinese one.
    assert document_search_text(["satellites"], "ru") == "satellit"
    assert document_search_text(["станции"], "zh") == "станц"
    assert document_search_text(["станции satellites"], None) == "станц satellit"


def test_russian_fleeting_vowels() -> None:
    assert document_search_text(["поставок поставки конец конца"], "ru") == (
        "поставк поставк конц конц"
    )


def test_short_stems_keep_the_word() -> None:
    # Turkish "uydu" (satellite) read as a verb ending would become "u".
    assert normalize_word("uydu", "turkish") == "uydu"
    # Russian: Snowball takes "арена" for a participle ("ар") but "арену" for a noun.
    assert normalize_word("арена", "russian") == normalize_word("арену", "russian") == "арен"
    assert normalize_word("орбите", "russian") == normalize_word("орбиту", "russian")


def test_turkish_stems_are_cut_to_five_letters() -> None:
    assert normalize_word("araştırması", "turkish") == normalize_word("araştırma", "turkish")
    assert normalize_word("araştırma", "turkish") == "arast"


def test_short_portuguese_and_spanish_plurals() -> None:
    assert normalize_word("obras", "portuguese") == normalize_word("obra", "portuguese")
    assert normalize_word("obras", "spanish") == normalize_word("obra", "spanish")


def test_phrases_stay_consistent_per_language() -> None:
    alternatives = query_alternatives("наземных станций")
    assert ("наземн", "станц") in alternatives
    assert ("наземных", "станций") in alternatives
    assert all(len(a) == 2 for a in alternatives)


def test_nothing_to_search_for() -> None:
    assert query_alternatives("—!?") == []
    assert document_search_text(["", "..."], "en") == ""


def test_language_codes_and_scripts() -> None:
    assert language_algorithm("pt-BR") == "portuguese"
    assert language_algorithm("UK") == "ukrainian"
    assert language_algorithm("vi") is None
    assert language_algorithm(None) is None
    assert script_of("2033") is None
    assert script_of("Луна") == "cyrillic"
    assert script_of("قمر") == "arabic"


def test_deterministic() -> None:
    text = ["Russia and China plan a nuclear power plant on the Moon by 2033-2035", "Росатом"]
    assert document_search_text(text, "en") == document_search_text(list(text), "en")
    assert document_search_text(text, "en") == (
        "russia and china plan a nuclear power plant on the moon by 2033 2035 росат"
    )
