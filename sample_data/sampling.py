"""Vectorised sampling primitives of the synthetic clinic: per-level parameters laid out in
level order, categorical draws, and the logistic function of the response model.

Every draw takes the one ``numpy.random.Generator`` of the clinic, so the order of the calls
is part of the clinic: the same seed gives the same tables only while it stays the same.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

_REQUIRED = object()  # in_level_order without a default: every level needs a key


def in_level_order(
    by_level: Mapping,
    levels: Sequence[Hashable],
    *,
    default: object = _REQUIRED,
    dtype: npt.DTypeLike | None = None,
) -> np.ndarray:
    """The values of a per-level parameter as an array in ``levels`` order (the data
    contract's), so that integer level codes index it. A key that is not a level is refused;
    a level without a key takes ``default`` when one is given."""
    extra = [k for k in by_level if k not in levels]
    if extra:
        raise ValueError(f"not levels: {extra}; levels are {list(levels)}")
    values = [
        by_level[level] if default is _REQUIRED else by_level.get(level, default)
        for level in levels
    ]
    return np.array(values, dtype=dtype)


def level_codes(levels: Sequence[Hashable], chosen: Sequence[Hashable]) -> list[int]:
    """The integer codes (positions in ``levels``) of the ``chosen`` levels."""
    return [levels.index(level) for level in chosen]


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of a (n, k) matrix of probabilities (rows sum to 1):
    inverse-CDF sampling with one uniform draw per row."""
    probs = np.asarray(probs, dtype=float)
    cum: np.ndarray = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    u = np.asarray(rng.random(probs.shape[0]))
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def draw(rng: np.random.Generator, n: int, weights: npt.ArrayLike) -> np.ndarray:
    """``n`` category indices from one set of relative weights (inverse-CDF sampling)."""
    w = np.asarray(weights, dtype=float)
    return np.minimum(
        np.searchsorted(np.cumsum(w) / w.sum(), rng.random(n), side="right"), len(w) - 1
    )


def draw_keys(rng: np.random.Generator, n: int, weights_by_value: Mapping) -> np.ndarray:
    """``n`` values drawn from a mapping value -> relative weight (in the mapping's order)."""
    return np.array(list(weights_by_value))[draw(rng, n, list(weights_by_value.values()))]


def logit(p: float) -> float:
    """log(p / (1 - p))."""
    return float(np.log(p / (1.0 - p)))


def inverse_logit(x):
    """1 / (1 + exp(-x)), elementwise: a probability from a logit."""
    return 1.0 / (1.0 + np.exp(-x))
