"""Gazetteer loading and validation: clear errors naming the file, the entry and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orbitwatch.core.errors import ConfigError
from streams.classifier import Classifier
from streams.classifier.gazetteer import GazetteerError, load_gazetteer, parse_file
from streams.classifier.matcher import AliasMatcher
from streams.classifier.normalize import normalize

pytestmark = pytest.mark.unit


def test_bundled_gazetteers_load() -> None:
    gazetteer = load_gazetteer()
    ids = [entry.id for entry in gazetteer.entries]
    assert len(ids) == len(set(ids))
    assert "agency-roscosmos" in ids
    assert all(entry.aliases for entry in gazetteer.entries)


def test_defaults_apply_and_entries_override() -> None:
    entries = parse_file(
        "demo.yaml",
        """
defaults: {space: 2}
entries:
  - id: a
    aliases: {en: [alpha]}
  - id: b
    space: 0
    aliases: {en: [beta]}
""",
    )
    assert [e.space for e in entries] == [2, 0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("entries: [", "not valid YAML"),
        ("- just a list", "expected a mapping"),
        ("entries: []", "entries"),
        ("entries:\n  - id: x\n    actors: [XX1]\n    aliases: {en: [x]}", "'x'"),
        ("entries:\n  - id: x\n    actors: [XX1]\n    aliases: {en: [x]}", "actors"),
        ("entries:\n  - id: x\n    aliases: {klingon: [x]}", "unknown language 'klingon'"),
        ("entries:\n  - id: x\n    aliases: {en: []}", "non-empty"),
        ("entries:\n  - id: x\n    event_types: [picnic]\n    aliases: {en: [x]}", "event_types"),
        ("entries:\n  - id: x\n    colour: red\n    aliases: {en: [x]}", "colour"),
        ("entries:\n  - id: x\n    space: 99\n    aliases: {en: [x]}", "space"),
    ],
)
def test_invalid_documents_name_the_problem(content: str, fragment: str) -> None:
    with pytest.raises(GazetteerError) as raised:
        parse_file("bad.yaml", content)
    message = str(raised.value)
    assert message.startswith("bad.yaml")
    assert fragment in message


def test_gazetteer_error_is_a_config_error() -> None:
    assert issubclass(GazetteerError, ConfigError)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("entries:\n  - id: same\n    aliases: {en: [x]}\n")
    (tmp_path / "b.yaml").write_text("entries:\n  - id: same\n    aliases: {en: [y]}\n")
    with pytest.raises(GazetteerError, match=r"'same' is already defined in a\.yaml"):
        load_gazetteer(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="not found"):
        load_gazetteer(tmp_path / "nowhere")


def test_an_analyst_can_add_knowledge_without_code(tmp_path: Path) -> None:
    """A new state and cue in YAML change the classifier's output, no Python involved."""
    (tmp_path / "mini.yaml").write_text(
        """
entries:
  - id: state-freedonia
    actors: [FD]
    aliases: {en: [Freedonia]}
  - id: state-sylvania
    actors: [SY]
    aliases: {en: [Sylvania]}
  - id: space
    space: 2
    aliases: {en: [satellite*]}
  - id: together
    relation: cooperation
    weight: 2
    aliases: {en: [jointly]}
""",
        encoding="utf-8",
    )
    classifier = Classifier(gazetteer_dir=tmp_path)
    result = classifier.classify_text("Freedonia and Sylvania jointly build a satellite", "")
    assert result.relevant
    assert result.actors == ["FD", "SY"]


# --- Cue coverage: what the lexicons find, whatever the decision does with it -------------
# A text -> the actors, event types and summed space evidence of the distinct entries found.
CueFinder = Callable[[str], tuple[set[str], set[str], float]]


@pytest.fixture(scope="module")
def cue_finder() -> CueFinder:
    gazetteer = load_gazetteer()
    matcher = AliasMatcher(gazetteer)

    def cues(text: str) -> tuple[set[str], set[str], float]:
        """Actors, event types and the space evidence of the distinct entries found."""
        normalized = normalize(text)
        hits = matcher.find(normalized.text, normalized.cased)
        entries = [gazetteer.entries[index] for index in sorted({hit[0] for hit in hits})]
        actors = {actor for entry in entries for actor in entry.actors}
        types = {str(t.value) for entry in entries for t in entry.event_types}
        return actors, types, sum(entry.space for entry in entries)

    return cues


