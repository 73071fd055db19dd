"""What goes with response: adjusted odds ratios and standardised differences
(methods.md section 2). Association, never effect.

- :func:`adjusted_odds_ratios`: one multivariable logistic model (statsmodels GLM,
  Binomial family, logit link) on the design matrices of :mod:`queries.stats.design`; it
  may include care choices such as rehab; odds ratios with Wald intervals;
- :func:`standardised_differences`: how two groups (non-responders and responders) differ
  factor by factor (Austin 2009, Stat Med 28:3083).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.stats.casemix import (
    CASEMIX_COVARIATES,
    DEFAULT_OUTCOME,
    NEWTON_FROM,
    fit_logistic_newton,
)
from queries.stats.design import (
    BOOLEAN_LEVELS,
    MISSING_LEVEL,
    CasemixSpecificationError,
    DesignSpec,
    as_levels,
    design_matrix,
    design_spec,
    fit_logistic,
    identifiable_design,
    is_numeric,
    ordered_levels,
    outcome_rows,
    outcome_values,
)
from queries.stats.intervals import level_suffix


class TermLabel(NamedTuple):
    """What a design column stands for: factor, level, reference and courses at the level."""

    factor: str
    level: str
    reference: str
    n_with_level: float


def describe_term(
    term: str,
    spec: DesignSpec,
    design: pd.DataFrame,
    weights: np.ndarray | None = None,
    courses: float | None = None,
) -> TermLabel:
    """Factor, level, reference level and courses at the level of one design column
    (``weights``: courses per row of ``design``; ``courses``: the column's courses, when
    already summed, :func:`column_courses`).

    ``factor[level]`` columns (treatment coding) name their factor and level; a numeric
    covariate's ``{name}_missing`` indicator stands for its level ``(missing)``; any other
    column (a numeric covariate) is its own factor, with no level and NaN courses.
    """
    label = TermLabel(term, "", "", float("nan"))
    if courses is None:
        courses = column_courses(design[[term]], weights)[term]
    for name, levels in spec.categorical.items():
        prefix = f"{name}["
        if term.startswith(prefix) and term.endswith("]"):
            label = TermLabel(name, term[len(prefix) : -1], levels[0], courses)
    if term.endswith("_missing") and term[: -len("_missing")] in spec.fill_values:
        label = TermLabel(term[: -len("_missing")], MISSING_LEVEL, "", courses)
    return label


def column_courses(design: pd.DataFrame, weights: np.ndarray | None = None) -> dict[str, float]:
    """The courses of each design column (its sum, weighted by ``weights``), all at once."""
    values = design.to_numpy(dtype=float)
    totals = values.sum(axis=0) if weights is None else weights @ values
    return {name: float(total) for name, total in zip(design.columns, totals, strict=True)}


def adjusted_odds_ratios(
    frame: pd.DataFrame,
    outcome: str = DEFAULT_OUTCOME,
    covariates: Sequence[str] = CASEMIX_COVARIATES,
    level: float = 0.95,
    reference_levels: Mapping[str, str] | None = None,
    weights: str | None = None,
) -> pd.DataFrame:
    """Mutually adjusted odds ratios from one multivariable logistic model (association).

    Any covariates may be used (rehab, adherence, lifestyle, expectations ...): this is
    "what goes with response", not case-mix adjustment, and adherence happens after
    baseline (methods.md section 2), so read it as description, not effect. Wald intervals
    exp(b ± z·SE) and Wald p-values from the GLM fit. Columns: term, factor, level,
    reference, odds_ratio, ci_lower_{lvl}, ci_upper_{lvl}, p_value, n (courses in the
    model), n_with_level (courses at that level; NaN for numeric terms), aliased (True
    for a term that is a linear combination of earlier ones: not estimable, NaN estimates;
    see :func:`queries.stats.design.aliased_columns`). No intercept row.

    ``weights`` names a column of courses per row: ``frame`` then holds the distinct
    patterns of covariates and outcome, each with its number of courses. A logistic model on
    the courses is the same maximum-likelihood problem as one on the patterns with those
    frequency weights (the same estimates, standard errors and intervals), at the cost of the
    patterns rather than the courses; from :data:`queries.stats.casemix.NEWTON_FROM` courses
    the fit is Newton's on the normal equations
    (:func:`queries.stats.casemix.fit_logistic_newton`, the same estimate as IRLS, without
    its least-squares step over every row).
    """
    nan = float("nan")
    covariates = tuple(covariates)
    rows = outcome_rows(frame, outcome)
    y = outcome_values(rows, outcome)
    w = None if weights is None else rows[weights].to_numpy(dtype=float)
    spec = design_spec(rows, covariates, reference_levels, w)
    full = design_matrix(rows, spec)
    spec, dropped = identifiable_design(spec, full, w)
    x = full[list(spec.columns)]
    params, bse, pvalues = _wald(y, x, w)
    z = _sps.norm.ppf(0.5 + level / 2)
    ci_lower = dict(zip(x.columns, np.exp(params - z * bse), strict=True))
    ci_upper = dict(zip(x.columns, np.exp(params + z * bse), strict=True))
    records = []
    courses = column_courses(full, w)
    for term in full.columns[1:]:
        label = describe_term(term, spec, full, w, courses[term])
        fitted = term not in dropped
        records.append(
            {
                "term": term,
                "factor": label.factor,
                "level": label.level,
                "reference": label.reference,
                "odds_ratio": float(np.exp(params[term])) if fitted else nan,
                "ci_lower": float(ci_lower[term]) if fitted else nan,
                "ci_upper": float(ci_upper[term]) if fitted else nan,
                "p_value": float(pvalues[term]) if fitted else nan,
                "n": int(y.size if w is None else w.sum()),
                "n_with_level": label.n_with_level,
                "aliased": not fitted,
            }
        )
    sfx = level_suffix(level)
    return pd.DataFrame.from_records(records).rename(
        columns={"ci_lower": f"ci_lower_{sfx}", "ci_upper": f"ci_upper_{sfx}"}
    )


def _wald(
    y: np.ndarray, x: pd.DataFrame, weights: np.ndarray | None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Coefficients, standard errors and Wald p-values of the logistic fit: statsmodels'
    GLM (IRLS) below :data:`NEWTON_FROM` courses, Newton-Raphson from there."""
    courses = y.size if weights is None else float(weights.sum())
    if weights is not None and courses >= NEWTON_FROM:
        fit = fit_logistic_newton(y, x, weights)
        params, bse = fit.params, fit.bse
        with np.errstate(invalid="ignore", divide="ignore"):
            pvalues = pd.Series(2 * _sps.norm.sf(np.abs(params / bse)), index=params.index)
        return params, bse, pvalues
    result = fit_logistic(y, x, weights)
    return result.params, result.bse, result.pvalues


