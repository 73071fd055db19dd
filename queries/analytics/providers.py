"""Comparing providers fairly, a provider's own practice, and cases like this one.

methods.md section 4: funnel plots of responder rate (crude) and of O/E after case-mix
adjustment (indirect standardisation with a logistic model on severity, baseline, age band,
sex, indication/route and symptom months, never on provider, rehab or sessions), shrunken
rates for a caterpillar plot, no ranks. SQL counts and returns course rows in scope
(``sql/analytics/course_factors.sql``); the statistics are in :mod:`queries.stats.funnel` and
:mod:`queries.stats.casemix`.

Scope: the funnel needs every provider of the clinic. For a provider's scope the peers come
back as unlabelled points (``unit_id`` blank, ``is_self`` False): the masking happens here, in
the core, not in a page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from queries.data import db
from queries.core.scope import Filters, Scope, _params
from queries.core.errors import InsufficientData
from queries.stats.casemix import (
    CasemixModel,
    adjusted_odds_ratios,
    expected_by_unit,
    fit_casemix,
    standardised_differences,
)
from queries.data.contract import (
    AGE_BANDS,
    INDICATIONS,
    REHAB,
    ROUTES,
    SEVERITY_CLASSES,
    SEXES,
)
from queries.stats.funnel import FunnelResult, funnel, shrunken_rates
from queries.core.settings import Settings
from queries.stats.intervals import add_rate_columns

PEER_LABEL = ""
PROVIDER_TABLE_COLUMNS = (
    "provider_id", "n_followup", "n_responders", "crude_rate", "expected_responders",
    "oe_ratio", "adjusted_rate", "flag_crude", "flag_adjusted",
)
# Factors compared between non-responders and responders (issue 3, methods.md section 2).
PROFILE_FACTORS = (
    "severity_class", "adherence_class", "rehab", "lifestyle_support", "expectations",
    "overtraining_reported", "early_antioxidants_reported", "quit_after_flare",
    "baseline_score", "age_band", "indication",
)
# What goes with response: association, not effect (may include the provider's choices).
ASSOCIATION_COVARIATES = (
    "severity_class", "adherence_class", "rehab", "lifestyle_support", "expectations",
    "overtraining_reported", "early_antioxidants_reported", "baseline_score", "age_band",
    "indication",
)
ASSOCIATION_REFERENCES = {"severity_class": "moderate", "adherence_class": "full_protocol",
                          "rehab": "none", "expectations": "realistic", "age_band": "50-59"}
BOOLEAN_FACTORS = ("lifestyle_support", "overtraining_reported", "early_antioxidants_reported",
                   "quit_after_flare", "is_early_flare")
CASE_MIX_ORDER = {"severity_class": SEVERITY_CLASSES, "indication": INDICATIONS,
                  "route": ROUTES, "age_band": AGE_BANDS, "sex": SEXES}
FACTOR_WORDS = {
    "severity_class": "degeneration severity", "adherence_class": "sessions completed",
    "rehab": "rehab pairing", "lifestyle_support": "lifestyle support",
    "expectations": "expectations", "overtraining_reported": "overtraining after an injection",
    "early_antioxidants_reported": "high-dose antioxidants right after an injection",
    "quit_after_flare": "quit after the first flare", "baseline_score": "baseline pain (NRS)",
    "age_band": "age band", "indication": "indication",
}


def course_factors(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                   filters: Filters = Filters(), settings: Settings = Settings()
                   ) -> pd.DataFrame:
    """One row per course in scope with its factors and primary-window outcome."""
    frame = db.run(con, "analytics/course_factors", window=settings.primary_window,
                   **_params(scope, filters))
    for col in BOOLEAN_FACTORS:
        frame[col] = frame[col].map({True: "yes", False: "no"}).astype(object)
    return frame


def completers(frame: pd.DataFrame) -> pd.DataFrame:
    """Eligible courses with a primary follow-up value: the responder denominator."""
    mask = frame["is_eligible"].fillna(False).astype(bool) & \
        frame["has_followup"].fillna(False).astype(bool)
    out = frame[mask].copy()
    out["is_responder"] = out["is_responder"].astype(bool)
    return out


@dataclass(frozen=True)
class ProviderComparison:
    """Everything the Providers page and the ``providers`` CLI show (methods.md section 4)."""

    crude: FunnelResult
    adjusted: FunnelResult
    model: CasemixModel
    shrunken: pd.DataFrame
    table: pd.DataFrame
    self_id: str | None  # the provider whose scope this is (None: a director's view)


def _mask_peers(frame: pd.DataFrame, self_id: str | None, column: str) -> pd.DataFrame:
    out = frame.copy()
    out["is_self"] = out[column] == self_id if self_id else False
    if self_id is not None:
        out.loc[~out["is_self"], column] = PEER_LABEL
    return out


def compare_providers(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                      filters: Filters = Filters(), settings: Settings = Settings()
                      ) -> ProviderComparison:
    """Crude and case-mix-adjusted funnels, shrunken rates and the provider table.

    The comparison is always computed over the whole clinic (a funnel needs every provider);
    with a provider's scope, every other provider is returned unlabelled.
    Raises :class:`InsufficientData` when there are no completers to compare.
    """
    rows = completers(course_factors(con, Scope.clinic(), filters, settings))
    if rows.empty or rows["is_responder"].nunique() < 2:
        raise InsufficientData("Not enough courses with follow-up to compare providers.")
    per_provider = (rows.groupby("provider_id")
                    .agg(n=("course_id", "size"), observed=("is_responder", "sum"))
                    .reset_index().rename(columns={"provider_id": "unit_id"}))
    options = {"alert_level": 0.95, "alarm_level": 0.998,
               "min_n": settings.min_provider_courses}
    crude = funnel(per_provider, data_type="PR", **options)
    model = fit_casemix(rows)
    adjusted = funnel(expected_by_unit(rows, model), data_type="SR", **options)
    shrunk = shrunken_rates(per_provider, level=settings.confidence_level,
                            min_n=settings.min_provider_courses)
    table = _provider_table(crude, adjusted)
    self_id = scope.provider_id
    if self_id is not None:
        crude = replace(crude, units=_mask_peers(crude.units, self_id, "unit_id"))
        adjusted = replace(adjusted, units=_mask_peers(adjusted.units, self_id, "unit_id"))
        shrunk = _mask_peers(shrunk, self_id, "unit_id")
        table = table[table["provider_id"] == self_id].reset_index(drop=True)
    return ProviderComparison(crude, adjusted, model, shrunk, table, self_id)


def _provider_table(crude: FunnelResult, adjusted: FunnelResult) -> pd.DataFrame:
    c = crude.units.set_index("unit_id")
    a = adjusted.units.set_index("unit_id")
    table = pd.DataFrame({
        "provider_id": c.index,
        "n_followup": c["n"].astype(int).to_numpy(),
        "n_responders": c["observed"].astype(int).to_numpy(),
        "crude_rate": c["rate"].to_numpy(),
        "expected_responders": a.loc[c.index, "expected"].to_numpy(),
        "oe_ratio": a.loc[c.index, "oe_ratio"].to_numpy(),
        "adjusted_rate": a.loc[c.index, "adjusted_rate"].to_numpy(),
        "flag_crude": c["flag"].to_numpy(),
        "flag_adjusted": a.loc[c.index, "flag"].to_numpy(),
    })
    return table.sort_values("provider_id").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Case mix and process


def _clinic_and_groups(con, name: str, scope: Scope, filters: Filters, **params) -> pd.DataFrame:
    """Rows per provider in scope plus one 'clinic' row over the whole clinic."""
    mine = db.run(con, name, by="provider", **params, **_params(scope, filters))
    clinic = db.run(con, name, by="all", **params, **_params(Scope.clinic(), filters))
    clinic["group_value"] = "clinic"
    return pd.concat([clinic, mine], ignore_index=True).rename(columns={"group_value": "group"})


def case_mix(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
             filters: Filters = Filters(), settings: Settings = Settings()) -> pd.DataFrame:
    """Share of each group's courses per case-mix factor level, the clinic first.

    Columns: group ('clinic' or a provider id in scope), factor, level, n_courses, share.
    """
    counts = _clinic_and_groups(con, "analytics/case_mix_counts", scope, filters)
    totals = counts.groupby(["group", "factor"])["n_courses"].transform("sum")
    counts["share"] = counts["n_courses"] / totals
    rank = {(f, v): i for f, levels in CASE_MIX_ORDER.items() for i, v in enumerate(levels)}
    counts["_k"] = [rank.get((f, v), 99) for f, v in zip(counts["factor"], counts["level"])]
    counts["_g"] = counts["group"] != "clinic"
    return counts.sort_values(["_g", "group", "factor", "_k"]).drop(columns=["_k", "_g"]) \
        .reset_index(drop=True)


def process_indicators(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                       filters: Filters = Filters(), settings: Settings = Settings()
                       ) -> pd.DataFrame:
    """Per provider in scope and for the clinic: sessions completed vs planned, rehab pairing,
    follow-up completeness, screening documented and G6PD testing, each with a Wilson interval,
    and mean baseline pain."""
    frame = _clinic_and_groups(con, "analytics/process_indicators", scope, filters,
                               window=settings.primary_window)
    level = settings.confidence_level
    frame = add_rate_columns(frame, "n_full_protocol", "n_courses", "full_protocol", level)
    frame = add_rate_columns(frame, "n_rehab_paired", "n_courses", "rehab_paired", level)
    frame = add_rate_columns(frame, "n_followup", "n_eligible", "followup", level)
    frame = add_rate_columns(frame, "n_screening_documented", "n_courses", "screening", level)
    frame = add_rate_columns(frame, "n_g6pd_tested", "n_g6pd_known", "g6pd_tested", level)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["sessions_completed_share"] = (frame["n_sessions_completed"]
                                             / frame["n_sessions_planned"])
    return frame


# ---------------------------------------------------------------------------------------------
# Non-responders and associations


@dataclass(frozen=True)
class NonResponderProfile:
    differences: pd.DataFrame  # standardised_differences, non-responders (a) vs responders (b)
    findings: tuple[str, ...]  # plain sentences for the top differences
    n_nonresponders: int
    n_responders: int


LEVEL_PHRASES: dict[tuple[str, str], str] = {
    ("adherence_class", "not_started"): "never started (no session given)",
    ("adherence_class", "one_and_done"): "stopped after one session (one-and-done)",
    ("adherence_class", "partial"): "completed some but not all planned sessions",
    ("adherence_class", "full_protocol"): "completed the full protocol",
    ("rehab", "none"): "had no rehab",
    ("rehab", "home_program"): "had a home program",
    ("rehab", "supervised_pt"): "had supervised physiotherapy",
    ("lifestyle_support", "yes"): "were enrolled in lifestyle support",
    ("overtraining_reported", "yes"): "reported overtraining after an injection",
    ("early_antioxidants_reported", "yes"): "took high-dose antioxidants right after an "
                                            "injection",
    ("quit_after_flare", "yes"): "quit after the first flare",
}


def _phrase(factor: str, level: str) -> str:
    """What a factor level says about a course, as a verb phrase ('had end-stage ...')."""
    known = LEVEL_PHRASES.get((factor, level))
    if known:
        return known
    words = level.replace("_", " ")
    if factor == "severity_class":
        return "had unknown severity" if level == "unknown" else f"had {words} degeneration"
    if factor == "expectations":
        return f"had {words} expectations"
    if factor == "age_band":
        return f"were aged {words}"
    if factor == "indication":
        return f"were treated for {words}"
    return f"had {FACTOR_WORDS.get(factor, factor)} {words}"


def _finding(row: pd.Series) -> str:
    """One plain sentence for one row of the standardised differences."""
    a, b = row["share_group_a"], row["share_group_b"]
    if row["level"] == "(mean)":
        words = FACTOR_WORDS.get(row["factor"], row["factor"])
        return (f"Non-responders' mean {words} was {a:.1f}, responders' {b:.1f} "
                f"(standardised difference {row['std_difference']:+.2f}).")
    shares = f"{a:.0%} of non-responders vs {b:.0%} of responders".replace("%", " %")
    phrase = _phrase(row["factor"], str(row["level"]))
    if b > 0 and a / b >= 1.5:
        return f"{shares} {phrase} ({a / b:.1f} times as often)."
    if a > 0 and b / a >= 1.5:
        return f"{shares} {phrase} (responders {b / a:.1f} times as often)."
    return f"{shares} {phrase}."


def nonresponder_profile(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                         filters: Filters = Filters(), settings: Settings = Settings(),
                         n_findings: int = 3) -> NonResponderProfile:
    """Every factor compared between non-responders and responders (Austin 2009 standardised
    differences), sorted by size, with plain sentences for the top ``n_findings``."""
    rows = completers(course_factors(con, scope, filters, settings))
    rows["group"] = np.where(rows["is_responder"], "responder", "non_responder")
    n_non = int((~rows["is_responder"]).sum())
    n_resp = int(rows["is_responder"].sum())
    if n_non == 0 or n_resp == 0:
        raise InsufficientData("Need both responders and non-responders to compare them.")
    diffs = standardised_differences(rows, "group", PROFILE_FACTORS,
                                     group_a="non_responder", group_b="responder")
    redundant = diffs["factor"].isin(BOOLEAN_FACTORS) & (diffs["level"] != "yes")
    diffs = diffs[np.isfinite(diffs["std_difference"]) & ~redundant].reset_index(drop=True)
    top = diffs.head(n_findings)
    return NonResponderProfile(diffs, tuple(_finding(r) for _, r in top.iterrows()), n_non,
                               n_resp)


def response_associations(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                          filters: Filters = Filters(), settings: Settings = Settings()
                          ) -> pd.DataFrame:
    """Adjusted odds ratios of response (multivariable logistic model): association, not
    effect. Columns from :func:`queries.stats.casemix.adjusted_odds_ratios`."""
    rows = completers(course_factors(con, scope, filters, settings))
    if rows["is_responder"].nunique() < 2 or len(rows) < 50:
        raise InsufficientData("Too few courses with follow-up for a multivariable model "
                               "(need 50, with responders and non-responders).")
    refs = {k: v for k, v in ASSOCIATION_REFERENCES.items() if (rows[k] == v).any()}
    return adjusted_odds_ratios(rows, "is_responder", ASSOCIATION_COVARIATES,
                                level=settings.confidence_level, reference_levels=refs)


# ---------------------------------------------------------------------------------------------
# Cases like this


@dataclass(frozen=True)
class CaseProfile:
    """The patient in front of the provider; None = any."""

    indication: str | None = None
    severity_class: str | None = None
    age_band: str | None = None
    rehab: str | None = None

    def __post_init__(self) -> None:
        for value, allowed in ((self.indication, INDICATIONS),
                               (self.severity_class, SEVERITY_CLASSES),
                               (self.age_band, AGE_BANDS), (self.rehab, REHAB)):
            if value is not None and value not in allowed:
                raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")

    def matches(self, frame: pd.DataFrame) -> pd.Series:
        mask = pd.Series(True, index=frame.index)
        for col, value in (("indication", self.indication),
                           ("severity_class", self.severity_class),
                           ("age_band", self.age_band), ("rehab", self.rehab)):
            if value is not None:
                mask &= frame[col] == value
        return mask


def cases_like_this(con: duckdb.DuckDBPyConnection, profile: CaseProfile,
                    scope: Scope = Scope(), filters: Filters = Filters(),
                    settings: Settings = Settings()) -> pd.DataFrame:
    """How many similar courses were treated and how they went: one row for the clinic, then
    one per provider (a director's scope) or for the provider themself (a provider's scope).

    Columns: group, n_courses, n_eligible, n_followup, n_responders, responder_rate,
    ci_lower_95, ci_upper_95, itt_rate. Small groups are hidden by the presentation step.
    """
    clinic_rows = course_factors(con, Scope.clinic(), filters, settings)
    clinic_rows = clinic_rows[profile.matches(clinic_rows)]
    if scope.provider_id is not None:
        clinic_rows_in_scope = clinic_rows[clinic_rows["provider_id"] == scope.provider_id]
    else:
        clinic_rows_in_scope = clinic_rows
    frames = [clinic_rows.assign(group="clinic"), clinic_rows_in_scope.assign(
        group=clinic_rows_in_scope["provider_id"])]
    rows = pd.concat(frames, ignore_index=True)
    eligible = rows["is_eligible"].fillna(False).astype(bool)
    followup = eligible & rows["has_followup"].fillna(False).astype(bool)
    rows = rows.assign(_eligible=eligible, _followup=followup,
                       _responder=followup & rows["is_responder"].fillna(False).astype(bool))
    counts = (rows.groupby("group", sort=False)
              .agg(n_courses=("course_id", "size"), n_eligible=("_eligible", "sum"),
                   n_followup=("_followup", "sum"), n_responders=("_responder", "sum"))
              .reset_index())
    counts = add_rate_columns(counts, "n_responders", "n_followup", "responder",
                              settings.confidence_level, interval_prefix="")
    counts = add_rate_columns(counts, "n_responders", "n_eligible", "itt",
                              settings.confidence_level)
    counts["_k"] = counts["group"] != "clinic"
    return counts.sort_values(["_k", "group"]).drop(columns="_k").reset_index(drop=True)