@pytest.mark.parametrize(
    ("text", "actors", "types"),
    [
        pytest.param(
            "북한, 서해위성발사장에서 군사정찰위성 발사 준비",
            {"KP"},
            {"military", "launch"},
            id="ko-military-satellite-spaceport",
        ),
        pytest.param(
            "Rusya'nın uzaya nükleer silah yerleştirme planı ABD'yi endişelendiriyor",
            {"RU", "US"},
            {"nuclear", "counterspace"},
            id="tr-nuclear-weapon-in-space",
        ),
        pytest.param(
            "Глушіння GPS над Балтикою: Росія посилила перешкоди супутниковій навігації",
            {"RU"},
            {"counterspace"},
            id="uk-gnss-jamming",
        ),
        pytest.param(
            "L'Italia firma un accordo con gli Stati Uniti per l'esplorazione lunare",
            {"IT", "US"},
            {"agreements_policy", "lunar"},
            id="it-lunar-agreement",
        ),
        pytest.param(
            "Zakłócenia sygnału GPS nad Bałtykiem, Polska oskarża Rosję",
            {"PL", "RU"},
            {"counterspace"},
            id="pl-gps-interference",
        ),
        pytest.param(
            "Indonesia menempatkan satelit militer di orbit dengan roket peluncur India",
            {"ID", "IN"},
            {"military", "launch"},
            id="id-military-satellite",
        ),
        pytest.param(
            "A Chinese inspector satellite towed a satellite into a graveyard orbit",
            {"CN"},
            {"counterspace", "debris_ssa"},
            id="en-co-orbital-tug",
        ),
        pytest.param(
            "UN General Assembly votes on the prevention of an arms race in outer space",
            {"UN"},
            {"agreements_policy", "military"},
            id="en-paros-vote",
        ),
        pytest.param(
            "Канада рассматривает участие в американском проекте «Золотой купол»",
            {"US"},
            {"military"},
            id="ru-golden-dome",
        ),
        pytest.param(
            "이란 혁명수비대, 샤흐루드에서 정찰위성 발사… 미국 '안보리 결의 위반'",
            {"IR", "US", "UN"},
            {"military", "agreements_policy"},
            id="ko-iran-launch-un",
        ),
    ],
)
def test_new_cue_kinds_are_found_in_many_languages(
    cue_finder: CueFinder, text: str, actors: set[str], types: set[str]
) -> None:
    found_actors, found_types, space = cue_finder(text)
    assert actors <= found_actors, found_actors
    assert types <= found_types, found_types
    assert space >= 2, space


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # Russia's Aerospace Forces fly aircraft: the name is no space evidence.
        pytest.param("ВКС России нанесли удары по аэродрому", "space", id="ru-aerospace-forces"),
        # Ukrainian "про" (about) is not the Russian acronym for missile defence.
        pytest.param("Україна підписала угоду про співпрацю", "military", id="uk-pro-is-about"),
        # Korean 핵심 (core) starts like 핵 (nuclear).
        pytest.param("핵심 기술 협력 강화", "nuclear", id="ko-core-is-not-nuclear"),
        # Ukrainian місяць is also the month.
        pytest.param("Минулого місяця уряд ухвалив бюджет", "lunar", id="uk-month-is-not-moon"),
        # A golden dome on a cathedral is not the missile shield.
        pytest.param(
            "The golden dome of the cathedral was restored", "military", id="en-golden-dome-roof"
        ),
    ],
)
def test_everyday_words_do_not_pose_as_cues(cue_finder: CueFinder, text: str, absent: str) -> None:
    _, found_types, space = cue_finder(text)
    if absent == "space":
        assert space < 2, space
    else:
        assert absent not in found_types, found_types


def test_actor_codes_are_what_a_watchlist_may_name() -> None:
    codes = load_gazetteer().actor_codes()
    assert {"RU", "CN", "KP", "IR", "US", "NATO", "ESA"} <= codes
    assert "ZZ" not in codes
