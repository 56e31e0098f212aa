"""The policy file as pydantic models: what to do with each column, and which guarantees to reach.

Every model forbids unknown fields, so a typo (`acton: drop`) is an error that names the line,
not a silently ignored setting. Cross-field rules (epsilon > 0, k >= 2, parameters that belong to
another action...) live in validators here, so a policy that loads is a policy that can run.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

Scalar = str | int | float | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Action(StrEnum):
    """What happens to a column."""

    KEEP = "keep"
    DROP = "drop"
    REDACT = "redact"  # replace every value by a fixed token
    PSEUDONYMIZE = "pseudonymize"  # keyed: hmac | format | faker
    MASK = "mask"  # partial mask, keep the first / last N characters
    SHIFT_DATES = "shift_dates"  # keyed, consistent per individual
    NOISE = "noise"  # DP (laplace | gaussian) or statistical (no formal guarantee)
    GENERALIZE = "generalize"  # through a hierarchy, fixed level or chosen by the k-anon search


# ------------------------------------------------------------------------------------- domains
class Domain(_Model):
    """Public knowledge about a column's values, used by the synthesizer (privacy rule 2).

    Exactly one form: a public `categories` list, DP key `discover`y (charged), numeric / date
    `bounds` with a number of `bins`, or public bin `edges` (e.g. `[0, 1, 1000, 100000]` keeps
    the zeros of a zero-inflated amount in a bin of their own).
    """

    categories: list[Scalar | None] | None = None
    discover: bool = False
    threshold: float | None = Field(default=None, gt=0)
    bounds: tuple[Scalar, Scalar] | None = None
    bins: int | None = Field(default=None, ge=1, le=100_000)
    binning: Literal["equal_width", "dp_quantile"] | None = None
    edges: list[Scalar] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Domain:
        forms = [
            self.categories is not None,
            self.discover,
            self.bounds is not None,
            self.edges is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of: categories, discover: true, bounds, edges")
        if self.edges is not None:
            if len(self.edges) < 2:
                raise ValueError("edges needs at least two values (the first and last bound)")
            if any(not a < b for a, b in zip(self.edges, self.edges[1:], strict=False)):
                raise ValueError(f"edges must be strictly increasing, got {self.edges}")
        if self.categories is not None and len(self.categories) == 0:
            raise ValueError("categories must not be empty")
        if self.threshold is not None and not self.discover:
            raise ValueError("threshold only applies with discover: true")
        if (self.bins is not None or self.binning is not None) and self.bounds is None:
            raise ValueError("bins and binning only apply with bounds")
        if self.bounds is not None:
            lo, hi = self.bounds
            if isinstance(lo, int | float) and isinstance(hi, int | float) and not lo < hi:
                raise ValueError(f"bounds must be increasing, got [{lo}, {hi}]")
            if isinstance(lo, str) and isinstance(hi, str) and not lo < hi:
                raise ValueError(f"bounds must be increasing, got [{lo!r}, {hi!r}]")
        return self


# --------------------------------------------------------------------------------- hierarchies
class IntervalsHierarchy(_Model):
    """Numeric intervals of growing width: level i puts a value in a bin of width `widths[i-1]`."""

    type: Literal["intervals"]
    widths: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=1)]
    bottom: float | None = None
    top: float | None = None

    @model_validator(mode="after")
    def _check(self) -> IntervalsHierarchy:
        if any(b <= a for a, b in zip(self.widths, self.widths[1:], strict=False)):
            raise ValueError("widths must grow from level to level")
        if self.bottom is not None and self.top is not None and not self.bottom < self.top:
            raise ValueError("bottom must be below top")
        return self

    @property
    def n_levels(self) -> int:
        return len(self.widths) + 2


class DatesHierarchy(_Model):
    """Date truncation: day (the value) -> month -> year -> decade, in the order given."""

    type: Literal["dates"]
    levels: Annotated[
        list[Literal["week", "month", "quarter", "year", "decade"]], Field(min_length=1)
    ]
    # Birth dates that reveal an age >= top_age at `reference` (default: today) are pooled as
    # "<=YEAR" at every generalized level (HIPAA: ages over 89 and dates indicating them).
    top_age: int | None = Field(default=None, ge=1, le=150)
    reference: date | None = None

    @field_validator("levels")
    @classmethod
    def _coarser(cls, v: list[str]) -> list[str]:
        order = ["week", "month", "quarter", "year", "decade"]
        idx = [order.index(x) for x in v]
        if idx != sorted(set(idx)):
            raise ValueError("levels must go from fine to coarse without repeats")
        return v

    @property
    def n_levels(self) -> int:
        return len(self.levels) + 2


class PrefixHierarchy(_Model):
    """String prefix truncation (ZIP codes): level i keeps the first `lengths[i-1]` characters.

    `masked_prefixes` (a list, or `hipaa` for the shipped Safe Harbor ZIP3 list) are replaced by
    `masked_label` at every truncated level; `zfill` left-pads numbers read without their zeros.
    """

    type: Literal["prefix"]
    lengths: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)]
    masked_prefixes: Literal["hipaa"] | list[str] | None = None
    masked_label: str = "000"
    zfill: int | None = Field(default=None, ge=1, le=64)
    pad: str | None = Field(default=None, min_length=1, max_length=1)

    @field_validator("lengths")
    @classmethod
    def _shrinking(cls, v: list[int]) -> list[int]:
        if any(b >= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("lengths must shrink from level to level")
        return v

    @property
    def n_levels(self) -> int:
        return len(self.lengths) + 2


class ArxHierarchy(_Model):
    """A user hierarchy in ARX's CSV layout: no header, one row per value, last level `*`."""

    type: Literal["arx"]
    file: str
    delimiter: str = Field(default=";", min_length=1, max_length=1)
    levels: int | None = Field(default=None, ge=2)  # declared level count, checked on load

    @property
    def n_levels(self) -> int | None:
        return self.levels


