"""p-chart with the NHS "Making Data Count" special-cause rules (methods.md section 4: Trend).

Limits (methods.md section 4; Montgomery, Introduction to Statistical Quality Control,
7th ed., section 7.2.1, variable sample size): centre p̄ = Σ events / Σ n; per period
sigma_i = sqrt(p̄ (1 - p̄) / n_i); limits p̄ ± 3·sigma_i clipped to [0, 1].

Signal rules, as in NHS England / NHS Improvement "Making Data Count" (MDC; "Making data
count: strengthening your decisions", 2019, and its "Plot the dots" tools) and their
reference implementation by the NHS-R community, NHSRplotthedots
(R/ptd_calculate_point_type.R and R/ptd_spc_standard.R, github.com/nhs-r-community/
NHSRplotthedots; its PR #180 describes "a trend of 7 points"):

(a) beyond limits: a point strictly above the upper or below the lower limit;
(b) shift: 7 or more consecutive points all above, or all below, the centre line (a point
    exactly on the line breaks the run);
(c) trend: 7 or more consecutive points each strictly higher (or each strictly lower) than
    the one before (a repeat value breaks the run);
(d) two out of three: in 3 consecutive points all on the same side of the centre line, at
    least 2 are close to the limit on that side - beyond 2 sigma but not beyond the limit
    (MDC's "two out of three points close to the process limits"; the near-limit line is
    2/3 of the way from the centre to the limit, as in NHSRplotthedots).

Every point of a qualifying run is marked (MDC colours the whole run). Periods with n == 0
have no point: they get NaN and no signal, and the rules run over the plotted points only.
Each rule is its own function on plain arrays; :func:`chart_points` puts them together with a
chart's limits (the p-chart's here, the Laney p′ chart's in :mod:`queries.stats.laney`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

SHIFT_RUN = 7  # MDC: 7 or more points on one side of the mean
TREND_RUN = 7  # MDC: 7 or more points all increasing or all decreasing
LIMIT_SIGMAS = 3.0  # methods.md section 4: p̄ ± 3 sigma
NEAR_LIMIT_SIGMAS = 2.0  # MDC "close to the limits": beyond 2 sigma (2/3 of the way)

SIGNAL_COLUMNS = ("signal_beyond_limits", "signal_shift", "signal_trend", "signal_two_of_three")


@dataclass(frozen=True)
class SignalRules:
    """How far the limits and near-limit lines stand from the centre (in sigma_i) and how long
    a shift or a trend must run; the defaults are MDC's (module docstring)."""

    limit_sigmas: float = LIMIT_SIGMAS
    near_limit_sigmas: float = NEAR_LIMIT_SIGMAS
    shift_run: int = SHIFT_RUN
    trend_run: int = TREND_RUN


MDC_RULES = SignalRules()


@dataclass(frozen=True)
class PChart:
    """A computed p-chart: no drawing here (dashboard/charts.py draws it).

    ``points`` has one row per period, in the input order:
    ``period, n, events, proportion, centre, sigma, lower_limit, upper_limit,
    lower_near_limit, upper_near_limit, side`` (+1 above, -1 below, 0 on the centre line),
    the four ``signal_*`` columns and ``signal_any``.
    """

    points: pd.DataFrame
    centre: float
    n_total: int
    events_total: int
    # the SignalRules the chart was drawn with
    limit_sigmas: float
    near_limit_sigmas: float
    shift_run: int
    trend_run: int

    @property
    def has_signal(self) -> bool:
        """Whether any point breaks any of the MDC rules."""
        return bool(self.points["signal_any"].any())


def centre_line(events, n) -> float:
    """p̄ = Σ events / Σ n (pooled proportion; methods.md section 4, Montgomery 7.2.1)."""
    total_n = float(np.sum(n))
    if total_n <= 0:
        raise ValueError("no courses in any period: a p-chart needs at least one")
    return float(np.sum(events)) / total_n