class GroupPair(NamedTuple):
    """The values of the group column that make group a and group b."""

    a: object
    b: object


def two_groups(values: pd.Series, group_a, group_b) -> GroupPair:
    """Groups a and b: as given; else False and True for a 0/1 or boolean column (non-
    responders against responders); else the two values present, sorted."""
    if group_a is not None and group_b is not None:
        return GroupPair(group_a, group_b)
    present = list(pd.unique(values.dropna()))
    if pd.api.types.is_bool_dtype(values) or set(present) <= {False, True}:  # also 0 and 1
        return GroupPair(False, True)  # non-responders (a) against responders (b)
    if len(present) != 2:
        raise CasemixSpecificationError(
            f"standardised differences compare two groups; found {len(present)} "
            "(give group_a and group_b)"
        )
    a, b = sorted(present)
    return GroupPair(a, b)


def standardised_differences(
    frame: pd.DataFrame, group_col: str, factors: Sequence[str], group_a=None, group_b=None
) -> pd.DataFrame:
    """Standardised differences between two groups, factor by factor (Austin 2009).

    Categorical level: d = (p_a - p_b) / sqrt((p_a(1-p_a) + p_b(1-p_b)) / 2) on the shares
    having that level (missing values count as the level ``(missing)``; for a boolean
    factor the True and ``(missing)`` levels are listed, not False). Numeric factor:
    d = (mean_a - mean_b) / sqrt((sd_a² + sd_b²) / 2) with sample SDs, missing values left
    out; its row has level
    ``(mean)`` and the means in the share columns. Defaults: for a 0/1 or boolean
    ``group_col`` group a = False (non-responders), group b = True (responders). Rows with no
    group value are left out. Columns: factor, level, share_group_a, share_group_b,
    std_difference, ratio (share_a / share_b), n_group_a, n_group_b; sorted by
    |std_difference|, largest first.
    """
    rows = frame[frame[group_col].notna()]
    a_val, b_val = two_groups(rows[group_col], group_a, group_b)
    in_a = (rows[group_col] == a_val).to_numpy()
    in_b = (rows[group_col] == b_val).to_numpy()
    records = []
    for name in factors:
        series = rows[name]
        if is_numeric(series):
            xa = series[in_a].astype(float).dropna()
            xb = series[in_b].astype(float).dropna()
            ma, mb = float(xa.mean()), float(xb.mean())
            pooled_sd = np.sqrt((xa.var(ddof=1) + xb.var(ddof=1)) / 2)
            records.append(_difference_record(name, "(mean)", ma, mb, pooled_sd, len(xa), len(xb)))
            continue
        records.extend(_level_records(name, series, in_a, in_b, None))
    return _by_size(records)


