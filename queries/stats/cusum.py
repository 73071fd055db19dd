"""Risk-adjusted Bernoulli CUSUM for monitoring a provider over time (methods.md section 4).

Method: Steiner, Cook, Farewell & Treasure (2000), Biostatistics 1:441. Courses in order
t = 1..T, p_t the case-mix model's predicted probability of the adverse outcome (here
NON-response: p_t = 1 - P(response)), y_t = 1 when it happened. The chart tests the odds
ratio R_0 = 1 (the model holds) against R_A (default 2, a doubling of the odds of
non-response). Each course adds the log-likelihood-ratio weight

    W_t = y_t·log(R_A) - log(1 - p_t + R_A·p_t)

and S_t = max(0, S_{t-1} + W_t), S_0 = 0. A course that went as expected moves S little;
a non-response the model thought unlikely moves it up most.

Two thresholds, h_alert < h_alarm. An alert starts at a course where S_t >= h_alert and the
previous S was below it; an alarm at a course where S_t >= h_alarm, after which S resets to
0 (methods.md: "resets after it"; resetting at the alert as well would make the alarm
unreachable). Each signal also gets its onset, the first course of the run-up since S was
last 0: the CUSUM's estimate of when the change began (the counter N+ of the tabular cusum,
Montgomery, Introduction to Statistical Quality Control, 7th ed., section 9.1.2).

Thresholds (:func:`calibrate_thresholds`), by seeded simulation of the in-control process:
``n_sim`` series y_t ~ Bernoulli(p_t) with the provider's own p_t sequence; without resets
S_t = C_t - min(0, min_{s<=t} C_s), C_t = W_1 + ... + W_t (Lindley's recursion solved in
closed form, run over all series at once: :mod:`queries.stats.cusum_simulation`); h = the
smallest simulated max_t S_t that at most a share 1 - level of the series reach
(:func:`upper_threshold`). So the probability of at least one signal over the provider's T
courses, when nothing is wrong, is 1 - level (at most that, where few courses make max S
discrete): 5 % for the alert and 0.2 % for the alarm at the funnel's levels (0.95, 0.998).
A reset at an alarm does not change when the first alert or the first alarm happens, so
the calibration holds for the chart as drawn.

Why simulation and not the Markov-chain approximation of the average run length (Brook &
Evans 1972, as Steiner et al. 2000 used): an ARL describes an endless stream with a
stationary case mix, while the question here is finite and concrete: how likely is a false
signal over this provider's courses, with this case mix, at the funnel's levels. The fixed
seed makes the thresholds reproducible; the simulation's own error in the 5 % is about
sqrt(0.05·0.95/n_sim) (0.002 at 10,000), and at least :data:`MIN_TAIL_SERIES` simulated
series must lie beyond the alarm threshold. The thresholds grow with T: they are set for the
courses so far and are recalibrated as courses accrue.

Long series (T > :data:`MAX_SIMULATED_COURSES`): simulating every course would cost
n_sim·T, growing with the data, so the simulation runs over L = :data:`MAX_SIMULATED_COURSES`
of the provider's p_t, evenly spaced in course order, and the share over T follows from two
properties of this CUSUM (:func:`extrapolated_threshold`). (1) Signals over T courses come as
rare, nearly independent excursions from 0, so P(no signal in T) = P(no signal in L)^(T/L),
i.e. the cumulative hazard Λ = -log(1 - P) is additive: Λ_L = Λ_T·L/T. (2) W_t is a
log-likelihood ratio, so exp(C_t) is a martingale in control (E[exp W_t] = 1 for every p_t)
and an excursion reaches h with probability proportional to exp(-h) (Wald; Siegmund 1985,
Sequential Analysis, ch. 2): Λ_L(h) = Λ_L(h_q)·exp(h_q - h) beyond a level h_q that
:data:`~queries.stats.cusum_simulation.REFERENCE_TAIL_SERIES` simulated series reach. So
h = h_q + log(Λ_L(h_q)/Λ_L), the same meaning (P(any signal over T | in control) = 1 - level)
at the cost of L courses.
Checked by full-length simulation in tests/test_cusum.py (10,000 courses: 4.9 %, 0.16 %).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.core.settings import Settings
from queries.stats.cusum_simulation import (
    check_probabilities,
    extrapolated_threshold,
    simulated_maxima_many,
    upper_threshold,
)
from queries.stats.intervals import check_alert_alarm_levels

DEFAULT_ODDS_RATIO = 2.0  # methods.md: detect a doubling of the odds of non-response
DEFAULT_ALERT_LEVEL = Settings.funnel_alert_level  # the funnel's levels (one definition)
DEFAULT_ALARM_LEVEL = Settings.funnel_alarm_level
DEFAULT_N_SIM = 10_000
DEFAULT_SEED = 20000441  # any fixed number: Steiner et al. 2000, Biostatistics 1:441
DEFAULT_MIN_COURSES = Settings.min_provider_courses  # courses before a provider's point
MIN_TAIL_SERIES = 10  # n_sim·(1 - alarm_level) must be at least this
# Longest series simulated course by course: above it, L evenly spaced courses and the
# exponential tail (module doc). 1,000 is above every provider of the 6,000-course clinic.
MAX_SIMULATED_COURSES = 1_000
RESET_WINDOW = 4_096  # courses of the chart searched at first for the next alarm
SIGNAL_LEVELS = ("too_few", "none", "alert", "alarm")  # lowest to highest


@dataclass(frozen=True)
class AdverseSeries:
    """The adverse outcome's predicted probabilities and 0/1 outcomes, courses in order."""

    p_adverse: np.ndarray
    adverse: np.ndarray


