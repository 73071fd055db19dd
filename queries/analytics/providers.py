"""Comparing providers fairly, and each provider's case mix and process beside the clinic's.

methods.md section 4: funnel plots of responder rate (crude, exact binomial limits) and of
O/E after case-mix adjustment (indirect standardisation with a logistic model on severity,
baseline, age band, sex, indication/route and symptom months, never on provider, rehab or
sessions; exact Poisson-binomial limits, V = Σp(1 - p)), shrunken rates for a caterpillar
plot, no ranks, and each provider's CUSUM signal. SQL counts and returns course rows in
scope (:mod:`queries.analytics.courses`, :mod:`queries.analytics.casemix_courses`); the
statistics are in :mod:`queries.stats.funnel`, :mod:`queries.stats.oe_funnel`,
:mod:`queries.stats.casemix` and :mod:`queries.stats.shrinkage`; the CUSUM in
:mod:`queries.analytics.monitoring`.

Scope: the funnel needs every provider of the clinic. For a provider's scope the peers come
back as unlabelled points (``unit_id`` blank, ``is_self`` False): the masking happens here, in
the core, not in a page. :func:`funnel_view` then puts the peers in order of their volume and
drops those with too few courses (a lone small volume could identify a colleague: methods.md
section 6).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.analytics.casemix_courses import casemix_courses
from queries.analytics.monitoring import ProviderMonitoring, monitor_courses
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import levels_of
from queries.core.scope import CLINIC
from queries.core.settings import Settings
from queries.stats.casemix import CasemixModel
from queries.stats.funnel import PROPORTION, FunnelResult, funnel
from queries.stats.intervals import add_rate_columns, level_suffix, wilson_interval
from queries.stats.oe_funnel import limit_curve, oe_funnel
from queries.stats.shrinkage import shrunken_rates

PEER_LABEL = ""
PROVIDER_TABLE_COLUMNS = (
    "provider_id",
    "n_followup",
    "n_responders",
    "crude_rate",
    "expected_responders",
    "oe_ratio",
    "adjusted_rate",
    "flag_crude",
    "flag_adjusted",
    "cusum_signal",
)


@dataclass(frozen=True)
class FunnelView:
    """A funnel ready to draw.

    ``points``: the units with a point of their own (``flag`` not ``too_few``), with the
    unit table's columns plus ``x`` (n or expected), ``y`` (rate or O/E) and, for proportion
    funnels, the Wilson interval of the rate (``rate_ci_lower_{lvl}``/``..._upper_..``).
    ``curve``: :func:`queries.stats.oe_funnel.limit_curve` with the same ``x`` column.
    ``too_few``: labelled units below ``min_n`` courses (``unit_id, n``), sorted by id; in a
    provider's scope only the provider themself can appear here. ``self_too_few``: the
    scope's own provider has too few courses for a point.
    """

    result: FunnelResult
    points: pd.DataFrame
    curve: pd.DataFrame
    too_few: pd.DataFrame
    self_too_few: bool


def funnel_view(result: FunnelResult, level: float) -> FunnelView:
    """Split a computed funnel into points, limit curves and "not enough courses yet"."""
    units = result.units.copy()
    if "is_self" not in units.columns:
        units["is_self"] = False
    masked = bool((units["unit_id"] == PEER_LABEL).any())
    units["x"] = units[result.precision].astype(float)
    units["y"] = units[result.measure].astype(float)
    lower, upper = wilson_interval(units["observed"], units["n"], level)
    sfx = level_suffix(level)
    units[f"rate_ci_lower_{sfx}"] = lower
    units[f"rate_ci_upper_{sfx}"] = upper
    few = units["flag"] == "too_few"
    points = units[~few]
    if masked:  # peers in volume order, never in the (hidden) id order
        points = points.sort_values(["is_self", "x"], kind="stable")
    too_few = units[few & (units["is_self"] | (not masked))][["unit_id", "n", "is_self"]]
    curve = limit_curve(result).rename(columns={result.precision: "x"})
    return FunnelView(
        result,
        points.reset_index(drop=True),
        curve,
        too_few.sort_values("unit_id").reset_index(drop=True),
        bool((few & units["is_self"]).any()),
    )


@dataclass(frozen=True)
class ProviderComparison:
    """Everything the Providers page and the ``providers`` CLI show (methods.md section 4):
    the crude and adjusted funnels (``crude_view`` and ``adjusted_view``: the same, ready to
    draw at the settings' confidence level), the case-mix model, the shrunken rates and the
    provider table (with each provider's highest CUSUM signal, ``cusum_signal``) and the
    CUSUMs themselves (``monitoring``: every provider's, or the scope's provider's only), so
    that a page draws the same CUSUM the table summarises without running it again."""

    crude: FunnelResult
    adjusted: FunnelResult
    model: CasemixModel
    shrunken: pd.DataFrame
    table: pd.DataFrame
    self_id: str | None  # the provider whose scope this is (None: a director's view)
    crude_view: FunnelView
    adjusted_view: FunnelView
    monitoring: ProviderMonitoring


def _mask_peers(frame: pd.DataFrame, self_id: str | None, column: str) -> pd.DataFrame:
    out = frame.copy()
    out["is_self"] = out[column] == self_id if self_id else False
    if self_id is not None:
        out.loc[~out["is_self"], column] = PEER_LABEL
    return out


@dataclass(frozen=True)
class ProviderFunnels:
    """The crude and the case-mix-adjusted funnel of the same courses."""

    crude: FunnelResult  # responder rate, exact binomial limits
    adjusted: FunnelResult  # O/E, exact Poisson-binomial limits


def provider_funnels(rows: pd.DataFrame, settings: Settings) -> ProviderFunnels:
    """Both funnels of courses with follow-up (``provider_id``, ``is_responder``,
    ``p_response``: the case-mix model's probability), at the settings' alert and alarm
    levels, with a point from ``min_provider_courses`` courses (methods.md section 4)."""
    alert, alarm = settings.funnel_alert_level, settings.funnel_alarm_level
    min_n = settings.min_provider_courses
    observed = rows["is_responder"].astype(int).to_numpy()
    courses = pd.DataFrame(
        {"unit_id": rows["provider_id"].to_numpy(), "observed": observed, "n": 1}
    )
    crude = funnel(
        courses[["unit_id", "n", "observed"]],
        data_type=PROPORTION,
        alert_level=alert,
        alarm_level=alarm,
        min_n=min_n,
    )
    courses["p"] = rows["p_response"].to_numpy(dtype=float)
    return ProviderFunnels(crude, oe_funnel(courses[["unit_id", "observed", "p"]], settings))


def compare_providers(q: Query) -> ProviderComparison:
    """Crude and case-mix-adjusted funnels, shrunken rates and the provider table.

    The comparison is always computed over the whole clinic (a funnel needs every provider);
    with a provider's scope, every other provider is returned unlabelled (and only the
    provider's own CUSUM is run). Raises :class:`InsufficientData` when there are no
    completers to compare.
    """
    courses = casemix_courses(q)
    rows, model, settings = courses.rows, courses.model, q.settings
    funnels = provider_funnels(rows, settings)
    crude, adjusted = funnels.crude, funnels.adjusted
    per_provider = crude.units[["unit_id", "n", "observed"]]
    shrunk = shrunken_rates(per_provider, level=q.level, min_n=settings.min_provider_courses)
    self_id = q.scope.provider_id
    monitoring = monitor_courses(rows, settings, None if self_id is None else [self_id])
    table = _provider_table(crude, adjusted, monitoring)
    if self_id is not None:
        crude = replace(crude, units=_mask_peers(crude.units, self_id, "unit_id"))
        adjusted = replace(adjusted, units=_mask_peers(adjusted.units, self_id, "unit_id"))
        shrunk = _mask_peers(shrunk, self_id, "unit_id")
        table = table[table["provider_id"] == self_id].reset_index(drop=True)
    level = q.level
    return ProviderComparison(
        crude,
        adjusted,
        model,
        shrunk,
        table,
        self_id,
        funnel_view(crude, level),
        funnel_view(adjusted, level),
        monitoring,
    )


def _provider_table(
    crude: FunnelResult, adjusted: FunnelResult, monitoring: ProviderMonitoring
) -> pd.DataFrame:
    c = crude.units.set_index("unit_id")
    a = adjusted.units.set_index("unit_id")
    table = pd.DataFrame(
        {
            "provider_id": c.index,
            "n_followup": c["n"].astype(int).to_numpy(),
            "n_responders": c["observed"].astype(int).to_numpy(),
            "crude_rate": c["rate"].to_numpy(),
            "expected_responders": a.loc[c.index, "expected"].to_numpy(),
            "oe_ratio": a.loc[c.index, "oe_ratio"].to_numpy(),
            "adjusted_rate": a.loc[c.index, "adjusted_rate"].to_numpy(),
            "flag_crude": c["flag"].to_numpy(),
            "flag_adjusted": a.loc[c.index, "flag"].to_numpy(),
            "cusum_signal": [monitoring.signal_of(str(p)) for p in c.index],
        }
    )
    return table.sort_values("provider_id").reset_index(drop=True)


def shrunken_view(shrunken: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The caterpillar's rows: the shrunken rates (empirical Bayes, :func:`queries.stats.
    shrinkage.shrunken_rates`) of :attr:`ProviderComparison.shrunken` for the providers with
    enough courses, in provider-id order (no ranks).

    Raises :class:`InsufficientData` when no provider has ``min_n`` courses with follow-up.
    """
    rows = shrunken[shrunken["enough_courses"].astype(bool)]
    if rows.empty:
        raise InsufficientData(
            f"No provider has {min_n} courses with follow-up yet, so "
            "there are no shrunken rates to show."
        )
    return rows.sort_values("unit_id", kind="stable").reset_index(drop=True)


# --- case mix and process ---------------------------------------------------------------------


def _clinic_and_groups(q: Query, name: str, **params: object) -> pd.DataFrame:
    """Rows per provider in scope plus one 'clinic' row over the whole clinic."""
    mine = q.run(name, by="provider", **params)
    clinic = q.clinic().run(name, by="all", **params)
    clinic["group_value"] = CLINIC
    return pd.concat([clinic, mine], ignore_index=True).rename(columns={"group_value": "group"})


def case_mix(q: Query) -> pd.DataFrame:
    """Share of each group's courses per case-mix factor level, the clinic first.

    Columns: group ('clinic' or a provider id in scope), factor, level, n_courses, share.
    Levels in their natural order (:mod:`queries.core.factors`).
    """
    counts = _clinic_and_groups(q, "analytics/case_mix_counts")
    totals = counts.groupby(["group", "factor"])["n_courses"].transform("sum")
    counts["share"] = counts["n_courses"] / totals
    rank = {
        (f, v): i
        for f, values in counts.groupby("factor")["level"]
        for i, v in enumerate(levels_of(str(f), values))
    }
    counts["_k"] = [rank[f, v] for f, v in zip(counts["factor"], counts["level"], strict=True)]
    counts["_g"] = counts["group"] != CLINIC
    return (
        counts.sort_values(["_g", "group", "factor", "_k"])
        .drop(columns=["_k", "_g"])
        .reset_index(drop=True)
    )


def process_indicators(q: Query) -> pd.DataFrame:
    """Per provider in scope and for the clinic: sessions completed vs planned, rehab pairing,
    follow-up completeness, screening documented and G6PD testing, each with a Wilson interval,
    and mean baseline pain."""
    frame = _clinic_and_groups(q, "analytics/process_indicators", window=q.settings.primary_window)
    level = q.level
    frame = add_rate_columns(frame, "n_full_protocol", "n_courses", "full_protocol", level)
    frame = add_rate_columns(frame, "n_rehab_paired", "n_courses", "rehab_paired", level)
    frame = add_rate_columns(frame, "n_followup", "n_eligible", "followup", level)
    frame = add_rate_columns(frame, "n_screening_documented", "n_courses", "screening", level)
    frame = add_rate_columns(frame, "n_g6pd_tested", "n_g6pd_known", "g6pd_tested", level)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["sessions_completed_share"] = (
            frame["n_sessions_completed"] / frame["n_sessions_planned"]
        )
    return frame


def baseline_pain(process: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean baseline NRS pain per group of :func:`process_indicators` with a Student t
    interval from the group's mean, sample SD and n: mean ± t(level, n-1)·sd/sqrt(n) (the
    summary-statistic form of :func:`queries.stats.intervals.t_interval`). NaN bounds below
    two courses with a baseline.

    Columns: group, n_with_baseline, mean_baseline_score, baseline_ci_lower_{lvl},
    baseline_ci_upper_{lvl}.
    """
    n = process["n_with_baseline"].to_numpy(dtype=float)
    mean = process["mean_baseline_score"].to_numpy(dtype=float)
    sd = process["sd_baseline_score"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = _sps.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = t * sd / np.sqrt(n)
    sfx = level_suffix(level)
    return pd.DataFrame(
        {
            "group": process["group"].to_numpy(),
            "n_with_baseline": process["n_with_baseline"].astype("Int64").to_numpy(),
            "mean_baseline_score": mean,
            f"baseline_ci_lower_{sfx}": np.where(n > 1, mean - half, np.nan),
            f"baseline_ci_upper_{sfx}": np.where(n > 1, mean + half, np.nan),
        }
    )


@dataclass(frozen=True)
class CaseMixAndProcess:
    """A scope's case mix, process and baseline pain beside the whole clinic's, the clinic
    first."""

    mix: pd.DataFrame  # case_mix: share of courses per factor level
    process: pd.DataFrame  # process_indicators: sessions, rehab, follow-up, screening, G6PD
    baseline_pain: pd.DataFrame  # baseline_pain: mean baseline NRS with its t interval


def case_mix_and_process(q: Query) -> CaseMixAndProcess:
    """Everything the pages show of a scope's case mix and process, in one result."""
    process = process_indicators(q)
    return CaseMixAndProcess(case_mix(q), process, baseline_pain(process, q.level))
