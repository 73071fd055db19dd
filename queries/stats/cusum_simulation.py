"""The seeded in-control simulation behind the CUSUM's thresholds (methods.md section 4).

:func:`queries.stats.cusum.calibrate_thresholds` reads its thresholds off max_t S_t of
``n_sim`` in-control series y_t ~ Bernoulli(p_t), t = 1..L (Steiner et al. 2000,
Biostatistics 1:441; the module doc of :mod:`queries.stats.cusum`). The series come from
one seeded stream of uniforms u: series i takes the stream's values i·L .. (i + 1)·L - 1 and
y_t = [u_t < p_t], so the numbers depend on the seed, p and ``n_sim`` only, never on how
the stream is cut into chunks.

How it is computed, and why it gives the same numbers bit for bit as the cumulative sums
over each whole series (``unreset_cusum`` of the weights, then the maximum along it):

- S_t = C_t - min(0, min_{s<=t} C_s), C_t = W_1 + ... + W_t (Lindley's recursion in closed
  form), is carried course by course as the running sum C and the running minimum
  min(0, C_1, ..., C_t), the maximum of S kept as it goes. The running sum adds the same
  W_t in the same order as a cumulative sum, and minimum and maximum are exact, so each
  series' maximum is the same floating-point number;
- each step works on one vector holding every simulated series (of a chunk), so the work
  is a few vector operations per course on data that stays in the cache, instead of
  cumulative sums and minima along each series over a matrix many times the cache's size;
- providers simulated over the same number of courses L with the same seed draw the same
  uniforms: they are drawn once and compared with each provider's own p_t
  (:func:`simulated_maxima_many`; at 1M courses every provider is simulated over
  :data:`queries.stats.cusum.MAX_SIMULATED_COURSES` courses).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SIMULATION_CHUNK = 2_000_000  # simulated course outcomes (uniforms) held in memory at once
REFERENCE_TAIL_SERIES = 100  # simulated series beyond h_q, where the tail is extrapolated from


def check_probabilities(p_adverse) -> np.ndarray:
    """``p_adverse`` as a 1-d float array of probabilities in [0, 1] (else ValueError)."""
    p = np.asarray(p_adverse, dtype=float)
    if p.ndim != 1 or not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p_adverse must be a 1-d sequence of probabilities in [0, 1]")
    return p


def simulated_maxima_many(
    sequences: Sequence, odds_ratio: float, n_sim: int, seed: int
) -> list[np.ndarray]:
    """max_t S_t of ``n_sim`` seeded in-control series for each sequence of p_t: for each,
    the numbers :func:`queries.stats.cusum.simulated_maxima` gives it alone (module doc);
    sequences of the same length share their uniforms."""
    probs = [check_probabilities(p) for p in sequences]
    out = [np.zeros(n_sim) for _ in probs]
    by_length: dict[int, list[int]] = {}
    for index, p in enumerate(probs):
        by_length.setdefault(p.size, []).append(index)
    for length, members in by_length.items():
        if length == 0:
            continue  # no course: S stays 0 (already zeros)
        stacked = np.stack([probs[i] for i in members])
        for row, index in zip(
            _maxima_same_length(stacked, odds_ratio, n_sim, seed), members, strict=True
        ):
            out[index] = row
    return out


def _maxima_same_length(p: np.ndarray, odds_ratio: float, n_sim: int, seed: int) -> np.ndarray:
    """(K, n_sim) maxima for K sequences of one length L (rows of ``p``), one stream."""
    k, length = p.shape
    rng = np.random.default_rng(seed)
    log_r = np.log(odds_ratio)
    drift = np.log(1.0 - p + odds_ratio * p)  # W_t = y_t·log(R_A) - drift_t (cusum_weights)
    rows = min(n_sim, max(1, SIMULATION_CHUNK // length))
    uniforms = np.empty((rows, length))
    transposed = np.empty((length, rows))
    maxima = np.empty((k, n_sim))
    for start in range(0, n_sim, rows):
        m = min(rows, n_sim - start)
        u = uniforms[:m]
        rng.random(out=u)  # the stream's next m·L values, series after series
        ut = transposed[:, :m]
        np.copyto(ut, u.T)  # course t of every series, contiguous
        c, low, best, s = (np.zeros((k, m)) for _ in range(4))
        y = np.empty((k, m), dtype=bool)
        for t in range(length):
            np.less(ut[t], p[:, t : t + 1], out=y)  # y_t ~ Bernoulli(p_t)
            np.multiply(y, log_r, out=s)
            np.subtract(s, drift[:, t : t + 1], out=s)  # W_t
            np.add(c, s, out=c)  # C_t
            np.minimum(low, c, out=low)  # min(0, C_1, ..., C_t)
            np.subtract(c, low, out=s)  # S_t
            np.maximum(best, s, out=best)  # max(0, S_1, ..., S_t)
        maxima[:, start : start + m] = best
    return maxima


def upper_threshold(maxima, level: float) -> float:
    """The smallest simulated maximum h with share(maxima >= h) <= 1 - level (inf if none).

    For a continuous max S it is the ``level`` quantile; where max S has atoms (a short
    series: often exactly 0) it never lets the false-signal share exceed 1 - level.
    """
    ordered = np.sort(np.asarray(maxima, dtype=float))
    share_at_or_above = 1.0 - np.searchsorted(ordered, ordered, side="left") / ordered.size
    allowed = share_at_or_above <= 1.0 - level
    return float(ordered[np.argmax(allowed)]) if allowed.any() else float("inf")


def extrapolated_threshold(maxima, level: float, block: int, n_courses: int) -> float:
    """h with P(any signal over ``n_courses`` | in control) = 1 - level, from ``maxima`` of
    simulated series of ``block`` (L) < n_courses courses (the module doc of
    :mod:`queries.stats.cusum`, "Long series").

    Λ_L = -log(level)·L/n_courses is the cumulative hazard L courses may use; where at least
    :data:`REFERENCE_TAIL_SERIES` simulated maxima reach the threshold it is read off them
    (:func:`upper_threshold`), else extrapolated along the tail exp(-h) from h_q, the level
    that many of them reach.
    """
    ordered = np.asarray(maxima, dtype=float)
    n_sim = ordered.size
    per_block = -np.log(level) * block / n_courses
    share = -np.expm1(-per_block)
    if n_sim * share >= REFERENCE_TAIL_SERIES:
        return upper_threshold(ordered, 1.0 - share)
    h_q = upper_threshold(ordered, 1.0 - REFERENCE_TAIL_SERIES / n_sim)
    reached = float(np.mean(ordered >= h_q))
    return float(h_q + np.log(-np.log1p(-reached) / per_block))