@dataclass(frozen=True)
class CusumThresholds:
    """Alert and alarm thresholds and how they were chosen."""

    alert: float
    alarm: float
    alert_level: float
    alarm_level: float
    odds_ratio: float
    n_courses: int
    n_sim: int  # 0 when the thresholds were given, not simulated
    seed: int | None
    simulated_alert_probability: float  # share of in-control series that alerted (NaN: given)
    simulated_alarm_probability: float


@dataclass(frozen=True)
class CusumPath:
    """The chart's arrays, one value per course: S_t (before any reset) and the signals."""

    cusum: np.ndarray
    alert_start: np.ndarray  # True where an alert starts (S crosses h_alert upwards)
    alarm: np.ndarray  # True where S reaches h_alarm (S resets to 0 after it)
    onset: np.ndarray  # first course of the run-up that led to S_t (0-based)


@dataclass(frozen=True)
class CusumResult:
    """A computed CUSUM (not drawn).

    ``steps``: one row per course, in order: ``course`` (0-based position), ``p_adverse``,
    ``adverse``, ``weight``, ``cusum``, ``onset``, ``alert_start``, ``alarm``.
    ``signals``: one row per signal: ``signal`` (alert/alarm), ``course``, ``onset``.
    ``first_alert`` / ``first_alarm``: the course where the first of each started, or None.
    """

    steps: pd.DataFrame
    signals: pd.DataFrame
    thresholds: CusumThresholds
    first_alert: int | None
    first_alarm: int | None

    @property
    def n_courses(self) -> int:
        return len(self.steps)


def non_response(p_response, responded) -> AdverseSeries:
    """From the model's P(response) and the 0/1 responder outcome to the adverse outcome."""
    p = np.asarray(p_response, dtype=float)
    y = np.asarray(responded, dtype=float)
    return AdverseSeries(p_adverse=1.0 - p, adverse=1.0 - y)


def _check_outcomes(adverse, p: np.ndarray) -> np.ndarray:
    y = np.asarray(adverse, dtype=float)
    if y.shape != p.shape or not np.all((y == 0) | (y == 1)):
        raise ValueError("adverse must be 0/1 outcomes, one for each predicted probability")
    return y


def cusum_weights(p_adverse, adverse, odds_ratio: float = DEFAULT_ODDS_RATIO) -> np.ndarray:
    """W_t = y_t·log(R_A) - log(1 - p_t + R_A·p_t): the log-likelihood ratio of course t
    under odds ratio R_A against 1 (Steiner et al. 2000)."""
    if not odds_ratio > 0 or odds_ratio == 1:
        raise ValueError(f"the odds ratio to detect must be positive and not 1, got {odds_ratio}")
    p = np.asarray(p_adverse, dtype=float)
    y = np.asarray(adverse, dtype=float)
    return y * np.log(odds_ratio) - np.log(1.0 - p + odds_ratio * p)


def unreset_cusum(weights) -> np.ndarray:
    """S_t = max(0, S_{t-1} + W_t), S_0 = 0, along the last axis, without resets.

    Closed form of Lindley's recursion: S_t = C_t - min(0, min_{s<=t} C_s), C the running
    sum of W; works on a matrix of simulated series (one per row) at once.
    """
    c = np.cumsum(np.asarray(weights, dtype=float), axis=-1)
    return c - np.minimum(np.minimum.accumulate(c, axis=-1), 0.0)


