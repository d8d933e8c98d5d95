"""Alert rules: the YAML file format, its validation, and the per-event conditions.

A rule file is a mapping with one key, ``rules``, holding a list of rules. Every rule has a
``name`` (lower-case slug, unique), a ``kind`` and optionally ``description``, ``enabled``
and ``realert``. See ``deploy/rules.yaml`` for examples of each kind and ``docs/alerting.md``
for the semantics. Errors name the file, the rule (index and name) and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from orbitwatch.core.config_file import ConfigFileError, load_yaml_file
from orbitwatch.core.settings import Settings
from schemas import ClassifiedEvent, EventType, Relation, Severity
from schemas.classification import ACTOR_PATTERN
from streams.alerting.durations import Duration
from streams.alerting.query import Query, QueryDocument, QueryError, compile_query, normalise_pair

RULE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
Actor = Annotated[str, Field(pattern=ACTOR_PATTERN)]


class RuleFileError(ConfigFileError):
    """The rule file cannot be read or a rule in it is invalid (all problems listed)."""

    what = "alert rules"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Strict):
    """Conditions on one classified event; every condition given must hold."""

    relevant: bool | None = Field(True, description="Only relevant events (null: any)")
    min_severity: Severity | None = None
    actors_any: list[Actor] = Field(default_factory=list)
    actors_all: list[Actor] = Field(default_factory=list)
    actor_pairs: list[str] = Field(default_factory=list, description="Any of, e.g. CN-RU")
    event_types_any: list[EventType] = Field(default_factory=list)
    event_types_all: list[EventType] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    query: str | None = Field(None, description="Lucene-style query over title and summary")

    _compiled: Query | None = PrivateAttr(default=None)

    @field_validator("actor_pairs")
    @classmethod
    def _pairs(cls, value: list[str]) -> list[str]:
        pairs = []
        for pair in value:
            sides = pair.upper().split("-")
            if len(sides) != 2 or not all(side for side in sides):
                raise ValueError(f"not an actor pair: {pair!r} (write e.g. CN-RU)")
            pairs.append(normalise_pair("-".join(sides)))
        return pairs

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compile_query(value)
            except QueryError as exc:
                raise ValueError(str(exc)) from exc
        return value

    def model_post_init(self, __context: Any) -> None:
        self._compiled = compile_query(self.query) if self.query else None

    def matches(self, event: ClassifiedEvent, document: QueryDocument | None = None) -> bool:
        if not self.prefilter(event):
            return False
        return self.matches_query(document or QueryDocument.from_event(event))

    def matches_query(self, document: QueryDocument) -> bool:
        return self._compiled is None or self._compiled.matches(document)

    def prefilter(self, event: ClassifiedEvent) -> bool:
        """The structured conditions alone (cheap: no text is looked at)."""
        c, article = event.classification, event.article
        if self.relevant is not None and c.relevant != self.relevant:
            return False
        if self.min_severity is not None and c.severity.rank < self.min_severity.rank:
            return False
        actors = set(c.actors)
        if self.actors_any and not actors.intersection(self.actors_any):
            return False
        if not actors.issuperset(self.actors_all):
            return False
        if self.actor_pairs and not set(c.actor_pairs).intersection(self.actor_pairs):
            return False
        types = set(c.event_types)
        if self.event_types_any and not types.intersection(self.event_types_any):
            return False
        if not types.issuperset(self.event_types_all):
            return False
        if self.relations and c.relation not in self.relations:
            return False
        if self.feeds and article.feed_id not in self.feeds:
            return False
        return not (self.languages and (article.language or "") not in self.languages)


class RuleBase(_Strict):
    name: str = Field(pattern=RULE_NAME_PATTERN)
    description: str = ""
    enabled: bool = True
    realert: Duration | None = Field(
        None, description="Quiet time before the same subject alerts again (default: settings)"
    )


class MatchRule(RuleBase):
    """One alert per story (and escalation) for events that meet ``when``."""

    kind: Literal["match"]
    when: When = Field(default_factory=When)
    digest: bool | Duration = Field(
        False, description="Collect into a digest: true (settings interval) or an interval"
    )


GroupBy = Literal["actor_pair", "actor", "event_type", "feed", "all"]
CountUnit = Literal["articles", "stories"]


class _AggregateRule(RuleBase):
    when: When = Field(default_factory=When)
    group_by: GroupBy = "all"
    count: CountUnit = Field(
        "articles", description="articles (near-duplicates excluded) or new stories"
    )
    severity: Severity = Severity.medium
    bucket: Duration | None = Field(None, description="Counting granularity")

    def groups_of(self, event: ClassifiedEvent) -> list[str]:
        """The groups an event counts towards (restricted to the pairs ``when`` names)."""
        c = event.classification
        if self.group_by == "actor_pair":
            pairs = c.actor_pairs
            return (
                [p for p in pairs if p in self.when.actor_pairs] if self.when.actor_pairs else pairs
            )
        if self.group_by == "actor":
            return list(c.actors)
        if self.group_by == "event_type":
            return [t.value for t in c.event_types]
        if self.group_by == "feed":
            return [event.article.feed_id]
        return ["*"]

    def counts(self, event: ClassifiedEvent) -> bool:
        if self.count == "stories":
            return event.story_id == event.article.id  # the first article opens the story
        return event.duplicate_of is None


class FrequencyRule(_AggregateRule):
    """At least ``threshold`` events within ``window``."""

    kind: Literal["frequency"]
    window: Duration
    threshold: int = Field(ge=1)

    @model_validator(mode="after")
    def _bucket_fits(self) -> FrequencyRule:
        _check_bucket(self.bucket_size, self.window, "window")
        return self

    @property
    def bucket_size(self) -> timedelta:
        return self.bucket or max(self.window / 12, timedelta(minutes=1))

    @property
    def horizon(self) -> timedelta:
        return self.window + self.bucket_size


class SpikeRule(_AggregateRule):
    """The rate in the last ``window`` is at least ``factor`` times the rate of ``baseline``."""

    kind: Literal["spike"]
    window: Duration = timedelta(hours=6)
    baseline: Duration = timedelta(days=7)
    factor: float = Field(3.0, gt=1.0)
    min_count: int = Field(3, ge=1, description="Never fire on fewer events than this")

    @model_validator(mode="after")
    def _bucket_fits(self) -> SpikeRule:
        _check_bucket(self.bucket_size, self.window, "window")
        _check_bucket(self.bucket_size, self.baseline, "baseline")
        return self

    @property
    def bucket_size(self) -> timedelta:
        return self.bucket or min(timedelta(hours=1), self.window / 6)

    @property
    def horizon(self) -> timedelta:
        return self.window + self.baseline + self.bucket_size


def _check_bucket(bucket: timedelta, span: timedelta, name: str) -> None:
    ratio = span / bucket
    if ratio < 1 or abs(ratio - round(ratio)) > 1e-9:
        raise ValueError(f"{name} must be a whole number of buckets ({bucket} each)")


class FlatlineRule(RuleBase):
    """A feed, or the whole pipeline, has produced nothing for longer than ``silent_for``."""

    kind: Literal["flatline"]
    target: Literal["pipeline", "feed"]
    feeds: list[str] = Field(
        default_factory=list, description="Feeds to watch (empty: every feed seen)"
    )
    silent_for: Duration | None = Field(None, description="Default: settings")
    severity: Severity = Severity.medium

    @model_validator(mode="after")
    def _feeds_need_feed_target(self) -> FlatlineRule:
        if self.feeds and self.target != "feed":
            raise ValueError("feeds applies to target: feed only")
        return self


AggregateRule = FrequencyRule | SpikeRule
Rule = Annotated[MatchRule | FrequencyRule | SpikeRule | FlatlineRule, Field(discriminator="kind")]
_RULE_ADAPTER: TypeAdapter[MatchRule | FrequencyRule | SpikeRule | FlatlineRule] = TypeAdapter(Rule)


@dataclass(frozen=True)
class RuleDefaults:
    """Values rules fall back to, from the settings model."""

    realert: timedelta = timedelta(hours=6)
    digest_interval: timedelta = timedelta(hours=1)
    flatline_feed_after: timedelta = timedelta(hours=24)
    flatline_pipeline_after: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleDefaults:
        return cls(
            realert=settings.alert_realert,
            digest_interval=settings.alert_digest_interval,
            flatline_feed_after=settings.alert_flatline_feed_after,
            flatline_pipeline_after=settings.alert_flatline_pipeline_after,
        )


@dataclass(frozen=True)
class RuleSet:
    """The enabled rules by kind, with defaults resolved through small accessors."""

    rules: tuple[MatchRule | FrequencyRule | SpikeRule | FlatlineRule, ...]
    defaults: RuleDefaults = field(default_factory=RuleDefaults)

    @property
    def enabled(self) -> list[MatchRule | FrequencyRule | SpikeRule | FlatlineRule]:
        return [r for r in self.rules if r.enabled]

    @property
    def match(self) -> list[MatchRule]:
        return [r for r in self.enabled if isinstance(r, MatchRule)]

    @property
    def aggregate(self) -> list[FrequencyRule | SpikeRule]:
        return [r for r in self.enabled if isinstance(r, FrequencyRule | SpikeRule)]

    @property
    def flatline(self) -> list[FlatlineRule]:
        return [r for r in self.enabled if isinstance(r, FlatlineRule)]

    def get(self, name: str) -> MatchRule | FrequencyRule | SpikeRule | FlatlineRule | None:
        return next((r for r in self.rules if r.name == name), None)

    def realert(self, rule: RuleBase) -> timedelta:
        return rule.realert or self.defaults.realert

    def digest_interval(self, rule: MatchRule) -> timedelta | None:
        if rule.digest is False:
            return None
        if rule.digest is True:
            return self.defaults.digest_interval
        return rule.digest

    def silent_for(self, rule: FlatlineRule) -> timedelta:
        if rule.silent_for is not None:
            return rule.silent_for
        if rule.target == "feed":
            return self.defaults.flatline_feed_after
        return self.defaults.flatline_pipeline_after

    def longest_realert(self) -> timedelta:
        return max((self.realert(r) for r in self.rules), default=self.defaults.realert)


def parse_rules(
    data: Any, source: Path | str = "<rules>", defaults: RuleDefaults | None = None
) -> RuleSet:
    """Validate already-parsed YAML; raises :class:`RuleFileError` listing every problem."""
    if not isinstance(data, dict) or set(data) != {"rules"}:
        raise RuleFileError(source, ["the file must be a mapping with one key, rules: [...]"])
    entries = data["rules"] or []
    if not isinstance(entries, list):
        raise RuleFileError(source, ["rules must be a list"])
    problems: list[str] = []
    rules = []
    for index, entry in enumerate(entries):
        label = _label(index, entry)
        try:
            rules.append(_RULE_ADAPTER.validate_python(entry))
        except ValidationError as exc:
            problems.extend(f"{label}: {line}" for line in _explain(exc))
    problems.extend(_duplicates(rules))
    if problems:
        raise RuleFileError(source, problems)
    return RuleSet(tuple(rules), defaults or RuleDefaults())


def load_rules(path: Path, defaults: RuleDefaults | None = None) -> RuleSet:
    """Read and validate a rule file."""
    return parse_rules(load_yaml_file(path, RuleFileError), path, defaults)


def _label(index: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"rules[{index}] ({name})" if isinstance(name, str) else f"rules[{index}]"


def _explain(exc: ValidationError) -> Iterable[str]:
    kinds = "match, frequency, spike, flatline"
    for error in exc.errors():
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
            yield f"kind: must be one of {kinds}"
            continue
        # The first location element is the union tag (the kind); the field path follows.
        loc = [str(part) for part in error["loc"][1:]]
        where = ".".join(loc) or "<rule>"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        yield f"{where}: {message}"


def _duplicates(rules: Iterable[RuleBase]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for rule in rules:
        if rule.name in seen:
            problems.append(f"rule name {rule.name!r} is used more than once")
        seen.add(rule.name)
    return problems