def standardised_differences_from_counts(
    counts: pd.DataFrame,
    group_col: str,
    factors: Sequence[str],
    numeric: Sequence[str],
    group_a: object,
    group_b: object,
) -> pd.DataFrame:
    """:func:`standardised_differences` from counts rather than rows: the same table.

    ``counts`` has one row per factor x level x group with columns ``factor``, ``level``
    (missing: the level ``(missing)``), ``group_col``, ``n`` (courses); for a factor in
    ``numeric`` one row per group with ``n`` (courses with a value), ``mean`` and
    ``var_samp`` (sample variance) of its values. A level's share needs only its count and
    its group's, a numeric factor's difference only the groups' means and variances, so the
    cost is that of the levels, not of the courses (``sql/analytics/nonresponder_levels.sql``).
    """
    records = []
    for name in factors:
        sub = counts[counts["factor"] == name]
        in_a = (sub[group_col] == group_a).to_numpy()
        in_b = (sub[group_col] == group_b).to_numpy()
        if name in numeric:
            a, b = sub[in_a], sub[in_b]
            ma, mb = (_first(g["mean"]) for g in (a, b))
            va, vb = (_first(g["var_samp"]) for g in (a, b))
            na, nb = int(a["n"].sum()), int(b["n"].sum())
            sd = np.sqrt((va + vb) / 2)
            records.append(_difference_record(name, "(mean)", ma, mb, sd, na, nb))
            continue
        level = sub["level"].astype(object).reset_index(drop=True)
        records.extend(_level_records(name, level, in_a, in_b, sub["n"].to_numpy(dtype=float)))
    return _by_size(records)


def _first(values: pd.Series) -> float:
    """The first value as a float (NaN for none or a missing one)."""
    return float(values.to_numpy(dtype=float)[0]) if len(values) else float("nan")


def _level_records(
    name: str,
    series: pd.Series,
    in_a: np.ndarray,
    in_b: np.ndarray,
    counts: np.ndarray | None,
) -> list[dict]:
    """The rows of a categorical factor in :func:`standardised_differences`; each row of
    ``series`` stands for ``counts`` courses (None: one course each)."""
    levels = as_levels(series)
    is_bool = pd.api.types.is_bool_dtype(series) or set(levels) <= set(BOOLEAN_LEVELS)
    wanted = list(ordered_levels(name, levels, None, counts))
    weights = np.ones(len(levels)) if counts is None else counts
    if is_bool:  # False is the complement of True (and of missing): not listed
        wanted = [lv for lv in wanted if lv != "False"]
    n_a, n_b = float(weights[in_a].sum()), float(weights[in_b].sum())
    records = []
    for lv in wanted:
        at = (levels == lv).to_numpy()
        pa = float(weights[in_a & at].sum() / n_a) if in_a.any() else float("nan")
        pb = float(weights[in_b & at].sum() / n_b) if in_b.any() else float("nan")
        sd = np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
        records.append(_difference_record(name, lv, pa, pb, sd, int(n_a), int(n_b)))
    return records


def _by_size(records: list[dict]) -> pd.DataFrame:
    """The records of :func:`standardised_differences`, largest |difference| first (stable)."""
    out = pd.DataFrame.from_records(records)
    order = np.argsort(-np.abs(out["std_difference"].to_numpy(dtype=float)), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _difference_record(
    factor: str, level: str, a: float, b: float, sd: float, n_a: int, n_b: int
) -> dict:
    """One row of :func:`standardised_differences`: d = (a - b) / sd (Austin 2009; 0 when
    the shares are equal, also when sd is 0) and the ratio a / b."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 0.0 if a == b else float(np.divide(a - b, sd))
        ratio = float(np.divide(a, b)) if b != 0 else (float("nan") if a == 0 else float("inf"))
    return {
        "factor": factor,
        "level": level,
        "share_group_a": a,
        "share_group_b": b,
        "std_difference": d,
        "ratio": ratio,
        "n_group_a": n_a,
        "n_group_b": n_b,
    }