def simulated_maxima(
    p_adverse,
    odds_ratio: float = DEFAULT_ODDS_RATIO,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
) -> np.ndarray:
    """max_t S_t of ``n_sim`` in-control series y_t ~ Bernoulli(p_t), seeded, vectorised
    (:mod:`queries.stats.cusum_simulation`)."""
    return simulated_maxima_many([p_adverse], odds_ratio, n_sim, seed)[0]


def calibrate_thresholds(
    p_adverse,
    *,
    alert_level: float = DEFAULT_ALERT_LEVEL,
    alarm_level: float = DEFAULT_ALARM_LEVEL,
    odds_ratio: float = DEFAULT_ODDS_RATIO,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
    max_courses: int = MAX_SIMULATED_COURSES,
) -> CusumThresholds:
    """h_alert, h_alarm with P(at least one signal | in control) = 1 - level (module doc);
    over more than ``max_courses`` courses, simulated over that many (module doc, "Long
    series": the cost no longer grows with the courses)."""
    levels = (alert_level, alarm_level)
    p = _calibration_input(p_adverse, levels, n_sim)
    maxima = simulated_maxima(_simulated_courses(p, max_courses), odds_ratio, n_sim, seed)
    return _thresholds(maxima, p.size, levels, odds_ratio, n_sim, seed, max_courses)


def calibrate_thresholds_many(
    sequences,
    *,
    alert_level: float = DEFAULT_ALERT_LEVEL,
    alarm_level: float = DEFAULT_ALARM_LEVEL,
    odds_ratio: float = DEFAULT_ODDS_RATIO,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
    max_courses: int = MAX_SIMULATED_COURSES,
) -> list[CusumThresholds]:
    """:func:`calibrate_thresholds` of each sequence of p_t (the same thresholds), the
    simulations of sequences of one length drawing their uniforms once
    (:func:`queries.stats.cusum_simulation.simulated_maxima_many`)."""
    levels = (alert_level, alarm_level)
    probs = [_calibration_input(p, levels, n_sim) for p in sequences]
    blocks = [_simulated_courses(p, max_courses) for p in probs]
    maxima = simulated_maxima_many(blocks, odds_ratio, n_sim, seed)
    return [
        _thresholds(m, p.size, levels, odds_ratio, n_sim, seed, max_courses)
        for m, p in zip(maxima, probs, strict=True)
    ]


def _calibration_input(p_adverse, levels: tuple[float, float], n_sim: int) -> np.ndarray:
    check_alert_alarm_levels(*levels, "CUSUM")
    if n_sim * (1 - levels[1]) < MIN_TAIL_SERIES:
        raise ValueError(
            f"{n_sim} simulated series are too few for an alarm level of "
            f"{levels[1]}: use at least "
            f"{int(np.ceil(MIN_TAIL_SERIES / (1 - levels[1])))}"
        )
    return check_probabilities(p_adverse)


def _simulated_courses(p: np.ndarray, max_courses: int) -> np.ndarray:
    """The p_t simulated: all of them, or ``max_courses`` evenly spaced (module doc)."""
    if p.size > max_courses:
        return p[np.linspace(0, p.size - 1, max_courses).round().astype(int)]
    return p


def _thresholds(
    maxima: np.ndarray,
    n_courses: int,
    levels: tuple[float, float],
    odds_ratio: float,
    n_sim: int,
    seed: int,
    max_courses: int,
) -> CusumThresholds:
    if n_courses > max_courses:
        alert, alarm = (
            extrapolated_threshold(maxima, lvl, max_courses, n_courses) for lvl in levels
        )
        alert_share, alarm_share = (1 - levels[0], 1 - levels[1])  # by construction
    else:
        alert, alarm = (upper_threshold(maxima, lvl) for lvl in levels)
        alert_share, alarm_share = (float(np.mean(maxima >= h)) for h in (alert, alarm))
    return CusumThresholds(
        alert=alert,
        alarm=alarm,
        alert_level=levels[0],
        alarm_level=levels[1],
        odds_ratio=odds_ratio,
        n_courses=int(n_courses),
        n_sim=n_sim,
        seed=seed,
        simulated_alert_probability=alert_share,
        simulated_alarm_probability=alarm_share,
    )


def given_thresholds(
    alert: float, alarm: float, odds_ratio: float = DEFAULT_ODDS_RATIO
) -> CusumThresholds:
    """Thresholds fixed by hand (e.g. a registry's published h), not simulated."""
    if not 0 < alert <= alarm:
        raise ValueError(f"thresholds need 0 < alert <= alarm, got {alert} and {alarm}")
    return CusumThresholds(
        alert=alert,
        alarm=alarm,
        alert_level=float("nan"),
        alarm_level=float("nan"),
        odds_ratio=odds_ratio,
        n_courses=0,
        n_sim=0,
        seed=None,
        simulated_alert_probability=float("nan"),
        simulated_alarm_probability=float("nan"),
    )


