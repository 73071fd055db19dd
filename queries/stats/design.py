"""Design matrices for the logistic models of case mix and association, and their fit.

:mod:`queries.stats.casemix` (case-mix adjustment, methods.md section 4) and
:mod:`queries.stats.associations` (what goes with response, methods.md section 2) both
build their models here.

Design matrices are built here (treatment coding, named columns ``factor[level]``) rather
than by a formula parser, so the term names are stable and prediction on new rows checks
its categories. Levels come in the natural order of :mod:`queries.core.factors`, so the
reference level is the first one present (severity ``none``, age ``18-29``, rehab ``none``).
Missing values: a numeric covariate with missing values (symptom_months is optional in the
data contract) gets a missing indicator ``{name}_missing`` and its missing values are filled
with the training median (the missing-indicator method: keeps every course and shows the
indicator's coefficient; it can bias the other coefficients when data are not missing at
random, Groenwold et al. 2012 CMAJ 184:1265, which for case-mix prediction matters less
than losing the courses). A categorical covariate's missing value becomes its own level
``(missing)``. Columns that are linear combinations of earlier ones are dropped and
reported (:func:`aliased_columns`). The fit: maximum likelihood by IRLS (statsmodels GLM,
Binomial family, logit link; McCullagh & Nelder 1989).

Covariates the extract lacks (methods.md section 4: "a covariate the extract leaves empty (all
or nearly all NULL) is dropped from the model, and the page says which were used"):
:func:`choose_covariates` leaves out a covariate with no value on more than
:data:`NEARLY_ALL_MISSING` of the courses (a real registry never records symptom months) and
one that takes the same value on every course that has one (one site's indications, or no
severity recorded: severity ``unknown`` everywhere), and says why. A numeric covariate with
no value at all gets no design column from :func:`design_spec` either (there is no median to
fill with), rather than failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from queries.core.factors import natural_levels

if TYPE_CHECKING:
    from statsmodels.genmod.generalized_linear_model import GLMResults

MISSING_LEVEL = "(missing)"
BOOLEAN_LEVELS = ("False", "True", MISSING_LEVEL)  # a boolean's levels as text, in order


# "Nearly all NULL" (methods.md section 4): a covariate with no value on more than this share
# of the model's courses is dropped. With 95 %, fewer than 1 course in 20 has a value: too few
# for its coefficient to adjust anything, and its missing indicator would be near constant.
NEARLY_ALL_MISSING = 0.95
# Why a covariate was dropped: (nearly) no value; one value ("{value}"), nothing to adjust for.
NOT_RECORDED = "not recorded in this extract"
ONE_VALUE = "{value} on every course"


class CasemixSpecificationError(ValueError):
    """The model asked for cannot be fitted as specified (forbidden or absent covariate)."""


@dataclass(frozen=True)
class DesignSpec:
    """How to turn course rows into a design matrix (fixed on the training data)."""

    numeric: tuple[str, ...]
    categorical: Mapping[str, tuple[str, ...]]  # levels; the first is the reference
    fill_values: Mapping[str, float]  # numeric covariates with a missing indicator
    columns: tuple[str, ...]  # design column names, "const" first


def is_numeric(series: pd.Series) -> bool:
    """A numeric covariate (entered as is); booleans are categorical (treatment coding)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


@dataclass(frozen=True)
class CovariateChoice:
    """Which covariates a model can use on these courses, and why the others were dropped."""

    used: tuple[str, ...]
    dropped: Mapping[str, str]  # covariate -> why, in the order asked (NOT_RECORDED, ONE_VALUE)


