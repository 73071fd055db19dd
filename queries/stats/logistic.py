"""Logistic regression by Newton-Raphson for large clinics (methods.md section 4): the
maximum-likelihood estimate statsmodels' IRLS gives (:func:`queries.stats.design.
fit_logistic`), without its least-squares step on the whole design (an SVD per iteration,
30 s at 700,000 courses). :mod:`queries.stats.casemix` fits the case-mix model with it from
:data:`queries.stats.casemix.NEWTON_FROM` courses, :mod:`queries.stats.associations` the
association model on covariate patterns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

NEWTON_TOLERANCE = 1e-10  # largest change of a coefficient at which the fit has converged
NEWTON_MAX_ITERATIONS = 100
NEWTON_START_COURSES = 20_000  # courses of the fit the full one starts from


@dataclass(frozen=True)
class LogisticFit:
    """A logistic regression's maximum-likelihood coefficients and standard errors (the
    attributes of a statsmodels result the pages use), by design column."""

    params: pd.Series
    bse: pd.Series
    iterations: int


INFORMATION_CHUNK = 32_768  # courses per block of X'WX (a block's temporary stays in cache)


class _Dense:
    """The design as its matrix: X b, X'WX (in blocks of rows) and X'r."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def rows(self, every: int) -> _Dense:
        return _Dense(self.values[::every])

    def eta(self, beta: np.ndarray) -> np.ndarray:
        return self.values @ beta

    def information(self, w: np.ndarray) -> np.ndarray:
        """X'WX block by block of rows: the same sum as one product, without an n x k
        temporary the size of the design."""
        values, k = self.values, self.values.shape[1]
        information = np.zeros((k, k))
        root = np.sqrt(w)
        for start in range(0, values.shape[0], INFORMATION_CHUNK):
            end = start + INFORMATION_CHUNK
            block = values[start:end] * root[start:end, None]
            information += block.T @ block
        return information

    def score(self, r: np.ndarray) -> np.ndarray:
        return self.values.T @ r


