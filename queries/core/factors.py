"""The registry of factors: for every way courses are grouped, one definition.

Each :class:`Factor` holds its SQL grouping key (the whitelist of ``sql/macros.sql``
``group_value``), the course-level column it reads, its levels in natural order (style.md:
severity none -> end_stage with unknown last, adherence not_started -> full_protocol, rehab
none -> supervised_pt; never alphabetical), its display label and the words a sentence
uses. The SQL whitelist, the statistics (reference levels, level order of the case-mix
model), the charts (axis order, titles) and the plain-language findings all read it here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from queries.data.contract import (
    ADHERENCE_CLASSES,
    AGE_BANDS,
    EXPECTATIONS,
    INDICATIONS,
    REHAB,
    ROUTES,
    SEVERITY_CLASSES,
    SEXES,
)


@dataclass(frozen=True)
class Factor:
    """One grouping factor.

    ``key``: the grouping key the SQL understands (``rates --by KEY``); ``column``: the
    column of ``scoped_courses`` it reads; ``levels``: natural order (empty = no natural
    order: values are sorted); ``label``: for titles and axes; ``words``: for sentences
    ("had fewer *sessions completed* ..."); ``is_identifier``: values are ids (provider,
    site), shown as they are.
    """

    key: str
    column: str
    label: str
    words: str
    levels: tuple[str, ...] = ()
    is_identifier: bool = False

    def rank(self) -> dict[str, int]:
        """Level -> position in the natural order (values not in it rank last)."""
        return {level: i for i, level in enumerate(self.levels)}

    def ordered(self, values: Iterable[object]) -> list[object]:
        """``values`` (deduplicated) in natural order, then any others sorted."""
        present = list(dict.fromkeys(v for v in values if v is not None))
        known = [v for v in self.levels if v in present]
        return known + sorted((v for v in present if v not in self.levels), key=str)


LIFESTYLE_LEVELS = ("no_lifestyle_support", "lifestyle_support")

FACTORS: tuple[Factor, ...] = (
    Factor("severity", "severity_class", "Degeneration severity", "degeneration severity",
           SEVERITY_CLASSES),
    Factor("adherence", "adherence_class", "Sessions completed vs planned",
           "sessions completed", ADHERENCE_CLASSES),
    Factor("rehab", "rehab", "Rehab pairing", "rehab pairing", REHAB),
    Factor("provider", "provider_id", "Provider", "provider", is_identifier=True),
    Factor("indication", "indication", "Indication", "indication", INDICATIONS),
    Factor("route", "route", "Route", "route", ROUTES),
    Factor("site", "site_id", "Site", "site", is_identifier=True),
    Factor("age_band", "age_band", "Age band", "age band", AGE_BANDS),
    Factor("sex", "sex", "Sex", "sex", SEXES),
    Factor("lifestyle", "lifestyle_support", "Lifestyle support", "lifestyle support",
           LIFESTYLE_LEVELS),
    Factor("expectations", "expectations", "Expectations", "expectations", EXPECTATIONS),
    Factor("start_year", "start_year", "Start year", "start year"),
)
BY_KEY: dict[str, Factor] = {f.key: f for f in FACTORS}
BY_COLUMN: dict[str, Factor] = {f.column: f for f in FACTORS}

# Grouping keys the SQL understands (sql/macros.sql group_value) with their labels.
GROUPINGS: dict[str, str] = {f.key: f.label for f in FACTORS}


def factor(name: str) -> Factor:
    """The factor named by its grouping key (``severity``) or its column
    (``severity_class``); raises ``ValueError`` naming the keys for anything else."""
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
