"""The figures computed from counts, and what the gate says it did (methods.md section 6).

:mod:`queries.disclosure.cells` decides which counts of a frame are hidden; this module
follows that to the figures resting on them: a rate, mean, limit or interval
(:data:`queries.disclosure.counts.STATISTICS`) is hidden where a denominator is under the
threshold or hidden, or where its numerator is hidden (:func:`statistic_masks`). It also
holds the rounding of a shown count (:func:`rounded`) and the sentence of what was hidden
(:func:`note_text`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from queries.disclosure import counts as registry
from queries.disclosure.counts import LIMITS, Statistic


def statistic_masks(
    frame: pd.DataFrame, columns: list[str], values: np.ndarray, hidden: np.ndarray, t: int
) -> dict[str, np.ndarray]:
    """Which rows of each statistic column (rates, means, limits, intervals) to hide, given
    the true ``values`` of the count ``columns`` and which of them are ``hidden``."""
    index = {c: j for j, c in enumerate(columns)}
    names = set(map(str, frame.columns))
    any_hidden: np.ndarray = np.asarray(hidden.any(axis=1), dtype=bool)
    kinds = {str(c): registry.statistic_of(str(c), names) for c in frame.columns}
    masks: dict[str, np.ndarray] = {}

    def mask_of(stat: Statistic, column: str) -> np.ndarray:
        hide = np.zeros(len(frame), dtype=bool)
        numerator = next((n for n in stat.numerators if n in index), None)
        if numerator is not None:
            hide |= hidden[:, index[numerator]] & ~np.isnan(values[:, index[numerator]])
        dens = [d for d in stat.denominators if d in index]
        for d in dens:  # a denominator missing before the gate: the core decided (a peer)
            den = values[:, index[d]]
            with np.errstate(invalid="ignore"):
                hide |= (hidden[:, index[d]] & ~np.isnan(den)) | (den < t)
        if stat.implied and dens:
            den = values[:, index[dens[0]]]
            rate = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            implied = np.rint(rate * den)
            with np.errstate(invalid="ignore"):
                hide |= ((implied >= 1) & (implied < t)) | (
                    (den - implied >= 1) & (den - implied < t)
                )
        for dep in stat.depends:
            if dep in masks:
                hide |= masks[dep]
        return hide

    for column, kind in kinds.items():  # statistics first, then what depends on them
        if isinstance(kind, Statistic) and not kind.depends and column not in index:
            masks[column] = mask_of(kind, column)
    for column, kind in kinds.items():
        if isinstance(kind, Statistic) and kind.depends and column not in index:
            masks[column] = mask_of(kind, column)
    for column, kind in kinds.items():
        if not isinstance(kind, str) or column in index:
            continue
        if kind == LIMITS:
            masks[column] = mask_of(Statistic((), ("n",)), column) if "n" in index else any_hidden
        else:
            masks[column] = masks.get(kind, any_hidden)
    return masks


def weights(frame: pd.DataFrame, columns: list[str]) -> tuple[int, ...]:
    """How many statistics of ``frame`` rest on each count column (numerator or
    denominator): hiding a light count within a row costs fewer shown figures."""
    names = set(map(str, frame.columns))
    stats = [registry.statistic_of(c, names) for c in names if c not in columns]
    used = [s for s in stats if isinstance(s, Statistic)]
    return tuple(
        sum(
            1
            for s in used
            if c in s.denominators or next((n for n in s.numerators if n in names), None) == c
        )
        for c in columns
    )


def rounded(value: float, t: int, r: int) -> float:
    """``value`` (a shown count >= t, or 0) to the nearest multiple of ``r``, not below the
    smallest multiple of ``r`` at or above ``t``."""
    if value <= 0:
        return value
    return float(max(r * math.floor(value / r + 0.5), r * math.ceil(t / r)))


def note_text(hidden: int, complementary: int, statistics: int, t: int, r: int) -> str | None:
    """One calm sentence saying what the gate hid (None when it hid and rounded nothing)."""
    rounding = f"shown counts are rounded to a multiple of {r}" if r > 1 else ""
    cells = "cell" if hidden == 1 else "cells"
    if hidden:
        text = f"Counts under {t} are hidden ({hidden} {cells})"
        if complementary:
            text += (
                f", and {complementary} more so that they cannot be worked out from the "
                "totals or the other counts"
            )
    elif complementary:
        text = (
            f"{complementary} {'count is' if complementary == 1 else 'counts are'} hidden so "
            f"that a count under {t} cannot be worked out from the others"
        )
    elif statistics:
        text = (
            f"Figures resting on fewer than {t} courses are hidden "
            f"({statistics} {'cell' if statistics == 1 else 'cells'})"
        )
    elif rounding:
        return rounding[0].upper() + rounding[1:] + "."
    else:
        return None
    return text + (f"; {rounding}." if rounding else ".")