def _unique_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` of non-negative codes: the same sorted values
    and positions, by counting when the codes are few (a design's patterns of dummies: at a
    million courses the sort cost 0.1 s), else by sorting."""
    if key.size == 0 or int(key.max()) >= 1 << 22:
        return np.unique(key, return_inverse=True)
    found = np.flatnonzero(np.bincount(key))
    position = np.zeros(int(found[-1]) + 1, dtype=np.intp)
    position[found] = np.arange(found.size)
    return found.astype(key.dtype), position[key]


class CodedDesign:
    """The design as its dense columns (const, numbers, missing indicators: ``dense`` at
    ``dense_at``) and its dummies as each row's pattern of them (``pattern`` indexes the
    rows of ``patterns``, the dummy columns at ``dummy_at``): X'WX, X'r and X b from sums per
    pattern (``np.bincount``) and products of the few dense columns, with no product over
    the whole design (at a million courses a BLAS product of the design cost 0.1-1 s a step,
    the more the busier the machine; these are single passes). Exact: the same sums, added
    in another order."""

    def __init__(self, values: np.ndarray, blocks: Sequence[Sequence[int]]) -> None:
        k = values.shape[1]
        self.k = k
        dummy = [j for block in blocks for j in block]
        self.dummy_at = np.asarray(dummy, dtype=np.intp)
        self.dense_at = np.asarray([j for j in range(k) if j not in set(dummy)], dtype=np.intp)
        self.dense = [np.ascontiguousarray(values[:, j]) for j in self.dense_at]
        key = np.zeros(values.shape[0], dtype=np.int64)
        for block in blocks:  # each covariate's level (0: the reference), in mixed radix
            level = np.zeros(values.shape[0], dtype=np.int64)
            for i, j in enumerate(block, start=1):
                level += i * values[:, j].astype(np.int64)
            key = key * (len(block) + 1) + level
        found, self.pattern = _unique_codes(key)
        first = np.empty(found.size, dtype=np.intp)
        first[self.pattern[::-1]] = np.arange(values.shape[0])[::-1]
        self.patterns = values[np.ix_(first, self.dummy_at)]

    @classmethod
    def of(cls, x: pd.DataFrame, blocks: Sequence[Sequence[int]]) -> CodedDesign:
        """The coded design of ``x``, whose dummy columns are ``blocks`` (by position: each
        categorical covariate's, at most one of them 1 in a row)."""
        return cls(np.asfortranarray(x.to_numpy(dtype=float)), blocks)

    def cross_product(self) -> np.ndarray:
        """X'X (for :func:`queries.stats.design.aliased_columns`)."""
        return self.information(np.ones(self.pattern.size))

    def rows(self, every: int) -> CodedDesign:
        part = object.__new__(CodedDesign)
        part.__dict__.update(self.__dict__)
        part.dense = [d[::every] for d in self.dense]
        part.pattern = self.pattern[::every]
        return part

    def _per_pattern(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.pattern, weights=v, minlength=self.patterns.shape[0])

    def eta(self, beta: np.ndarray) -> np.ndarray:
        eta = (self.patterns @ beta[self.dummy_at])[self.pattern]
        for column, b in zip(self.dense, beta[self.dense_at], strict=True):
            eta += column * b
        return eta

    def information(self, w: np.ndarray) -> np.ndarray:
        c, dense = self.patterns, self.dense
        information = np.zeros((self.k, self.k))
        cc = (c * self._per_pattern(w)[:, None]).T @ c
        information[np.ix_(self.dummy_at, self.dummy_at)] = cc
        for a, (ja, da) in enumerate(zip(self.dense_at, dense, strict=True)):
            wd = w * da
            cross = c.T @ self._per_pattern(wd)
            information[self.dummy_at, ja] = information[ja, self.dummy_at] = cross
            for jb, db in zip(self.dense_at[a:], dense[a:], strict=True):
                information[ja, jb] = information[jb, ja] = float((wd * db).sum())
        return information

    def score(self, r: np.ndarray) -> np.ndarray:
        score = np.zeros(self.k)
        score[self.dummy_at] = self.patterns.T @ self._per_pattern(r)
        score[self.dense_at] = [float((r * d).sum()) for d in self.dense]
        return score


def _newton(
    y: np.ndarray, design: _Dense | CodedDesign, beta: np.ndarray, weights: np.ndarray | float = 1.0
) -> tuple[np.ndarray, int, np.ndarray]:
    """Newton-Raphson steps from ``beta`` until converged (:func:`fit_logistic_newton`); the
    estimate, the steps taken and the information of the last step (at an estimate that
    moved by less than :data:`NEWTON_TOLERANCE` since: the standard errors' one)."""
    iterations, moved = 0, np.inf
    information = np.zeros((beta.size, beta.size))
    while moved > NEWTON_TOLERANCE and iterations < NEWTON_MAX_ITERATIONS:
        mu = 1.0 / (1.0 + np.exp(-design.eta(beta)))
        information = design.information(mu * (1.0 - mu) * weights)
        score = design.score((y - mu) * weights)
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:  # (quasi-)separation: as IRLS's least squares would
            step = np.linalg.lstsq(information, score, rcond=None)[0]
        beta, iterations, moved = beta + step, iterations + 1, float(np.max(np.abs(step)))
    return beta, iterations, information


def fit_logistic_newton(
    y: np.ndarray,
    x: pd.DataFrame,
    weights: np.ndarray | None = None,
    coded: CodedDesign | None = None,
) -> LogisticFit:
    """Maximum likelihood by Newton-Raphson: b += (X'WX)^-1 X'(y - mu), W = mu(1 - mu),
    from the estimate on every k-th course (:data:`NEWTON_START_COURSES` of them: fewer
    steps over all), until no coefficient moves by more than :data:`NEWTON_TOLERANCE`; the
    same estimate as IRLS (McCullagh & Nelder 1989: IRLS is Newton's method for the
    canonical link). Standard errors from the inverse information of the last step (the
    estimate moved by less than the tolerance after it). ``coded``: ``x`` as a
    :class:`CodedDesign`, so that X'WX is summed per pattern of dummies; else X'WX is
    computed from the matrix in blocks of rows.
    ``weights``: frequency weights, each row standing for that many courses with its
    covariates and outcome (the same likelihood, estimate and standard errors as those
    courses; started from zero, the rows being few):
    :func:`queries.stats.associations.adjusted_odds_ratios` fits covariate patterns so."""
    design: _Dense | CodedDesign = (
        _Dense(np.asfortranarray(x.to_numpy(dtype=float))) if coded is None else coded
    )
    beta = np.zeros(x.shape[1])
    w: np.ndarray | float = 1.0
    if weights is None:  # a start from every k-th course
        every = max(1, y.size // NEWTON_START_COURSES)
        beta, _, _ = _newton(y[::every], design.rows(every), beta)
    else:  # patterns: already few rows, no start needed
        w = np.asarray(weights, dtype=float)
    beta, iterations, information = _newton(y, design, beta, w)
    bse = np.sqrt(np.diag(np.linalg.pinv(information)))
    columns = list(x.columns)
    return LogisticFit(pd.Series(beta, index=columns), pd.Series(bse, index=columns), iterations)