def binomial_sigma(p_bar: float, n) -> np.ndarray:
    """sigma_i = sqrt(p̄ (1 - p̄) / n_i), the binomial SD of a period's proportion with
    variable sample size (Montgomery 7.2.1); NaN where n_i == 0."""
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_arr > 0, np.sqrt(p_bar * (1 - p_bar) / n_arr), np.nan)


class ControlLimits(NamedTuple):
    """Lower and upper control limits per period."""

    lower: np.ndarray
    upper: np.ndarray


def control_limits(p_bar: float, sigma, sigmas: float) -> ControlLimits:
    """p̄ ± sigmas·sigma_i, clipped to [0, 1] (a proportion cannot leave [0, 1]; Montgomery,
    section 7.2.1)."""
    s = np.asarray(sigma, dtype=float)
    return ControlLimits(np.clip(p_bar - sigmas * s, 0, 1), np.clip(p_bar + sigmas * s, 0, 1))


def side_of_centre(values, centre: float) -> np.ndarray:
    """+1 above the centre line, -1 below, 0 on it (NaN values give 0)."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), 0, np.sign(v - centre)).astype(int)


def _mark_runs(key: np.ndarray, min_length: int) -> np.ndarray:
    """True for every element of a run of >= ``min_length`` equal, non-zero keys."""
    out = np.zeros(key.size, dtype=bool)
    start = 0
    for i in range(1, key.size + 1):
        if i == key.size or key[i] != key[start]:
            if key[start] != 0 and i - start >= min_length:
                out[start:i] = True
            start = i
    return out


def rule_beyond_limits(values, lower, upper) -> np.ndarray:
    """MDC rule (a): a point strictly outside the process limits."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return (v > np.asarray(upper, dtype=float)) | (v < np.asarray(lower, dtype=float))


def rule_shift(values, centre: float, run: int = SHIFT_RUN) -> np.ndarray:
    """MDC rule (b): ``run`` or more consecutive points on one side of the centre line."""
    return _mark_runs(side_of_centre(values, centre), run)


def rule_trend(values, run: int = TREND_RUN) -> np.ndarray:
    """MDC rule (c): ``run`` or more consecutive points each strictly above (or each
    strictly below) the previous one; all points of the run are marked."""
    v = np.asarray(values, dtype=float)
    out = np.zeros(v.size, dtype=bool)
    if v.size < 2:
        return out
    step = np.sign(np.diff(v))  # step[i]: from point i to i + 1
    step = np.where(np.isnan(step), 0, step).astype(int)
    in_run = _mark_runs(step, run - 1)  # run points <=> run - 1 steps in one direction
    out[:-1] |= in_run
    out[1:] |= in_run
    return out


def rule_two_of_three(values, centre: float, lower, upper, lower_near, upper_near) -> np.ndarray:
    """MDC rule (d): 2 of 3 consecutive points close to a limit, all 3 on one side.

    "Close" = beyond the near-limit line (2 sigma) but not beyond the limit, on the side
    the window is on. Only the close points of a qualifying window are marked (as in
    NHSRplotthedots); points beyond the limit are rule (a)'s.
    """
    v = np.asarray(values, dtype=float)
    side = side_of_centre(v, centre)
    beyond = rule_beyond_limits(v, lower, upper)
    with np.errstate(invalid="ignore"):
        close_hi = (v > np.asarray(upper_near, dtype=float)) & ~beyond & (side > 0)
        close_lo = (v < np.asarray(lower_near, dtype=float)) & ~beyond & (side < 0)
    close = close_hi | close_lo
    out = np.zeros(v.size, dtype=bool)
    for i in range(v.size - 2):
        window = slice(i, i + 3)
        if abs(side[window].sum()) == 3 and close[window].sum() >= 2:
            out[window] |= close[window]
    return out


