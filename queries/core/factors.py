"""The registry of factors: for every way courses are grouped or described, one definition.

Each :class:`Factor` holds its SQL grouping key (the whitelist of ``sql/macros.sql``
``group_value``), the course-level column it reads, its levels in natural order (style.md:
severity none -> end_stage with unknown last, adherence not_started -> full_protocol, rehab
none -> supervised_pt; never alphabetical), its display label and the words a sentence
uses. The SQL whitelist, the statistics (reference levels, level order of the case-mix
model), the charts (axis order, titles) and the plain-language findings all read it here.
Factors that only describe a course (the non-responder profile's flags and baseline pain)
are registered too, with ``is_grouping`` False: SQL cannot group by them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from queries.data import contract


@dataclass(frozen=True)
class Factor:
    """One grouping factor.

    ``key``: the grouping key the SQL understands (``rates --by KEY``); ``column``: the
    column of ``scoped_courses`` it reads; ``levels``: natural order (empty = no natural
    order: values are sorted); ``label``: for titles and axes; ``words``: for sentences
    ("had fewer *sessions completed* ..."); ``is_identifier``: values are ids (provider,
    site), shown as they are; ``is_ordinal``: the levels are ranked (charts shade them on one
    sequential scale); ``short_label``: a tab or chart heading where ``label`` is too long
    (defaults to ``label``); ``phrase``: what a level says about a course, as a verb phrase
    (``{level}`` = the level in words, ``{words}`` = the factor's words), unless
    ``level_phrases`` names that level; ``is_grouping``: a key of the SQL whitelist.
    """

    key: str
    column: str
    label: str
    words: str
    levels: tuple[str, ...] = ()
    is_identifier: bool = False
    is_ordinal: bool = False
    short_label: str = ""
    phrase: str = "had {words} {level}"
    level_phrases: tuple[tuple[str, str], ...] = ()
    is_grouping: bool = True

    def __post_init__(self) -> None:
        if not self.short_label:
            object.__setattr__(self, "short_label", self.label)

    def rank(self) -> dict[str, int]:
        """Level -> position in the natural order (values not in it rank last)."""
        return {level: i for i, level in enumerate(self.levels)}

    def ordered(self, values: Iterable[object]) -> list[object]:
        """``values`` (deduplicated) in natural order, then any others sorted."""
        present = list(dict.fromkeys(v for v in values if v is not None))
        known = [v for v in self.levels if v in present]
        return known + sorted((v for v in present if v not in self.levels), key=str)

    def phrase_for(self, level: str) -> str:
        """What ``level`` says about a course ('had end stage degeneration')."""
        known = dict(self.level_phrases).get(level)
        if known:
            return known
        return self.phrase.format(words=self.words, level=level.replace("_", " "))


LIFESTYLE_LEVELS = ("no_lifestyle_support", "lifestyle_support")

YES = "yes"  # a course-level flag as the non-responder profile shows it (yes / no)

FACTORS: tuple[Factor, ...] = (
    Factor(
        "severity",
        "severity_class",
        "Degeneration severity",
        "degeneration severity",
        contract.SEVERITY_CLASSES,
        is_ordinal=True,
        short_label="Severity",
        phrase="had {level} degeneration",
        level_phrases=(("unknown", "had unknown severity"),),
    ),
    Factor(
        "adherence",
        "adherence_class",
        "Sessions completed vs planned",
        "sessions completed",
        contract.ADHERENCE_CLASSES,
        is_ordinal=True,
        level_phrases=(
            ("not_started", "never started (no session given)"),
            ("one_and_done", "stopped after one session (one-and-done)"),
            ("partial", "completed some but not all planned sessions"),
            ("full_protocol", "completed the full protocol"),
        ),
    ),
    # methods.md section 2: the adherence reached by the landmark day (Settings.landmark_day),
    # by the rule of adherence_class (sql/marts/course_facts.sql)
    Factor(
        "landmark_adherence",
        "landmark_adherence_class",
        "Sessions by the landmark day vs planned",
        "sessions by the landmark day",
        contract.ADHERENCE_CLASSES,
        is_ordinal=True,
        short_label="Sessions by the landmark",
    ),
    Factor(
        "rehab",
        "rehab",
        "Rehab pairing",
        "rehab pairing",
        contract.REHAB,
        level_phrases=(
            ("none", "had no rehab"),
            ("home_program", "had a home program"),
            ("supervised_pt", "had supervised physiotherapy"),
        ),
    ),
    Factor("provider", "provider_id", "Provider", "provider", is_identifier=True),
    Factor(
        "indication",
        "indication",
        "Indication",
        "indication",
        contract.INDICATIONS,
        phrase="were treated for {level}",
    ),
    Factor("route", "route", "Route", "route", contract.ROUTES),
    Factor("site", "site_id", "Site", "site", is_identifier=True),
    Factor(
        "age_band",
        "age_band",
        "Age band",
        "age band",
        contract.AGE_BANDS,
        is_ordinal=True,
        phrase="were aged {level}",
    ),
    Factor("sex", "sex", "Sex", "sex", contract.SEXES),
    Factor(
        "lifestyle",
        "lifestyle_support",
        "Lifestyle support",
        "lifestyle support",
        LIFESTYLE_LEVELS,
        level_phrases=((YES, "were enrolled in lifestyle support"),),
    ),
    Factor(
        "expectations",
        "expectations",
        "Expectations",
        "expectations",
        contract.EXPECTATIONS,
        phrase="had {level} expectations",
    ),
    Factor("start_year", "start_year", "Start year", "start year"),
    # Course descriptions only (the non-responder profile), not SQL grouping keys.
    Factor(
        "overtraining_reported",
        "overtraining_reported",
        "Overtraining reported",
        "overtraining after an injection",
        is_grouping=False,
        level_phrases=((YES, "reported overtraining after an injection"),),
    ),
    Factor(
        "early_antioxidants_reported",
        "early_antioxidants_reported",
        "Early antioxidants reported",
        "high-dose antioxidants right after an injection",
        is_grouping=False,
        level_phrases=((YES, "took high-dose antioxidants right after an injection"),),
    ),
    Factor(
        "is_quit_after_flare",
        "is_quit_after_flare",
        "Quit after a flare",
        "quit after the first flare",
        is_grouping=False,
        level_phrases=((YES, "quit after the first flare"),),
    ),
    Factor(
        "baseline_score",
        "baseline_score",
        "Baseline pain (NRS)",
        "baseline pain (NRS)",
        is_grouping=False,
    ),
)
# The grouping keys the SQL understands (sql/macros.sql group_value), and every factor by column.
BY_KEY: dict[str, Factor] = {f.key: f for f in FACTORS if f.is_grouping}
BY_COLUMN: dict[str, Factor] = {f.column: f for f in FACTORS}


def factor(name: str) -> Factor:
    """The factor named by its grouping key (``severity``) or its column
    (``severity_class``, ``baseline_score``); raises ``ValueError`` naming the keys for
    anything else."""
    found = BY_KEY.get(name) or BY_COLUMN.get(name)
    if found is None:
        raise ValueError(f"cannot group by {name!r}; use one of {', '.join(BY_KEY)}")
    return found


def natural_levels(name: str) -> tuple[str, ...]:
    """Levels of a factor (by key or column) in natural order; () when it has none or when
    ``name`` is not a registered factor."""
    found = BY_KEY.get(name) or BY_COLUMN.get(name)
    return found.levels if found else ()


def check_grouping(by: str) -> None:
    """Refuse a grouping key the SQL does not understand (``all`` = one group)."""
    if by != "all" and by not in BY_KEY:
        raise ValueError(f"cannot group by {by!r}; use one of {', '.join(BY_KEY)}")


def levels_of(name: str, values: Iterable[object]) -> list[object]:
    """The distinct ``values`` of a factor (key or column) in natural order, any value the
    registry does not list sorted after; for ``all`` or an unregistered name, sorted."""
    found = BY_KEY.get(name) or BY_COLUMN.get(name)
    if found is None:
        return sorted(dict.fromkeys(v for v in values if v is not None), key=str)
    return found.ordered(values)


def as_ordered(values: pd.Series, name: str) -> pd.Categorical:
    """Group labels as an ordered categorical in the factor's natural order (survival and
    trajectory helpers keep the order of the categories)."""
    return pd.Categorical(values, categories=levels_of(name, values.dropna()), ordered=True)


def sort_rows(frame: pd.DataFrame, name: str, column: str = "group") -> pd.DataFrame:
    """``frame`` with its rows in the natural order of ``column``'s levels (a stable sort)."""
    rank = {level: i for i, level in enumerate(levels_of(name, frame[column]))}
    order = frame[column].map(rank).fillna(len(rank)).to_numpy().argsort(kind="stable")
    return frame.iloc[order].reset_index(drop=True)