def choose_covariates(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    nearly_all_missing: float = NEARLY_ALL_MISSING,
) -> CovariateChoice:
    """The covariates the extract has (methods.md section 4), in the order asked.

    Dropped as :data:`NOT_RECORDED`: absent from ``frame``, or missing (NULL) on more than
    ``nearly_all_missing`` of its rows (an empty frame: every covariate).
    Dropped as :data:`ONE_VALUE` ("unknown on every course"): one distinct value among the
    rows that have one (a categorical with one level, a constant number): it cannot separate
    one course from another, so it adjusts nothing. The rest are used.
    """
    used: list[str] = []
    dropped: dict[str, str] = {}
    for name in covariates:
        missing = float(frame[name].isna().mean()) if name in frame.columns and len(frame) else 1.0
        if missing > nearly_all_missing:
            dropped[name] = NOT_RECORDED
        elif frame[name].nunique(dropna=True) < 2:
            value = frame[name].dropna().iloc[0]
            shown = f"{value:g}" if is_numeric(frame[name]) else str(value).replace("_", " ")
            dropped[name] = ONE_VALUE.format(value=shown)
        else:
            used.append(name)
    return CovariateChoice(tuple(used), dropped)


def as_levels(series: pd.Series) -> pd.Series:
    """Categorical values as text, missing as ``(missing)`` (booleans as 'True'/'False').

    A pandas categorical is turned into text once per category, not once per row."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = [str(c) for c in series.cat.categories] + [MISSING_LEVEL]  # code -1: missing
        labels = np.array(names, dtype=object)[series.cat.codes.to_numpy()]
        return pd.Series(labels, index=series.index, dtype=object)
    out = series.astype(object).where(series.notna(), MISSING_LEVEL)
    return out.map(str)


def ordered_levels(
    name: str, values: pd.Series, reference: str | None, weights: np.ndarray | None = None
) -> tuple[str, ...]:
    """The levels of a categorical covariate, the reference level first (treatment coding).

    Order: the natural order of the registered factor ``name``
    (:func:`queries.core.factors.natural_levels`) when its values are that factor's levels,
    any other values after them, sorted; else ``False, True, (missing)`` for booleans; else
    the most common level first (``weights``: each row stands for that many courses, as a
    row of distinct covariate patterns does). ``reference``, when given, is moved to the
    front.
    """
    present = list(pd.unique(values))
    natural = natural_levels(name)
    if any(lv in natural for lv in present):
        order = [lv for lv in natural if lv in present] + sorted(
            lv for lv in present if lv not in natural
        )
    elif set(present) <= set(BOOLEAN_LEVELS):
        order = [lv for lv in BOOLEAN_LEVELS if lv in present]
    else:
        counts = (
            values.value_counts()
            if weights is None
            else pd.Series(weights, index=values.index).groupby(values).sum()
        )
        order = sorted(present, key=lambda lv: (-counts[lv], lv))  # most common first
    if reference is not None:
        if reference not in order:
            raise CasemixSpecificationError(
                f"reference level {reference!r} of {name} does not occur in the data "
                f"(levels: {', '.join(order)})"
            )
        order.remove(reference)
        order.insert(0, reference)
    return tuple(order)


def _median(series: pd.Series, weights: np.ndarray | None) -> float:
    """The median of the courses' values (missing left out), each row counted ``weights``
    times."""
    if weights is None:
        return float(series.median())
    values = series.to_numpy(dtype=float)
    present = ~np.isnan(values)
    return float(np.median(np.repeat(values[present], weights[present].astype(np.int64))))


def _row_levels(series: pd.Series) -> pd.Series:
    """:func:`as_levels`, kept a categorical of the level names when ``series`` is one (its
    codes, not a text per row: the same levels, found far faster on many courses)."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return as_levels(series)
    codes, names = level_codes(series)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(names)), index=series.index
    )