@dataclass(frozen=True)
class PeriodCounts:
    """The checked counts of a chart, one entry per period in the input order: courses ``n``,
    ``events``, the pooled centre p̄, the binomial sigma_i and the proportion (NaN where
    n_i == 0: no point)."""

    period: np.ndarray
    n: np.ndarray
    events: np.ndarray
    centre: float
    binomial_sigma: np.ndarray
    proportion: np.ndarray

    @property
    def plotted(self) -> np.ndarray:
        """The periods with a point (n_i > 0)."""
        return self.n > 0

    @property
    def n_total(self) -> int:
        return int(self.n.sum())

    @property
    def events_total(self) -> int:
        return int(self.events.sum())


def period_counts(
    frame: pd.DataFrame, period_col: str, n_col: str, events_col: str
) -> PeriodCounts:
    """The periods of ``frame`` (one row each, in time order) checked, with p̄ and sigma_i."""
    if frame[period_col].duplicated().any():
        raise ValueError(f"{period_col} repeats: give one row per period")
    n = frame[n_col].to_numpy(dtype=float)
    events = frame[events_col].to_numpy(dtype=float)
    if (
        np.isnan(n).any()
        or np.isnan(events).any()
        or (n < 0).any()
        or (events < 0).any()
        or (events > n).any()
    ):
        raise ValueError("each period needs 0 <= events <= n, with no missing values")
    p_bar = centre_line(events, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = np.where(n > 0, events / n, np.nan)
    return PeriodCounts(
        frame[period_col].to_numpy(), n, events, p_bar, binomial_sigma(p_bar, n), prop
    )


def chart_points(
    counts: PeriodCounts,
    sigma: np.ndarray,
    rules: SignalRules = MDC_RULES,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per period: the counts, limits p̄ ± limit_sigmas·sigma_i and near-limit lines
    p̄ ± near_limit_sigmas·sigma_i (clipped to [0, 1]), the side of the centre line, and the
    MDC signals (the rules run over the plotted points only). ``extra`` columns (a chart's
    own) stand between ``centre`` and ``sigma``."""
    p_bar = counts.centre
    limits = control_limits(p_bar, sigma, rules.limit_sigmas)
    near = control_limits(p_bar, sigma, rules.near_limit_sigmas)
    points = pd.DataFrame(
        {
            "period": counts.period,
            "n": counts.n.astype(int),
            "events": counts.events.astype(int),
            "proportion": counts.proportion,
            "centre": p_bar,
            **(extra or {}),
            "sigma": sigma,
            "lower_limit": limits.lower,
            "upper_limit": limits.upper,
            "lower_near_limit": near.lower,
            "upper_near_limit": near.upper,
            "side": side_of_centre(counts.proportion, p_bar),
        }
    )
    plotted = counts.plotted
    v = counts.proportion[plotted]
    lower, upper = limits.lower[plotted], limits.upper[plotted]
    signals = {
        "signal_beyond_limits": rule_beyond_limits(v, lower, upper),
        "signal_shift": rule_shift(v, p_bar, rules.shift_run),
        "signal_trend": rule_trend(v, rules.trend_run),
        "signal_two_of_three": rule_two_of_three(
            v, p_bar, lower, upper, near.lower[plotted], near.upper[plotted]
        ),
    }
    for name in SIGNAL_COLUMNS:
        column = np.zeros(plotted.size, dtype=bool)
        column[plotted] = signals[name]
        points[name] = column
    points["signal_any"] = points[list(SIGNAL_COLUMNS)].any(axis=1)
    return points


def p_chart(
    frame: pd.DataFrame,
    period_col: str = "period",
    n_col: str = "n",
    events_col: str = "events",
    rules: SignalRules = MDC_RULES,
) -> PChart:
    """p-chart of events / n by period with the MDC signal rules (see module docstring).

    ``frame`` holds one row per period, already in time order (e.g. quarters), with the
    number of courses ``n`` and of events (e.g. responders) ``events``.
    """
    counts = period_counts(frame, period_col, n_col, events_col)
    return PChart(
        points=chart_points(counts, counts.binomial_sigma, rules),
        centre=counts.centre,
        n_total=counts.n_total,
        events_total=counts.events_total,
        **asdict(rules),
    )