class TopcodeHierarchy(_Model):
    """Top / bottom coding: values >= `top` become `label` (default "TOP+"), below `bottom` too."""

    type: Literal["topcode"]
    top: float | None = None
    bottom: float | None = None
    label: str | None = None
    bottom_label: str | None = None

    @model_validator(mode="after")
    def _check(self) -> TopcodeHierarchy:
        if self.top is None and self.bottom is None:
            raise ValueError("give top, bottom or both")
        if self.bottom is not None and self.top is not None and not self.bottom < self.top:
            raise ValueError("bottom must be below top")
        return self

    @property
    def n_levels(self) -> int:
        return 3


Hierarchy = Annotated[
    IntervalsHierarchy | DatesHierarchy | PrefixHierarchy | ArxHierarchy | TopcodeHierarchy,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------------------- declared types
# The value types a policy can declare for a column (`type:`), what DP synthesis releases.
# Free text and identifiers are never synthesized: such columns are dropped instead.
ValueType = Literal["integer", "float", "categorical", "boolean", "date", "datetime"]
NUMERIC_TYPES = frozenset({"integer", "float"})
DATE_TYPES = frozenset({"date", "datetime"})
# strftime directives a `format:` may use: what Python, pandas and DuckDB all parse alike.
_FORMAT_DIRECTIVES = frozenset("YymdbBHMSfpIjTzZaA%")


def check_date_format(fmt: str) -> str:
    """`fmt` if it is a strftime pattern privsynth can parse and print with, else ValueError."""
    codes = re.findall(r"%(.)", fmt)
    if not codes:
        raise ValueError(f"format {fmt!r} has no %-directive (e.g. %d/%m/%Y)")
    bad = sorted({c for c in codes if c not in _FORMAT_DIRECTIVES})
    if bad:
        raise ValueError(f"format {fmt!r}: unsupported directive %{bad[0]}")
    if not {"Y", "y"} & set(codes):
        raise ValueError(f"format {fmt!r} has no year (%Y or %y)")
    return fmt


# ------------------------------------------------------------------------------------- columns
# Which optional parameters each action accepts (besides `action` and `domain`).
_PARAMS: dict[Action, set[str]] = {
    Action.KEEP: {"type", "format"},
    Action.DROP: set(),
    Action.REDACT: {"replacement"},
    Action.PSEUDONYMIZE: {"method", "key_env", "key_file", "length", "prefix", "provider", "locale"},
    Action.MASK: {"keep_first", "keep_last", "mask_char", "keep_separators"},
    Action.SHIFT_DATES: {"id_column", "max_days", "key_env", "key_file"},
    Action.NOISE: {"mechanism", "epsilon", "delta", "bounds", "scale", "round"},
    Action.GENERALIZE: {"hierarchy", "level", "type", "format"},
}
_ALL_PARAMS = set().union(*_PARAMS.values())


class ColumnAction(_Model):
    """An action and its parameters, shared by explicit column entries and rules.

    `type` and `format` declare what the column holds (synthesize mode reads each cell under
    this public type instead of inferring one from the private values): `integer`, `float`,
    `categorical`, `boolean`, `date` or `datetime`, and for dates the strftime `format` their
    text uses (e.g. `%d/%m/%Y`; default ISO).
    """

    action: Action
    domain: Domain | None = None
    type: ValueType | None = None
    format: str | None = None
    # redact
    replacement: str | None = None
    # pseudonymize
    method: Literal["hmac", "format", "faker"] | None = None
    key_env: str | None = Field(default=None, min_length=1)
    key_file: str | None = Field(default=None, min_length=1)
    length: int | None = Field(default=None, ge=8, le=64)
    prefix: str | None = None
    provider: str | None = None  # faker provider: name, email, city, ... (default from entity)
    locale: str | None = None
    # mask
    keep_first: int | None = Field(default=None, ge=0)
    keep_last: int | None = Field(default=None, ge=0)
    mask_char: str | None = Field(default=None, min_length=1, max_length=1)
    keep_separators: bool | None = None
    # shift_dates
    id_column: str | None = None
    max_days: int | None = Field(default=None, ge=1, le=36_500)
    # noise
    mechanism: Literal["laplace", "gaussian", "statistical"] | None = None
    epsilon: float | None = None
    delta: float | None = None
    bounds: tuple[float, float] | None = None
    scale: float | None = Field(default=None, gt=0)
    round: bool | None = None
    # generalize
    hierarchy: Hierarchy | None = None
    level: int | None = Field(default=None, ge=0)

    @field_validator("format")
    @classmethod
    def _format(cls, v: str | None) -> str | None:
        return check_date_format(v) if v is not None else v

    @model_validator(mode="after")
    def _params_fit_action(self) -> ColumnAction:
        given = {f for f in _ALL_PARAMS if getattr(self, f) is not None}
        wrong = sorted(given - _PARAMS[self.action])
        if wrong:
            raise ValueError(f"{', '.join(wrong)} does not apply to action {self.action.value}")
        self._check_type()
        a = self.action
        if a is Action.PSEUDONYMIZE and self.key_env and self.key_file:
            raise ValueError("give key_env or key_file, not both")
        if a is Action.PSEUDONYMIZE and self.method != "faker" and (self.provider or self.locale):
            raise ValueError("provider and locale only apply with method: faker")
        if a is Action.SHIFT_DATES and self.key_env and self.key_file:
            raise ValueError("give key_env or key_file, not both")
        if a is Action.NOISE:
            self._check_noise()
        if a is Action.GENERALIZE and self.hierarchy is None:
            raise ValueError("action generalize needs a hierarchy")
        if a is Action.GENERALIZE and self.level is not None:
            n = self.hierarchy.n_levels if self.hierarchy is not None else None
            if n is not None and self.level >= n:
                raise ValueError(f"level {self.level} is beyond this hierarchy's levels 0..{n - 1}")
        return self

    def _check_type(self) -> None:
        """`type`, `format` and the domain agree (what a domain implies must not contradict)."""
        t, dom = self.type, self.domain
        if self.format is not None and t not in DATE_TYPES:
            raise ValueError("format applies to type date or datetime")
        if dom is None or t is None or self.action is Action.GENERALIZE:
            return  # a generalized column's domain describes its labels, not its values
        bounds = list(dom.bounds or []) + list(dom.edges or [])
        if bounds and t in ("categorical", "boolean"):
            raise ValueError(f"bounds and edges need a numeric or date type, not {t}")
        if bounds and t in NUMERIC_TYPES and any(isinstance(b, str) for b in bounds):
            raise ValueError(f"type {t}: bounds and edges must be numbers")
        if bounds and t in DATE_TYPES and not all(isinstance(b, str) for b in bounds):
            raise ValueError(f"type {t}: bounds and edges must be dates (text, e.g. 2020-01-31)")

    def _check_noise(self) -> None:
        mech = self.mechanism or "laplace"
        if mech == "statistical":
            if self.scale is None:
                raise ValueError("statistical noise needs a scale (standard deviation)")
            if self.epsilon is not None or self.delta is not None:
                raise ValueError("statistical noise has no epsilon/delta: it is not a formal guarantee")
            return
        if self.epsilon is None:
            raise ValueError(f"{mech} noise needs an epsilon")
        if not self.epsilon > 0:
            raise ValueError(f"epsilon must be > 0, got {self.epsilon}")
        if self.bounds is None:
            raise ValueError(f"{mech} noise needs bounds: [lo, hi] (public, declared in advance)")
        if not self.bounds[0] < self.bounds[1]:
            raise ValueError(f"bounds must be increasing, got {list(self.bounds)}")
        if self.scale is not None:
            raise ValueError("the scale of DP noise follows from epsilon and bounds; remove scale")
        if mech == "gaussian":
            if self.delta is None or not 0 < self.delta < 1:
                raise ValueError("gaussian noise needs 0 < delta < 1")
        elif self.delta is not None:
            raise ValueError("laplace noise takes no delta")


class ColumnPolicy(ColumnAction):
    """An explicit entry under `columns:`; it wins over every rule."""


class Match(_Model):
    """Which columns a rule applies to; every given condition must hold."""

    cls: Literal["direct", "quasi", "sensitive", "other"] | None = Field(default=None, alias="class")
    entity: str | list[str] | None = None
    # How sure the scan is of the class: `confident` on class other = confidently not personal.
    decision: Literal["confident", "uncertain"] | None = None
    # Whole words of the column name, split like the scanner splits headers (camelCase, snake,
    # ALLCAPS compounds, abbreviations spelled out: `dob` = "date of birth"): `city` matches
    # `home_city`, `CITY`, `birthCity`, never `ETHNICITY`; a phrase ("birth date") matches
    # consecutive words.
    words: str | list[str] | None = None
    name: str | None = None  # regular expression searched in the column name (substring!)
    type: (
        Literal["integer", "float", "boolean", "categorical", "datetime", "text", "identifier"]
        | None
    ) = None

    @field_validator("name")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return v

    @model_validator(mode="after")
    def _not_empty(self) -> Match:
        given = (self.cls, self.entity, self.name, self.type, self.words, self.decision)
        if all(g is None for g in given):
            raise ValueError("give at least one of: class, entity, decision, words, name, type")
        if self.words is not None and not all(str(w).strip() for w in self.word_list):
            raise ValueError("words must not be empty")
        return self

    @property
    def word_list(self) -> list[str]:
        if self.words is None:
            return []
        return [self.words] if isinstance(self.words, str) else list(self.words)

    @property
    def entities(self) -> list[str]:
        if self.entity is None:
            return []
        return [self.entity] if isinstance(self.entity, str) else list(self.entity)

    @property
    def needs_findings(self) -> bool:
        return self.cls is not None or self.entity is not None or self.decision is not None


class Rule(ColumnAction):
    """`match` + an action: applies to every column the match selects and no entry names."""

    match: Match


# ------------------------------------------------------------------------------------- release
class UnitOfPrivacy(_Model):
    id_column: str
    max_rows_per_person: int = Field(default=1, ge=1)


class DPSchema(_Model):
    """DP steps that learn, for synthesize mode, what the policy leaves open about a column.

    Each is an OpenDP measurement charged to the ledger (the manifest lists it): `types` counts
    each untyped column's values per shape (integer, decimal, ISO date, d/m/Y, ..., other text)
    and types the column from the noisy counts; `bounds` finds the range of a numeric or date
    column without public bounds from a noisy histogram over a fixed log-spaced grid. Without
    them, a kept column needs `type:` (or a domain that implies it) and numbers need bounds.
    """

    types: bool = False
    bounds: bool = False


class ReleaseSettings(_Model):
    mode: Literal["anonymize", "synthesize"] = "anonymize"
    method: Literal["aim", "mst"] | None = None
    epsilon: float | None = None
    delta: float | None = None
    rows: int | None = Field(default=None, ge=1)
    # a public estimate of the input's row count: the pre-flight uses it instead of charging a
    # DP row count (`release --dry-run` then spends nothing)
    expected_rows: int | None = Field(default=None, ge=1)
    dp_schema: DPSchema | None = None
    unit_of_privacy: UnitOfPrivacy | None = None
    seed: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> ReleaseSettings:
        if self.epsilon is not None and not self.epsilon > 0:
            raise ValueError(f"epsilon must be > 0, got {self.epsilon}")
        if self.delta is not None and not 0 <= self.delta < 1:
            raise ValueError(f"delta must satisfy 0 <= delta < 1, got {self.delta}")
        if self.mode == "synthesize":
            if self.epsilon is None:
                raise ValueError("mode synthesize needs an epsilon (the total privacy budget)")
            if self.method is None:
                self.method = "aim"
        else:
            for f in ("method", "rows", "expected_rows", "dp_schema"):
                if getattr(self, f) is not None:
                    raise ValueError(f"{f} only applies to mode synthesize")
        return self


class Privacy(_Model):
    """Privacy models for the k-anonymity search (anonymize mode)."""

    k: int = Field(ge=2)
    l: int | None = Field(default=None, ge=2)  # noqa: E741
    l_variant: Literal["distinct", "entropy", "recursive"] = "distinct"
    c: float | None = Field(default=None, gt=0)
    t: float | None = Field(default=None, gt=0, le=1)
    sensitive: list[str] = Field(default_factory=list)
    quasi_identifiers: list[str] | None = None
    # With quasi-identifiers left to the scan: search at most this many, ranked by kind
    # (`policy.quasi`); the scan's other quasi-identifiers are dropped from the release.
    max_quasi_identifiers: int | None = Field(default=None, ge=1)
    max_suppression: float = Field(default=0.0, ge=0, lt=1)
    method: Literal["optimal", "mondrian"] = "optimal"
    loss: Literal["ncp", "discernibility"] = "ncp"

    @field_validator("sensitive", "quasi_identifiers", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check(self) -> Privacy:
        if (self.l is not None or self.t is not None) and not self.sensitive:
            raise ValueError("l-diversity and t-closeness need a sensitive column")
        if self.l_variant == "recursive" and self.c is None:
            raise ValueError("recursive (c,l)-diversity needs c")
        if self.c is not None and self.l_variant != "recursive":
            raise ValueError("c only applies with l_variant: recursive")
        if self.l_variant != "distinct" and self.l is None:
            raise ValueError(f"l_variant {self.l_variant} needs l")
        if self.quasi_identifiers is not None:
            both = set(self.quasi_identifiers) & set(self.sensitive)
            if both:
                raise ValueError(f"{sorted(both)[0]!r} cannot be quasi-identifier and sensitive")
        return self


class Audit(_Model):
    thresholds: dict[str, float] = Field(default_factory=dict)
    risk_threshold: float | None = Field(default=None, gt=0, le=1)
    quasi_identifiers: list[str] | None = None
    secrets: list[str] = Field(default_factory=list)


class Policy(_Model):
    """A whole policy file. Build with `load_policy(path)`; check coverage with `resolve`."""

    name: str = Field(min_length=1)
    description: str | None = None
    unmatched: Literal["error", "keep", "drop"] = "error"
    release: ReleaseSettings = Field(default_factory=ReleaseSettings)
    privacy: Privacy | None = None
    columns: dict[str, ColumnPolicy] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    audit: Audit | None = None

    # Where it came from: the file's folder resolves relative hierarchy/key files; its exact
    # text is what the manifest hashes.
    _source: str | None = PrivateAttr(default=None)
    _text: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> Policy:
        synth = self.release.mode == "synthesize"
        if synth and self.privacy is not None:
            raise ValueError("privacy (k-anonymity) applies to mode anonymize, not synthesize")
        allowed_synth = {Action.KEEP, Action.DROP, Action.GENERALIZE}
        entries = [(f"columns.{n}", c) for n, c in self.columns.items()]
        entries += [(f"rules.{i}", r) for i, r in enumerate(self.rules)]
        for where, entry in entries:
            if synth and entry.action not in allowed_synth:
                raise ValueError(
                    f"{where}: action {entry.action.value} is not available in mode synthesize "
                    "(use keep, drop or generalize)"
                )
        if self.privacy is not None:
            for col in (self.privacy.quasi_identifiers or []) + self.privacy.sensitive:
                entry = self.columns.get(col)
                if entry is not None and entry.action is Action.DROP:
                    raise ValueError(f"columns.{col}: dropped, but privacy lists it")
            for col in self.privacy.quasi_identifiers or []:
                entry = self.columns.get(col)
                if entry is not None and entry.action is Action.GENERALIZE and entry.level is not None:
                    raise ValueError(
                        f"columns.{col}: a quasi-identifier's level is chosen by the k-anonymity "
                        "search; remove level"
                    )
        dp_eps = sum(
            c.epsilon or 0.0
            for c in self.columns.values()
            if c.action is Action.NOISE and c.mechanism != "statistical"
        )
        if not synth and self.release.epsilon is not None and dp_eps > self.release.epsilon + 1e-12:
            raise ValueError(
                f"release.epsilon: the noise columns spend epsilon {dp_eps:g}, more than "
                "release.epsilon "
                f"{self.release.epsilon:g}"
            )
        return self

    @property
    def source(self) -> str | None:
        """The file this policy was loaded from, if any."""
        return self._source