def design_spec(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    reference_levels: Mapping[str, str] | None = None,
    weights: np.ndarray | None = None,
) -> DesignSpec:
    """Fix numeric/categorical handling, reference levels and fill values on training rows.

    Reference level: the one given in ``reference_levels``, else the first level present in
    the natural order of :mod:`queries.core.factors` (severity ``none``, age ``18-29``,
    rehab ``none`` ...), else ``False`` for booleans, else the most common level
    (:func:`ordered_levels`). A numeric covariate with no value at all gets no column (leave
    it out first with :func:`choose_covariates`, which says so). ``weights``: each row stands
    for that many courses (distinct covariate patterns), so the medians and the most common
    levels are those of the courses.
    """
    absent = [c for c in covariates if c not in frame.columns]
    if absent:
        raise CasemixSpecificationError(f"covariate(s) not in the data: {', '.join(absent)}")
    refs = dict(reference_levels or {})
    numeric, categorical, fills = [], {}, {}
    columns = ["const"]
    for name in covariates:
        series = frame[name]
        if is_numeric(series):
            if series.isna().all():
                continue  # nothing to enter and no median to fill with
            numeric.append(name)
            columns.append(name)
            if series.isna().any():
                fills[name] = _median(series, weights)
                columns.append(f"{name}_missing")
        else:
            levels = ordered_levels(name, _row_levels(series), refs.get(name), weights)
            categorical[name] = levels
            columns.extend(f"{name}[{lv}]" for lv in levels[1:])
    return DesignSpec(tuple(numeric), categorical, fills, tuple(columns))


def level_codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's level of a categorical covariate as a position in the returned level names
    (the names of :func:`as_levels`, ``(missing)`` for a missing value), without turning
    every row into text: a pandas categorical keeps its codes, anything else is factorised
    once."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = [str(c) for c in series.cat.categories] + [MISSING_LEVEL]
        codes = series.cat.codes.to_numpy().astype(np.intp)
        codes[codes < 0] = len(names) - 1  # code -1: missing
        return codes, names
    codes, uniques = pd.factorize(as_levels(series))
    return codes.astype(np.intp), [str(u) for u in uniques]


def design_array(frame: pd.DataFrame, spec: DesignSpec) -> np.ndarray:
    """The values of :func:`design_matrix` (column-major, float), built column by column from
    numbers and category codes: each dummy is set by one scatter of the rows' codes, with no
    comparison of text per row and level (700,000 courses cost 1.3 s so; issue 10)."""
    position = {column: j for j, column in enumerate(spec.columns)}
    x = np.zeros((len(frame), len(spec.columns)), order="F")
    if "const" in position:
        x[:, position["const"]] = 1.0
    for name in spec.numeric:
        values = frame[name].to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        if name in spec.fill_values:
            values = np.where(missing, spec.fill_values[name], values)
            if f"{name}_missing" in position:
                x[:, position[f"{name}_missing"]] = missing
        elif missing.any():
            raise CasemixSpecificationError(
                f"{name} has missing values but the model was fitted without any"
            )
        if name in position:
            x[:, position[name]] = values
    for name, levels in spec.categorical.items():
        codes, names = level_codes(frame[name])
        seen = np.bincount(codes, minlength=len(names)) > 0
        unseen = sorted(n for n, s in zip(names, seen, strict=True) if s and n not in levels)
        if unseen:
            raise CasemixSpecificationError(
                f"{name} level(s) {', '.join(unseen)} were not in the data the model was "
                f"fitted on (levels: {', '.join(levels)})"
            )
        # the design column of each level; -1: the reference level (or a dropped column)
        column = np.array([position.get(f"{name}[{n}]", -1) for n in names], dtype=np.intp)
        target = column[codes]
        rows = np.flatnonzero(target >= 0)
        x[rows, target[rows]] = 1.0
    return x


def design_matrix(frame: pd.DataFrame, spec: DesignSpec) -> pd.DataFrame:
    """Treatment-coded design matrix with the spec's columns (float, ``const`` first).

    A category not seen in training raises :class:`CasemixSpecificationError` (the model
    has no coefficient for it). A missing numeric value with no indicator in the spec is
    filled with the training median when one was stored, else refused. The values are those
    of :func:`design_array`, not copied.
    """
    return pd.DataFrame(
        design_array(frame, spec), index=frame.index, columns=list(spec.columns), copy=False
    )


