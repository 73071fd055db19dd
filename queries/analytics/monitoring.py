"""Monitoring each provider over time: a risk-adjusted Bernoulli CUSUM (methods.md section 4).

Per provider, the courses with follow-up in start order
(:data:`queries.analytics.casemix_courses.START_ORDER`), each with the case-mix model's
probability of NON-response (1 - p_response: the same model as the adjusted funnel), go
through the CUSUM of Steiner et al. (2000) Biostatistics 1:441 (:mod:`queries.stats.cusum`),
detecting a doubling of the odds of non-response (OR = 2). The alert and alarm thresholds
are simulated for each provider's own sequence of courses (:func:`queries.stats.cusum.
calibrate_thresholds`, 10,000 in-control series, a fixed seed), so that when nothing is
wrong the chance of at least one alert over the provider's courses is 1 - the funnel's
alert level (5 %) and of an alarm 1 - its alarm level (0.2 %). The chart resets after an
alarm. Every signal comes with when it started: the course (and start quarter) where the
CUSUM crossed the line, and the first course of its run-up.

Scope: a director's query gets every provider; a provider's query gets their own line only
(never a peer's CUSUM or thresholds), though the model is the whole clinic's. Fewer than
``Settings.min_provider_courses`` courses: ``too_few``, no chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.analytics.casemix_courses import START_ORDER_TEXT, casemix_courses
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.settings import Settings
from queries.stats.cusum import (
    DEFAULT_N_SIM,
    DEFAULT_ODDS_RATIO,
    DEFAULT_SEED,
    CusumThresholds,
    calibrate_thresholds_many,
    highest_signal,
    non_response,
    risk_adjusted_cusum,
)

SUMMARY_COLUMNS = (
    "provider_id",
    "n_courses",
    "cusum_signal",
    "alert_threshold",
    "alarm_threshold",
    "n_alerts",
    "n_alarms",
    "first_alert_course",
    "first_alert_period",
    "first_alert_onset_course",
    "first_alert_onset_period",
    "first_alarm_course",
    "first_alarm_period",
    "first_alarm_onset_course",
    "first_alarm_onset_period",
)
PATH_COLUMNS = ("provider_id", "course_number", "period", "cusum", "alert_start", "alarm")
MAX_PATH_POINTS = 1_000  # courses of a provider's line drawn at most (drawn_courses)
SIGNAL_COLUMNS = (
    "provider_id",
    "signal",
    "course_number",
    "period",
    "onset_course_number",
    "onset_period",
)


@dataclass(frozen=True)
class ProviderMonitoring:
    """The CUSUM of every provider in scope (not drawn).

    ``summary``: one row per provider (:data:`SUMMARY_COLUMNS`): courses, the highest signal
    (``none``, ``alert``, ``alarm`` or ``too_few``), the thresholds, and the first alert and
    alarm (course number, 1 = the provider's first course in order, and start period) with
    the onset of its run-up (the course after the CUSUM was last 0: when the change began).
    ``paths``: one row per course of the providers with enough courses
    (:data:`PATH_COLUMNS`): the CUSUM after the course (before any reset) and the signals;
    above :data:`MAX_PATH_POINTS` courses only those :func:`drawn_courses` keeps (every
    signal, the envelope), so the result and its chart stay the size a person can read.
    ``signals``: one row per alert or alarm (:data:`SIGNAL_COLUMNS`), with its run-up onset.
    """

    summary: pd.DataFrame
    paths: pd.DataFrame
    signals: pd.DataFrame
    odds_ratio: float
    alert_level: float
    alarm_level: float
    n_sim: int
    min_courses: int
    order: str = START_ORDER_TEXT

    def signal_of(self, provider_id: str) -> str:
        """The provider's highest signal (``too_few`` when not in the summary)."""
        rows = self.summary[self.summary["provider_id"] == provider_id]
        return str(rows["cusum_signal"].iloc[0]) if len(rows) else "too_few"


def period_labels(rows: pd.DataFrame) -> list[str]:
    """'2024 Q3' per course, or '2024' where the extract leaves the quarter empty."""
    years = pd.to_numeric(rows["start_year"]).astype(int).astype(str)
    if "start_quarter" not in rows.columns:
        return years.tolist()
    quarters = pd.to_numeric(rows["start_quarter"])
    quarter_text = " Q" + quarters.fillna(0).astype(int).astype(str)
    return (years + quarter_text.where(quarters.notna(), "")).tolist()


def drawn_courses(
    cusum: np.ndarray, signal: np.ndarray, max_points: int = MAX_PATH_POINTS
) -> np.ndarray:
    """The 0-based courses of a path worth drawing: all of them up to ``max_points``; else,
    in each of ``max_points // 2`` runs of consecutive courses, the lowest and the highest
    S_t (the line's envelope, what a panel a few hundred pixels wide can show), the first
    and last course, and every course where an alert starts or an alarm is reached, so
    that no signal and no peak is lost."""
    n = cusum.size
    if n <= max_points:
        return np.arange(n)
    bins = max(1, max_points // 2)
    edges = np.linspace(0, n, bins + 1).round().astype(int)
    starts = edges[:-1][np.diff(edges) > 0]
    segment = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    lowest = _first_in_runs(cusum == np.minimum.reduceat(cusum, starts)[segment], segment)
    highest = _first_in_runs(cusum == np.maximum.reduceat(cusum, starts)[segment], segment)
    keep = np.r_[lowest, highest, 0, n - 1]
    keep = np.r_[keep, np.flatnonzero(signal)]
    return np.unique(keep)


def _first_in_runs(hit: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """The first course of each run (``segment``, ascending) where ``hit`` holds (every run
    has one): its lowest or highest S_t, the earliest of equals."""
    at = np.flatnonzero(hit)
    return at[np.r_[0, np.flatnonzero(np.diff(segment[at])) + 1]]


def _provider_cusum(
    provider_id: str,
    rows: pd.DataFrame,
    settings: Settings,
    thresholds: CusumThresholds | None,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """One provider's summary row, path and signals (rows in start order; ``thresholds``:
    :func:`calibrated`'s, None below the minimum courses)."""
    summary: dict = dict.fromkeys(SUMMARY_COLUMNS)
    summary.update(provider_id=provider_id, n_courses=len(rows), n_alerts=0, n_alarms=0)
    if thresholds is None:
        summary["cusum_signal"] = "too_few"
        return summary, pd.DataFrame(columns=PATH_COLUMNS), pd.DataFrame(columns=SIGNAL_COLUMNS)
    series = non_response(rows["p_response"], rows["is_responder"].astype(float))
    result = risk_adjusted_cusum(series.p_adverse, series.adverse, thresholds=thresholds)
    steps, sig = result.steps, result.signals
    cusum = steps["cusum"].to_numpy()
    alert_start, alarm = steps["alert_start"].to_numpy(), steps["alarm"].to_numpy()
    drawn = drawn_courses(cusum, alert_start | alarm)
    onsets = steps["onset"].to_numpy()
    shown = (drawn, sig["course"].to_numpy(dtype=int), sig["onset"].to_numpy(dtype=int))
    labelled = np.unique(np.concatenate(shown))
    periods = np.empty(len(rows), dtype=object)  # labels only where shown (they cost)
    periods[labelled] = period_labels(rows.iloc[labelled])
    path = pd.DataFrame(
        {
            "provider_id": provider_id,
            "course_number": drawn + 1,
            "period": periods[drawn],
            "cusum": cusum[drawn],
            "alert_start": alert_start[drawn],
            "alarm": alarm[drawn],
        }
    )
    signals = pd.DataFrame(
        {
            "provider_id": provider_id,
            "signal": sig["signal"].to_numpy(),
            "course_number": sig["course"].to_numpy() + 1,
            "period": periods[sig["course"].to_numpy(dtype=int)],
            "onset_course_number": sig["onset"].to_numpy() + 1,
            "onset_period": periods[sig["onset"].to_numpy(dtype=int)],
        }
    )
    summary.update(
        cusum_signal=highest_signal(result, settings.min_provider_courses),
        alert_threshold=thresholds.alert,
        alarm_threshold=thresholds.alarm,
        n_alerts=int(alert_start.sum()),
        n_alarms=int(alarm.sum()),
    )
    for name, first in (("alert", result.first_alert), ("alarm", result.first_alarm)):
        if first is not None:
            summary[f"first_{name}_course"] = first + 1
            summary[f"first_{name}_period"] = periods[first]
            summary[f"first_{name}_onset_course"] = int(onsets[first]) + 1
            summary[f"first_{name}_onset_period"] = periods[onsets[first]]
    return summary, path, signals


def calibrated(
    rows_by_provider: dict[str, pd.DataFrame], settings: Settings, n_sim: int, seed: int
) -> dict[str, CusumThresholds]:
    """The thresholds of every provider with enough courses
    (:func:`queries.stats.cusum.calibrate_thresholds_many`: the providers simulated over
    the same number of courses share their uniforms, the thresholds are each provider's)."""
    enough = [p for p, r in rows_by_provider.items() if len(r) >= settings.min_provider_courses]
    found = calibrate_thresholds_many(
        [1.0 - rows_by_provider[p]["p_response"].to_numpy(dtype=float) for p in enough],
        alert_level=settings.funnel_alert_level,
        alarm_level=settings.funnel_alarm_level,
        odds_ratio=DEFAULT_ODDS_RATIO,
        n_sim=n_sim,
        seed=seed,
    )
    return dict(zip(enough, found, strict=True))


def monitor_courses(
    rows: pd.DataFrame,
    settings: Settings,
    providers: list[str] | None = None,
    *,
    n_sim: int = DEFAULT_N_SIM,
    seed: int = DEFAULT_SEED,
) -> ProviderMonitoring:
    """The CUSUM of each provider of ``rows`` (or of ``providers`` only), in id order.

    ``rows``: courses with follow-up in start order with ``provider_id``, ``is_responder``,
    ``p_response``, ``start_year`` and ``start_quarter``
    (:func:`queries.analytics.casemix_courses.casemix_courses`).
    """
    positions = {
        str(p): at
        for p, at in rows.groupby("provider_id", sort=False, observed=True).indices.items()
    }
    ids = sorted(positions) if providers is None else providers
    own = {p: rows.iloc[positions.get(p, np.empty(0, dtype=int))] for p in ids}
    thresholds = calibrated(own, settings, n_sim, seed)
    parts = [_provider_cusum(p, own[p], settings, thresholds.get(p)) for p in ids]
    paths = [path for _, path, _ in parts if len(path)]
    signals = [sig for _, _, sig in parts if len(sig)]
    summary = pd.DataFrame([s for s, _, _ in parts], columns=list(SUMMARY_COLUMNS))
    for kind in ("alert", "alarm"):
        for column in (f"first_{kind}_course", f"first_{kind}_onset_course"):
            summary[column] = summary[column].astype("Int64")
    return ProviderMonitoring(
        summary=summary,
        paths=(
            pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(columns=PATH_COLUMNS)
        ),
        signals=(
            pd.concat(signals, ignore_index=True)
            if signals
            else pd.DataFrame(columns=SIGNAL_COLUMNS)
        ),
        odds_ratio=DEFAULT_ODDS_RATIO,
        alert_level=settings.funnel_alert_level,
        alarm_level=settings.funnel_alarm_level,
        n_sim=n_sim,
        min_courses=settings.min_provider_courses,
    )


def provider_monitoring(q: Query) -> ProviderMonitoring:
    """The CUSUM of every provider (a director's query) or of the scope's provider only.

    Raises :class:`queries.core.errors.InsufficientData` when the clinic has no courses with
    follow-up to fit the case-mix model on.
    """
    rows = casemix_courses(q).rows
    self_id = q.scope.provider_id
    return monitor_courses(rows, q.settings, None if self_id is None else [self_id])


def lines_to_draw(monitoring: ProviderMonitoring) -> list[str]:
    """The providers with enough courses for a CUSUM line, in id order.

    Raises :class:`InsufficientData` when there are none (a provider's own view: the
    minimum, never their count, which may be a small one: methods.md section 6; a
    director's: the minimum).
    """
    summary = monitoring.summary
    ids = summary.loc[summary["cusum_signal"] != "too_few", "provider_id"].astype(str).tolist()
    if ids:
        return ids
    if len(summary) == 1:
        raise InsufficientData(
            f"Not enough courses yet: a CUSUM is drawn from {monitoring.min_courses} "
            "courses with follow-up."
        )
    raise InsufficientData(
        f"No provider has {monitoring.min_courses} courses with follow-up yet, so there is "
        "no CUSUM to draw."
    )
