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

A provider with fewer than ``Settings.min_provider_courses`` eligible courses with follow-up
gets no point, rate or interval of its own anywhere here (methods.md section 4): no funnel
point, no shrunken rate, no rates in the table or in the process indicators (the rule of
:func:`queries.analytics.rates.withhold_small_providers`); a director still sees its id.

Scope: the funnel needs every provider of the clinic. For a provider's scope (methods.md
section 6) the masking happens here, in the core, not in a page: the provider's own point
is exact; the peers with a point come back unlabelled (``unit_id`` blank, ``is_self``
False) with nothing that gives their volume away (:func:`funnel_view`): each is drawn at the
middle of its volume band (:func:`volume_band`), its rate (or O/E) rounded to 0.01, in
order of band and rate, and no frame of the result holds a peer's n, observed or expected
count, its flag or its shrunken rate; the limit curves end where the drawn points do. With
fewer than :data:`MIN_PEERS` such peers none is drawn (the clinic's totals, which a provider
sees, less their own would give one or two peers' counts back). Peers with too few courses
are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.analytics.casemix_courses import casemix_courses
from queries.analytics.monitoring import ProviderMonitoring, monitor_courses
from queries.analytics.query import Query
from queries.analytics.rates import TOO_FEW_COURSES, withhold_small_providers
from queries.core.errors import InsufficientData
from queries.core.factors import levels_of
from queries.core.scope import CLINIC
from queries.core.settings import Settings
from queries.stats.casemix import CasemixModel
from queries.stats.funnel import PROPORTION, FunnelResult, default_precision_grid, funnel
from queries.stats.intervals import add_rate_columns, level_suffix, wilson_interval
from queries.stats.oe_funnel import limit_curve, oe_funnel
from queries.stats.shrinkage import shrunken_rates

PEER_LABEL = ""
MIN_PEERS = 3  # peers drawn on a provider's funnel only from this many (module docstring)
BAND_START = 50  # volume bands: min_provider_courses-49, 50-99, 100-199, then doubling
PEER_DECIMALS = 2  # a peer's rate (to a whole percent) or O/E, rounded to this many decimals
# What a provider with too few courses keeps of each frame here: its id, courses with
# follow-up and flags (no rate, responders, expected count or limit: E ≈ n·p gives n back).
FUNNEL_KEPT = ("unit_id", "n", "n_followup", "flag", "in_overdispersion_estimate", "is_self")
SHRUNKEN_KEPT = ("unit_id", "n", "prior_mean", "between_variance", "enough_courses")
TABLE_KEPT = ("provider_id", "n_followup", "flag_crude", "flag_adjusted", "cusum_signal")
PROCESS_KEPT: tuple[str, ...] = ("group", "n_courses", "n_sessions_planned", "n_eligible")
PROCESS_KEPT += ("n_followup", "n_g6pd_known", "n_with_baseline")
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

    ``points``: every unit, with the unit table's columns plus ``x`` (n or expected), ``y``
    (rate or O/E), ``n_followup`` and ``n_responders`` (n and observed under the names the
    gate knows) and, for proportion funnels, the Wilson interval of the rate
    (``rate_ci_lower_{lvl}``/``..._upper_..``); a unit with ``flag`` ``too_few`` has no x, y
    or rate (it is in the frame so that the gate's complementary suppression sees its
    count, as in the provider table). In a provider's view: the provider's own row and the
    peers drawn, each with only ``unit_id`` (blank), ``is_self``, ``volume_band``, ``x``
    and ``y`` (coarsened: module docstring); too-few peers are not in it. ``curve``:
    :func:`queries.stats.oe_funnel.limit_curve` with the same ``x`` column. ``too_few``:
    labelled units below ``min_n`` courses (``unit_id, is_self``, no count), sorted by id;
    in a provider's scope only the provider themself can appear here. ``self_too_few``: the
    scope's own provider has too few courses for a point. ``peers_withheld``: a provider's
    view with peers that have a point, but fewer than :data:`MIN_PEERS`, so none is drawn.
    """

    result: FunnelResult
    points: pd.DataFrame
    curve: pd.DataFrame
    too_few: pd.DataFrame
    self_too_few: bool
    peers_withheld: bool = False


def volume_band(n: float, first: int) -> tuple[int, int]:
    """The volume band ``[lower, upper)`` of ``n`` courses with follow-up: ``first``
    (``Settings.min_provider_courses``) to 49, 50-99, 100-199, 200-399, doubling on, so that a
    peer's point says its band, never its n (methods.md section 6)."""
    lower, upper = first, BAND_START
    while upper <= lower:
        upper *= 2
    while n >= upper:
        lower, upper = upper, upper * 2
    return lower, upper


def _peer_points(result: FunnelResult, peers: pd.DataFrame) -> pd.DataFrame:
    """The peers as drawn for a provider: band, its middle as x (times the pooled rate on the
    O/E funnel: the expected count of a provider of that volume with the clinic's rate),
    y rounded; in order of band and value, never of id."""
    bands = [volume_band(n, result.min_n) for n in peers["n"]]
    middle = np.array([(lo + hi) / 2 for lo, hi in bands], dtype=float)
    scale = 1.0 if result.data_type == PROPORTION else result.pooled_rate
    out = pd.DataFrame(
        {
            "unit_id": PEER_LABEL,
            "is_self": False,
            "volume_band": [f"{lo}–{hi - 1}" for lo, hi in bands],
            "x": middle * scale,
            "y": peers["y"].to_numpy(dtype=float).round(PEER_DECIMALS),
        }
    )
    return out.sort_values(["x", "y"], kind="stable").reset_index(drop=True)


def funnel_view(result: FunnelResult, level: float, self_id: str | None = None) -> FunnelView:
    """Split a computed funnel into points, limit curves and "not enough courses yet"; with
    ``self_id`` (a provider's scope), the provider's own view: peers unlabelled and
    coarsened, and the result's units reduced to the provider's own row and those points."""
    units = result.units.copy()
    units["is_self"] = units["unit_id"] == self_id
    units["x"] = units[result.precision].astype(float)
    units["y"] = units[result.measure].astype(float)
    units["n_followup"], units["n_responders"] = units["n"], units["observed"]
    lower, upper = wilson_interval(units["observed"], units["n"], level)
    sfx = level_suffix(level)
    units[f"rate_ci_lower_{sfx}"] = lower
    units[f"rate_ci_upper_{sfx}"] = upper
    few = (units["flag"] == "too_few").to_numpy()
    units = withhold_small_providers(units, result.min_n, keep=FUNNEL_KEPT, count="n")
    units = units.drop(columns=TOO_FEW_COURSES)  # the flag says it: too_few
    is_self = units["is_self"].to_numpy(dtype=bool)
    too_few = units[few & (is_self | (self_id is None))][["unit_id", "is_self"]]
    too_few = too_few.sort_values("unit_id").reset_index(drop=True)
    if self_id is None:  # every unit, so that the gate hides here what it hides in the table
        points = units.reset_index(drop=True)
        return FunnelView(replace(result, units=units), points, _curve(result), too_few, False)
    peers = units[~few & ~is_self]
    drawn = _peer_points(result, peers if len(peers) >= MIN_PEERS else peers[:0])
    own = units[is_self]
    points = pd.concat([drawn, own], ignore_index=True)
    return FunnelView(
        replace(result, units=pd.concat([own, drawn], ignore_index=True)),
        points,
        _curve(result, points["x"].dropna().to_numpy(dtype=float)),
        too_few,
        bool((few & is_self).any()) or not is_self.any(),  # none with follow-up: too few too
        peers_withheld=0 < len(peers) < MIN_PEERS,
    )


def _curve(result: FunnelResult, drawn: np.ndarray | None = None) -> pd.DataFrame:
    """The limit curve with ``x``; over the x of the ``drawn`` points when given (a
    provider's view, maybe none), so that where it ends says nothing of a peer's volume."""
    grid = None if drawn is None else default_precision_grid(result, values=drawn)
    return limit_curve(result, grid=grid).rename(columns={result.precision: "x"})


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
    with a provider's scope the result holds the provider's own rows only and the peers as
    :func:`funnel_view` draws them (and only the provider's own CUSUM is run). A provider
    under ``Settings.min_provider_courses`` has no rate of its own in any of it. Raises
    :class:`InsufficientData` when there are no completers to compare.
    """
    courses = casemix_courses(q)
    rows, model, settings, level = courses.rows, courses.model, q.settings, q.level
    min_n, self_id = settings.min_provider_courses, q.scope.provider_id
    funnels = provider_funnels(rows, settings)
    per_provider = funnels.crude.units[["unit_id", "n", "observed"]]
    shrunk = withhold_small_providers(
        shrunken_rates(per_provider, level=level, min_n=min_n), min_n, keep=SHRUNKEN_KEPT, count="n"
    ).drop(columns=TOO_FEW_COURSES)
    monitoring = monitor_courses(rows, settings, None if self_id is None else [self_id])
    table = _provider_table(funnels.crude, funnels.adjusted, monitoring, min_n)
    crude = funnel_view(funnels.crude, level, self_id)
    adjusted = funnel_view(funnels.adjusted, level, self_id)
    if self_id is not None:
        shrunk = shrunk[shrunk["unit_id"] == self_id].reset_index(drop=True)
        table = table[table["provider_id"] == self_id].reset_index(drop=True)
    return ProviderComparison(
        crude.result, adjusted.result, model, shrunk, table, self_id, crude, adjusted, monitoring
    )


def _provider_table(
    crude: FunnelResult, adjusted: FunnelResult, monitoring: ProviderMonitoring, min_n: int
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
    table = withhold_small_providers(table, min_n, keep=TABLE_KEPT).drop(columns=TOO_FEW_COURSES)
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
    and mean baseline pain. A provider under ``Settings.min_provider_courses`` eligible
    courses with follow-up keeps only its denominators (``too_few_courses``)."""
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
    is_provider = frame["group"] != CLINIC
    return withhold_small_providers(
        frame, q.settings.min_provider_courses, is_provider, keep=PROCESS_KEPT
    )


def baseline_pain(process: pd.DataFrame, level: float) -> pd.DataFrame:
    """Mean baseline NRS pain per group of :func:`process_indicators` with a Student t
    interval from the group's mean, sample SD and n: mean ± t(level, n-1)·sd/sqrt(n) (the
    summary-statistic form of :func:`queries.stats.intervals.t_interval`). NaN bounds below
    two courses with a baseline.

    Columns: group, n_with_baseline, mean_baseline_score, baseline_ci_lower_{lvl},
    baseline_ci_upper_{lvl}, too_few_courses (no mean of its own: the process's).
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
            TOO_FEW_COURSES: process.get(TOO_FEW_COURSES, False) & np.ones(len(n), bool),
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