def outcome_rows(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The courses with a value for ``outcome`` (no follow-up = no row in the model)."""
    if outcome not in frame.columns:
        raise CasemixSpecificationError(f"outcome column {outcome!r} is not in the data")
    known = frame[outcome].notna()
    rows = frame if known.all() else frame[known]  # every course known: no copy
    if rows.empty:
        raise CasemixSpecificationError(f"no course has a value for {outcome!r}")
    return rows


def outcome_values(rows: pd.DataFrame, outcome: str) -> np.ndarray:
    """The outcome as 0.0/1.0; anything else is refused."""
    y = rows[outcome].astype(float).to_numpy()
    if not np.isin(y, (0.0, 1.0)).all():
        raise CasemixSpecificationError(f"outcome {outcome!r} must be 0/1 or true/false")
    return y


def aliased_columns(
    x: pd.DataFrame, tol: float = 1e-9, gram: np.ndarray | None = None
) -> list[str]:
    """Design columns that are linear combinations of earlier columns (in column order).

    Greedy: a column is aliased when its squared residual after projection on the columns
    kept so far is below ``tol`` times its squared norm (from the cross-product matrix X'X,
    or ``gram`` when the caller has it: :meth:`queries.stats.logistic.CodedDesign.cross_product`).
    Example: every course of one indication given by one route, so the route dummy equals
    the indication dummy. Such a coefficient is not identifiable; it is dropped and reported.
    """
    if gram is None:
        values = x.to_numpy(dtype=float)
        gram = values.T @ values
    kept: list[int] = []
    aliased: list[str] = []
    for j, name in enumerate(x.columns):
        norm2 = gram[j, j]
        resid = norm2
        if kept and norm2 > 0:
            g_kept = gram[np.ix_(kept, kept)]
            g_j = gram[kept, j]
            resid = norm2 - g_j @ np.linalg.solve(g_kept, g_j)
        if norm2 <= 0 or resid <= tol * norm2:
            aliased.append(name)
        else:
            kept.append(j)
    return aliased


class IdentifiableDesign(NamedTuple):
    """A design spec without its aliased columns, and the columns dropped."""

    spec: DesignSpec
    dropped: list[str]


def identifiable_design(
    spec: DesignSpec,
    x: pd.DataFrame,
    weights: np.ndarray | None = None,
    gram: np.ndarray | None = None,
) -> IdentifiableDesign:
    """Drop the aliased columns of ``x`` (:func:`aliased_columns`, from ``gram`` = X'X when
    given) from ``spec``; with ``weights`` (courses per row), on the rows scaled by their
    square roots, whose cross-product is that of the courses."""
    scaled = x if weights is None else x.mul(np.sqrt(weights), axis=0)
    dropped = aliased_columns(scaled, gram=gram)
    if not dropped:
        return IdentifiableDesign(spec, [])
    kept = tuple(c for c in spec.columns if c not in dropped)
    return IdentifiableDesign(replace(spec, columns=kept), dropped)


def fit_logistic(y: np.ndarray, x: pd.DataFrame, weights: np.ndarray | None = None) -> GLMResults:
    """Maximum-likelihood logistic regression (statsmodels GLM Binomial, IRLS).

    ``weights``: frequency weights (each row stands for that many courses with the same
    covariates and outcome): the same likelihood as the courses themselves, so the same
    estimates and standard errors (the binomial scale is fixed at 1). statsmodels is
    imported here, when an IRLS fit is asked for: a load that fits a large clinic by Newton's
    method (:mod:`queries.stats.logistic`) does not pay for its import (0.4 s)."""
    import statsmodels.api as sm

    model = sm.GLM(y, x, family=sm.families.Binomial(), freq_weights=weights)
    return model.fit(tol=1e-10, maxiter=100)
