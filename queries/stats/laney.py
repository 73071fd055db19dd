"""Laney's p′ chart, and the choice between it and the p-chart (methods.md section 4: Trend).

Method: Laney (2002), Quality Engineering 14:531. With large denominators the binomial
limits of a p-chart, p̄ ± 3·sigma_i with sigma_i = sqrt(p̄(1 - p̄)/n_i), become so narrow
that ordinary period-to-period variation (case mix, season) falls outside them. Laney
measures that extra variation on the z scale:

    z_i = (p_i - p̄) / sigma_i,   MR_i = |z_i - z_{i-1}|,   sigma_z = mean(MR) / d2,

d2 = 1.128 for moving ranges of two points (the individuals chart; Montgomery,
Introduction to Statistical Quality Control, 7th ed., Appendix VI), and widens the limits
to p̄ ± 3·sigma_i·sigma_z. sigma_z = 1 is exactly binomial variation; the p-chart is the
p′ chart with sigma_z fixed at 1.

The rule (:func:`choose_chart`): draw p′ when sigma_z > 1 (the periods vary more than
binomial sampling explains), otherwise the p-chart. p′ with sigma_z < 1 would narrow the
limits below binomial, which sampling alone cannot justify, so it is not drawn; with fewer
than two periods there is no moving range and the p-chart is drawn. The choice and its
reason come back as a sentence for the page.

Signal rules are those of :mod:`queries.stats.spc` (NHS "Making Data Count"), imported,
applied with the chart's own limits (the near-limit lines at 2·sigma_i·sigma_z).
Periods with n = 0 have no point, no z and no moving range; the moving ranges run between
consecutive plotted points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.stats.spc import MDC_RULES, SignalRules, chart_points, period_counts

D2_MOVING_RANGE = 1.128  # d2 for subgroups of n = 2 (Montgomery, Appendix VI)
SIGMA_Z_THRESHOLD = 1.0  # binomial variation exactly: p′ only above it
P_CHART = "p"
LANEY = "p_prime"
CHARTS = (P_CHART, LANEY)
MIN_PERIODS = 2  # one moving range needs two plotted points


@dataclass(frozen=True)
class ChartChoice:
    """Which chart is drawn, its sigma_z, and a sentence saying why."""

    chart: str  # P_CHART or LANEY
    sigma_z: float  # as measured (NaN with fewer than two periods)
    factor: float  # what sigma_i is multiplied by: sigma_z for p′, 1 for the p-chart
    reason: str


@dataclass(frozen=True)
class TrendChart:
    """A computed p or p′ chart (drawing is the dashboard's).

    ``points`` has one row per period, in the input order: ``period, n, events,
    proportion, centre, binomial_sigma, z, moving_range, sigma`` (binomial_sigma·factor),
    ``lower_limit, upper_limit, lower_near_limit, upper_near_limit, side``, the
    ``signal_*`` columns of :mod:`queries.stats.spc` and ``signal_any``.
    """

    points: pd.DataFrame
    centre: float
    choice: ChartChoice
    n_total: int
    events_total: int

    @property
    def chart(self) -> str:
        return self.choice.chart

    @property
    def has_signal(self) -> bool:
        return bool(self.points["signal_any"].any())


def z_scores(proportion, p_bar: float, sigma) -> np.ndarray:
    """z_i = (p_i - p̄)/sigma_i (Laney 2002); NaN where there is no point."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.asarray(proportion, dtype=float) - p_bar) / np.asarray(sigma, dtype=float)


def moving_ranges(z) -> np.ndarray:
    """MR_i = |z_i - z_{i-1}| between consecutive values; the first is NaN."""
    z_arr = np.asarray(z, dtype=float)
    return np.concatenate([[np.nan], np.abs(np.diff(z_arr))]) if z_arr.size else z_arr


def sigma_z(z) -> float:
    """sigma_z = mean moving range of z / d2 (d2 = 1.128); NaN with fewer than two values."""
    ranges = moving_ranges(z)[1:]
    return float(np.mean(ranges)) / D2_MOVING_RANGE if ranges.size else float("nan")


def choose_chart(
    measured_sigma_z: float, n_periods: int, threshold: float = SIGMA_Z_THRESHOLD
) -> ChartChoice:
    """p′ exactly when sigma_z > ``threshold`` (1: binomial variation), else the p-chart."""
    if n_periods < MIN_PERIODS or not np.isfinite(measured_sigma_z):
        why = (
            f"from only {n_periods} period(s)"
            if n_periods < MIN_PERIODS
            else "with an overall rate of 0 % or 100 % (no binomial spread)"
        )
        return ChartChoice(
            P_CHART,
            float("nan"),
            1.0,
            f"p-chart: {why} the variation between periods cannot be measured, so the "
            "binomial limits are drawn.",
        )
    if measured_sigma_z > threshold:
        return ChartChoice(
            LANEY,
            measured_sigma_z,
            measured_sigma_z,
            f"Laney p′ chart: the {n_periods} periods vary "
            f"{measured_sigma_z:.2f} times as much as binomial sampling "
            f"alone would make them (σ_z = {measured_sigma_z:.2f} > "
            f"{threshold:g}), so the limits are widened by that factor.",
        )
    return ChartChoice(
        P_CHART,
        measured_sigma_z,
        1.0,
        f"p-chart: the {n_periods} periods vary no more than binomial "
        f"sampling explains (σ_z = {measured_sigma_z:.2f} ≤ "
        f"{threshold:g}), so the binomial limits are drawn.",
    )


def forced_choice(chart: str, measured_sigma_z: float) -> ChartChoice:
    """The chart asked for by name, whatever sigma_z says (the reason says it was asked)."""
    if chart not in CHARTS:
        raise ValueError(f"unknown chart {chart!r}: use 'auto', 'p' or 'p_prime'")
    if chart == LANEY and not np.isfinite(measured_sigma_z):
        raise ValueError("a p′ chart needs at least two periods with courses")
    factor = measured_sigma_z if chart == LANEY else 1.0
    name = "Laney p′ chart" if chart == LANEY else "p-chart"
    measured = (
        f"σ_z = {measured_sigma_z:.2f}" if np.isfinite(measured_sigma_z) else "σ_z not measurable"
    )
    return ChartChoice(chart, measured_sigma_z, factor, f"{name}, as asked ({measured}).")


def trend_chart(
    frame: pd.DataFrame,
    period_col: str = "period",
    n_col: str = "n",
    events_col: str = "events",
    *,
    chart: str = "auto",
    threshold: float = SIGMA_Z_THRESHOLD,
    rules: SignalRules = MDC_RULES,
) -> TrendChart:
    """p-chart or Laney p′ chart of events / n by period, with the MDC signal rules.

    ``frame``: one row per period in time order (e.g. quarters), courses ``n`` and events
    (e.g. responders). ``chart="auto"`` applies :func:`choose_chart`; ``"p"`` or
    ``"p_prime"`` force one. Limits p̄ ± limit_sigmas·sigma_i·factor, clipped to [0, 1]
    (see the module docstring); ``rules``: the limits' widths and the runs' lengths.
    """
    counts = period_counts(frame, period_col, n_col, events_col)
    plotted = counts.plotted
    z = z_scores(counts.proportion, counts.centre, counts.binomial_sigma)
    ranges = np.full(plotted.size, np.nan)
    ranges[plotted] = moving_ranges(z[plotted])
    measured = sigma_z(z[plotted])
    choice = (
        choose_chart(measured, int(plotted.sum()), threshold)
        if chart == "auto"
        else forced_choice(chart, measured)
    )
    own = {"binomial_sigma": counts.binomial_sigma, "z": z, "moving_range": ranges}
    return TrendChart(
        points=chart_points(counts, counts.binomial_sigma * choice.factor, rules, extra=own),
        centre=counts.centre,
        choice=choice,
        n_total=counts.n_total,
        events_total=counts.events_total,
    )
