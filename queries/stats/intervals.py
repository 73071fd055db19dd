"""Statistics as small pure functions (methods.md section 3). SQL counts; these infer.

Each function names its method and reference; tests compare with statsmodels/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import pandas as pd


def z_value(confidence_level: float) -> float:
    """Two-sided standard normal quantile z(1 - alpha/2) for a confidence level
    (0.95 -> 1.959964); every z in ``queries.stats`` comes from here."""
    if not 0 < confidence_level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {confidence_level}")
    # = scipy.stats.norm.ppf to a relative 1e-15 (Wichura's AS 241, the standard library's;
    # tests/test_stats.py): scipy.special, 0.17 s to import, is then not needed by `rates`
    return NormalDist().inv_cdf(0.5 + confidence_level / 2)


def level_suffix(confidence_level: float) -> str:
    """Column suffix for a level: 0.95 -> '95', 0.998 -> '99_8' (the ``ci_lower_95`` naming of
    style.md)."""
    pct = f"{confidence_level * 100:g}"
    return pct.replace(".", "_")


def check_alert_alarm_levels(alert_level: float, alarm_level: float, what: str) -> None:
    """Refuse an alert or alarm level outside (0, 1), and an alert level not below the alarm
    level (the funnel's and the CUSUM's pair, 0.95 and 0.998); ``what`` names the pair."""
    for lvl in (alert_level, alarm_level):
        if not 0 < lvl < 1:
            raise ValueError(f"{what} levels must lie between 0 and 1, got {lvl}")
    if alert_level >= alarm_level:
        raise ValueError(
            f"the alert level ({alert_level}) must be below the alarm level ({alarm_level})"
        )


class Bounds(NamedTuple):
    """Lower and upper bounds of intervals, element by element (arrays or 0-d arrays)."""

    lower: np.ndarray
    upper: np.ndarray


class RateBounds(NamedTuple):
    """Event rates with the lower and upper bounds of their intervals."""

    rate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


@dataclass(frozen=True)
class ProportionInterval:
    """A proportion with its interval; rate and bounds are NaN where n == 0."""

    successes: int
    n: int
    rate: float
    lower: float
    upper: float
    confidence_level: float


def wilson_interval(successes, n, confidence_level: float = 0.95) -> Bounds:
    """Wilson score interval (Wilson 1927, JASA 22:209), vectorised over arrays.

    Returns :class:`Bounds` ``(lower, upper)`` arrays; NaN where ``n == 0``. Never a Wald
    interval (methods.md section 3). Matches ``statsmodels.stats.proportion.proportion_confint(
    ..., method="wilson")``.
    """
    x = np.asarray(successes, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > n_arr):
        raise ValueError("successes must lie between 0 and n")
    z = z_value(confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n_arr
        denom = 1 + z**2 / n_arr
        centre = (p + z**2 / (2 * n_arr)) / denom
        half = z * np.sqrt(p * (1 - p) / n_arr + z**2 / (4 * n_arr**2)) / denom
        lower = np.where(n_arr > 0, np.clip(centre - half, 0, 1), np.nan)
        upper = np.where(n_arr > 0, np.clip(centre + half, 0, 1), np.nan)
    # Exact ends: x == 0 gives lower 0, x == n gives upper 1 (avoid -1e-17 style noise).
    lower = np.where((n_arr > 0) & (x == 0), 0.0, lower)
    upper = np.where((n_arr > 0) & (x == n_arr), 1.0, upper)
    return Bounds(lower, upper)


def proportion(successes: int, n: int, confidence_level: float = 0.95) -> ProportionInterval:
    """One proportion with its Wilson score interval (Wilson 1927; :func:`wilson_interval`)."""
    lower, upper = wilson_interval(successes, n, confidence_level)
    rate = successes / n if n else float("nan")
    return ProportionInterval(
        int(successes), int(n), rate, float(lower), float(upper), confidence_level
    )


def add_rate_columns(
    frame: pd.DataFrame,
    successes: str,
    n: str,
    name: str,
    confidence_level: float = 0.95,
    interval_prefix: str | None = None,
) -> pd.DataFrame:
    """Add ``{name}_rate`` and its Wilson (1927) score bounds to a copy of ``frame``.

    The bounds are ``{interval_prefix}ci_lower_{lvl}`` / ``..._upper_{lvl}``; the prefix
    defaults to ``{name}_``. Rates are NaN (shown empty) where the denominator is 0.
    """
    out = frame.copy()
    x = out[successes].to_numpy(dtype=float)
    d = out[n].to_numpy(dtype=float)
    lower, upper = wilson_interval(x, d, confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[f"{name}_rate"] = np.where(d > 0, x / d, np.nan)
    lead = f"{name}_" if interval_prefix is None else interval_prefix
    sfx = level_suffix(confidence_level)
    out[f"{lead}ci_lower_{sfx}"] = lower
    out[f"{lead}ci_upper_{sfx}"] = upper
    return out


@dataclass(frozen=True)
class MeanInterval:
    """A mean with its t interval; NaN bounds where n < 2."""

    mean: float
    n: int
    lower: float
    upper: float
    confidence_level: float


def t_interval(values, confidence_level: float = 0.95) -> MeanInterval:
    """Mean with a Student t interval: mean ± t(1 - alpha/2, n - 1)·s/sqrt(n) (Student 1908,
    Biometrika 6:1; methods.md section 3: means get t intervals). Matches
    ``scipy.stats.t.interval``."""
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    n = int(arr.size)
    if n == 0:
        return MeanInterval(float("nan"), 0, float("nan"), float("nan"), confidence_level)
    mean = float(arr.mean())
    if n < 2:
        return MeanInterval(mean, n, float("nan"), float("nan"), confidence_level)
    se = float(arr.std(ddof=1)) / np.sqrt(n)
    from scipy import stats as _sps  # here: scipy.stats takes half a second to import

    t = float(_sps.t.ppf(0.5 + confidence_level / 2, df=n - 1))
    return MeanInterval(mean, n, mean - t * se, mean + t * se, confidence_level)


def poisson_rate_interval(
    events, exposure, per: float = 100.0, confidence_level: float = 0.95
) -> RateBounds:
    """Exact (Garwood 1936) interval for an event rate per ``per`` units of exposure.

    Used for adverse events per 100 sessions. Returns :class:`RateBounds` ``(rate, lower,
    upper)`` arrays, NaN where exposure is 0.
    """
    k = np.asarray(events, dtype=float)
    e = np.asarray(exposure, dtype=float)
    alpha = 1 - confidence_level
    from scipy import stats as _sps  # here: scipy.stats takes half a second to import

    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(k > 0, _sps.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        upper = _sps.chi2.ppf(1 - alpha / 2, 2 * (k + 1)) / 2
        rate = np.where(e > 0, k / e * per, np.nan)
        lower = np.where(e > 0, lower / e * per, np.nan)
        upper = np.where(e > 0, upper / e * per, np.nan)
    return RateBounds(rate, lower, upper)