def _path_with_resets(weights: np.ndarray, h_alarm: float) -> tuple[np.ndarray, np.ndarray]:
    """S_t with a reset to 0 after each course where S_t >= h_alarm; and the alarm flags."""
    cusum = np.empty(weights.size)
    alarm = np.zeros(weights.size, dtype=bool)
    start = 0
    while start < weights.size:
        window = RESET_WINDOW  # S from a reset, over ever longer windows until it alarms:
        while True:  # the same running sums as over the rest at once, not T per alarm
            segment = unreset_cusum(weights[start : start + window])
            hits = np.flatnonzero(segment >= h_alarm)
            if hits.size or start + window >= weights.size:
                break
            window *= 2
        stop = start + segment.size if hits.size == 0 else start + int(hits[0]) + 1
        cusum[start:stop] = segment[: stop - start]
        if hits.size:
            alarm[stop - 1] = True
        start = stop
    return cusum, alarm


def cusum_path(weights, thresholds: CusumThresholds) -> CusumPath:
    """The chart with its signals: alert starts, alarms (then reset) and run-up onsets."""
    w = np.asarray(weights, dtype=float)
    cusum, alarm = _path_with_resets(w, thresholds.alarm)
    before = np.concatenate([[0.0], np.where(alarm, 0.0, cusum)[:-1]])  # S_{t-1} after reset
    alert_start = (cusum >= thresholds.alert) & (before < thresholds.alert)
    index = np.arange(w.size)
    onset = np.maximum.accumulate(np.where(before == 0.0, index, 0)) if w.size else index
    return CusumPath(cusum=cusum, alert_start=alert_start, alarm=alarm, onset=onset)


def _signal_table(path: CusumPath) -> pd.DataFrame:
    rows = [
        (name, int(t), int(path.onset[t]))
        for name, flags in (("alert", path.alert_start), ("alarm", path.alarm))
        for t in np.flatnonzero(flags)
    ]
    table = pd.DataFrame(rows, columns=["signal", "course", "onset"])
    return table.sort_values(["course", "signal"], ascending=[True, False], ignore_index=True)


def _first(flags: np.ndarray) -> int | None:
    hits = np.flatnonzero(flags)
    return int(hits[0]) if hits.size else None


def risk_adjusted_cusum(
    p_adverse,
    adverse,
    *,
    thresholds: CusumThresholds | None = None,
    odds_ratio: float = DEFAULT_ODDS_RATIO,
) -> CusumResult:
    """Risk-adjusted Bernoulli CUSUM of one provider's courses (Steiner et al. 2000).

    ``p_adverse``/``adverse``: courses in time order (see :func:`non_response`). Without
    ``thresholds`` they are simulated for this provider's own p_t sequence at the funnel's
    levels (:func:`calibrate_thresholds` with its defaults; other levels, simulations or a
    seed: pass ``thresholds=calibrate_thresholds(...)``); given thresholds must test the
    same odds ratio.
    """
    p = check_probabilities(p_adverse)
    y = _check_outcomes(adverse, p)
    if thresholds is None:
        thresholds = calibrate_thresholds(p, odds_ratio=odds_ratio)
    elif thresholds.odds_ratio != odds_ratio:
        raise ValueError(
            f"the thresholds were set for odds ratio {thresholds.odds_ratio}, not {odds_ratio}"
        )
    weights = cusum_weights(p, y, odds_ratio)
    path = cusum_path(weights, thresholds)
    steps = pd.DataFrame(
        {
            "course": np.arange(p.size),
            "p_adverse": p,
            "adverse": y.astype(int),
            "weight": weights,
            "cusum": path.cusum,
            "onset": path.onset,
            "alert_start": path.alert_start,
            "alarm": path.alarm,
        }
    )
    return CusumResult(
        steps=steps,
        signals=_signal_table(path),
        thresholds=thresholds,
        first_alert=_first(path.alert_start),
        first_alarm=_first(path.alarm),
    )


def highest_signal(result: CusumResult, min_courses: int = DEFAULT_MIN_COURSES) -> str:
    """The highest signal the series reached: 'none', 'alert' or 'alarm' (SIGNAL_LEVELS).

    'too_few' when the provider has fewer than ``min_courses`` courses (methods.md: 20
    before a provider gets a point of its own), whatever the chart did.
    """
    if result.n_courses < min_courses:
        return "too_few"
    if result.first_alarm is not None:
        return "alarm"
    return "alert" if result.first_alert is not None else "none"
