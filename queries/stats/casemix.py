"""Case-mix adjustment and "what goes with response" (methods.md sections 2 and 4).

Pure functions on a course-level DataFrame (one row per course, the outcome as 0/1 or
bool): no SQL, no UI.

- :func:`fit_casemix`: logistic regression (statsmodels GLM, Binomial family, logit link) of
  the responder outcome on patient case mix only — severity, baseline score, age band, sex,
  indication, route, symptom months — never on provider, rehab or sessions (the provider's
  choices and mediators; methods.md section 4). Reports the C-statistic (Mann-Whitney form,
  Hanley & McNeil 1982) and a calibration table by deciles of predicted risk.
- :func:`expected_by_unit`: indirect standardisation — E = Σ predicted probabilities of a
  unit's courses, O/E, adjusted rate = O/E × pooled rate; feeds
  :func:`queries.stats.funnel.funnel` (ratio funnel).
- :func:`adjusted_odds_ratios`: a multivariable logistic model for association (it may
  include care choices such as rehab); odds ratios with Wald intervals, worded as
  association, never as effect.
- :func:`standardised_differences`: how two groups differ factor by factor (Austin 2009,
  Stat Med 28:3083).

Design matrices are built here (treatment coding, named columns ``factor[level]``) rather
than by a formula parser, so the term names are stable and prediction on new rows checks
its categories. Missing values: a numeric covariate with missing values (symptom_months is
optional in the data contract) gets a missing indicator ``{name}_missing`` and its missing
values are filled with the training median (the missing-indicator method: keeps every
course and shows the indicator's coefficient; it can bias the other coefficients when data
are not missing at random, Groenwold et al. 2012 CMAJ 184:1265, which for case-mix
prediction matters less than losing the courses). A categorical covariate's missing value
becomes its own level ``(missing)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as _sps

from queries.data.contract import (
    ADHERENCE_CLASSES,
    AGE_BANDS,
    EXPECTATIONS,
    INDICATIONS,
    REHAB,
    ROUTES,
    SEVERITY_CLASSES,
    SEXES,
)
from queries.stats.intervals import level_suffix, wilson_interval

DEFAULT_OUTCOME = "is_responder"
# methods.md section 4: severity, baseline score, age band, sex, indication/route, symptom
# months. Route is in: in the data contract's causal story it follows the indication.
CASEMIX_COVARIATES = ("severity_class", "baseline_score", "age_band", "sex", "indication",
                      "route", "symptom_months")
# The provider's choices and mediators: never case mix (methods.md section 4).
FORBIDDEN_CASEMIX = frozenset({
    "provider_id", "rehab", "sessions_completed", "planned_sessions", "adherence_class",
    "last_session_day",
})
MISSING_LEVEL = "(missing)"
NATURAL_LEVELS: dict[str, tuple[str, ...]] = {
    "severity_class": SEVERITY_CLASSES, "adherence_class": ADHERENCE_CLASSES,
    "rehab": REHAB, "age_band": AGE_BANDS, "sex": SEXES, "indication": INDICATIONS,
    "route": ROUTES, "expectations": EXPECTATIONS,
}
CALIBRATION_GROUPS = 10


class CasemixSpecificationError(ValueError):
    """The model asked for cannot be fitted as specified (forbidden or absent covariate)."""


# --- design matrix ------------------------------------------------------------------------

@dataclass(frozen=True)
class DesignSpec:
    """How to turn course rows into a design matrix (fixed on the training data)."""

    numeric: tuple[str, ...]
    categorical: Mapping[str, tuple[str, ...]]  # levels; the first is the reference
    fill_values: Mapping[str, float]            # numeric covariates with a missing indicator
    columns: tuple[str, ...]                    # design column names, "const" first


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _as_levels(series: pd.Series) -> pd.Series:
    """Categorical values as text, missing as ``(missing)`` (booleans as 'True'/'False')."""
    out = series.astype(object).where(series.notna(), MISSING_LEVEL)
    return out.map(str)


def _ordered_levels(name: str, values: pd.Series, reference: str | None) -> tuple[str, ...]:
    present = list(pd.unique(values))
    natural = NATURAL_LEVELS.get(name)
    if natural is not None:
        order = [lv for lv in natural if lv in present] + sorted(
            lv for lv in present if lv not in natural)
    elif set(present) <= {"True", "False", MISSING_LEVEL}:
        order = [lv for lv in ("False", "True", MISSING_LEVEL) if lv in present]
    else:
        counts = values.value_counts()
        order = sorted(present, key=lambda lv: (-counts[lv], lv))  # most common first
    if reference is not None:
        if reference not in order:
            raise CasemixSpecificationError(
                f"reference level {reference!r} of {name} does not occur in the data "
                f"(levels: {', '.join(order)})")
        order.remove(reference)
        order.insert(0, reference)
    return tuple(order)


def design_spec(frame: pd.DataFrame, covariates: Sequence[str],
                reference_levels: Mapping[str, str] | None = None) -> DesignSpec:
    """Fix numeric/categorical handling, reference levels and fill values on training rows.

    Reference level: the one given in ``reference_levels``, else the first level present in
    the contract's natural order (severity ``none``, age ``18-29``, rehab ``none`` ...), else
    ``False`` for booleans, else the most common level.
    """
    absent = [c for c in covariates if c not in frame.columns]
    if absent:
        raise CasemixSpecificationError(f"covariate(s) not in the data: {', '.join(absent)}")
    refs = dict(reference_levels or {})
    numeric, categorical, fills = [], {}, {}
    columns = ["const"]
    for name in covariates:
        series = frame[name]
        if _is_numeric(series):
            numeric.append(name)
            columns.append(name)
            if series.isna().any():
                fills[name] = float(series.median())
                columns.append(f"{name}_missing")
        else:
            levels = _ordered_levels(name, _as_levels(series), refs.get(name))
            categorical[name] = levels
            columns.extend(f"{name}[{lv}]" for lv in levels[1:])
    return DesignSpec(tuple(numeric), categorical, fills, tuple(columns))


def design_matrix(frame: pd.DataFrame, spec: DesignSpec) -> pd.DataFrame:
    """Treatment-coded design matrix with the spec's columns (float, ``const`` first).

    A category not seen in training raises :class:`CasemixSpecificationError` (the model
    has no coefficient for it). A missing numeric value with no indicator in the spec is
    filled with the training median when one was stored, else refused.
    """
    out = pd.DataFrame(index=frame.index)
    out["const"] = 1.0
    for name in spec.numeric:
        values = frame[name].astype(float)
        if name in spec.fill_values:
            out[name] = values.fillna(spec.fill_values[name])
            out[f"{name}_missing"] = values.isna().astype(float)
        else:
            if values.isna().any():
                raise CasemixSpecificationError(
                    f"{name} has missing values but the model was fitted without any")
            out[name] = values
    for name, levels in spec.categorical.items():
        values = _as_levels(frame[name])
        unseen = sorted(set(values) - set(levels))
        if unseen:
            raise CasemixSpecificationError(
                f"{name} level(s) {', '.join(unseen)} were not in the data the model was "
                f"fitted on (levels: {', '.join(levels)})")
        for lv in levels[1:]:
            out[f"{name}[{lv}]"] = (values == lv).astype(float)
    return out[list(spec.columns)]


def _outcome_rows(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    if outcome not in frame.columns:
        raise CasemixSpecificationError(f"outcome column {outcome!r} is not in the data")
    rows = frame[frame[outcome].notna()]
    if rows.empty:
        raise CasemixSpecificationError(f"no course has a value for {outcome!r}")
    return rows


def _outcome_values(rows: pd.DataFrame, outcome: str) -> np.ndarray:
    y = rows[outcome].astype(float).to_numpy()
    if not np.isin(y, (0.0, 1.0)).all():
        raise CasemixSpecificationError(f"outcome {outcome!r} must be 0/1 or true/false")
    return y


def aliased_columns(x: pd.DataFrame, tol: float = 1e-9) -> list[str]:
    """Design columns that are linear combinations of earlier columns (in column order).

    Greedy: a column is aliased when its squared residual after projection on the columns
    kept so far is below ``tol`` times its squared norm (from the cross-product matrix).
    Example: every course of one indication given by one route, so the route dummy equals
    the indication dummy. Such a coefficient is not identifiable; it is dropped and reported.
    """
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


def _identifiable(spec: DesignSpec, x: pd.DataFrame) -> tuple[DesignSpec, list[str]]:
    dropped = aliased_columns(x)
    if not dropped:
        return spec, []
    return replace(spec, columns=tuple(c for c in spec.columns if c not in dropped)), dropped


def _fit_logistic(y: np.ndarray, x: pd.DataFrame):
    """Maximum-likelihood logistic regression (statsmodels GLM Binomial, IRLS)."""
    return sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-10, maxiter=100)


# --- discrimination and calibration -------------------------------------------------------

def c_statistic(outcome, predicted) -> float:
    """Area under the ROC curve by the Mann-Whitney formula, ties counted 1/2.

    C = (R1 - n1(n1+1)/2) / (n1·n0), R1 = sum of the mid-ranks of the outcome-1 rows
    (Hanley & McNeil 1982 Radiology 143:29). NaN when either group is empty.
    """
    y = np.asarray(outcome, dtype=float)
    p = np.asarray(predicted, dtype=float)
    n1 = float((y == 1).sum())
    n0 = float((y == 0).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = _sps.rankdata(p, method="average")
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def calibration_table(outcome, predicted, groups: int = CALIBRATION_GROUPS,
                      level: float = 0.95) -> pd.DataFrame:
    """Observed against expected by groups (deciles) of predicted risk.

    Courses sorted by predicted probability (stable order on ties) and cut into ``groups``
    groups of equal size (sizes differ by at most one), as in the Hosmer-Lemeshow table
    (Hosmer & Lemeshow 2000, s.5.2.2). Columns: group (1 = lowest risk), n, observed,
    expected (Σ predicted), observed_rate, expected_rate, predicted_min, predicted_max and the
    Wilson interval of the observed rate ``observed_ci_lower_95`` / ``..._upper_95``.
    """
    y = np.asarray(outcome, dtype=float)
    p = np.asarray(predicted, dtype=float)
    order = np.argsort(p, kind="stable")
    group = np.empty(p.size, dtype=int)
    group[order] = np.arange(p.size) * groups // max(p.size, 1) + 1
    table = (pd.DataFrame({"group": group, "y": y, "p": p})
             .groupby("group")
             .agg(n=("y", "size"), observed=("y", "sum"), expected=("p", "sum"),
                  predicted_min=("p", "min"), predicted_max=("p", "max"))
             .reset_index())
    table["observed_rate"] = table["observed"] / table["n"]
    table["expected_rate"] = table["expected"] / table["n"]
    lower, upper = wilson_interval(table["observed"], table["n"], level)
    sfx = level_suffix(level)
    table[f"observed_ci_lower_{sfx}"] = lower
    table[f"observed_ci_upper_{sfx}"] = upper
    return table[["group", "n", "observed", "expected", "observed_rate", "expected_rate",
                  "predicted_min", "predicted_max", f"observed_ci_lower_{sfx}",
                  f"observed_ci_upper_{sfx}"]]


# --- the case-mix model -------------------------------------------------------------------

@dataclass(frozen=True)
class CasemixModel:
    """A fitted case-mix model with its discrimination and calibration.

    ``result`` is the statsmodels GLM result (``params``, ``bse``, ``summary()``);
    ``c_statistic`` and ``calibration`` are computed on the fitting courses (apparent
    performance, not validated on new data).
    """

    result: object
    spec: DesignSpec
    outcome: str
    covariates: tuple[str, ...]
    n: int
    n_events: int
    dropped_terms: tuple[str, ...]   # aliased design columns left out (see aliased_columns)
    c_statistic: float
    calibration: pd.DataFrame = field(repr=False)

    @property
    def params(self) -> pd.Series:
        return self.result.params

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted responder probability for each row of ``frame``."""
        x = design_matrix(frame, self.spec)
        eta = x.to_numpy() @ self.result.params.to_numpy()
        return 1.0 / (1.0 + np.exp(-eta))


def check_casemix_covariates(covariates: Sequence[str]) -> None:
    """Refuse the provider's choices and mediators as case mix (methods.md section 4)."""
    bad = [c for c in covariates if c in FORBIDDEN_CASEMIX]
    if bad:
        raise CasemixSpecificationError(
            f"{', '.join(bad)} cannot be case mix: provider, rehab and sessions are the "
            "provider's choices or mediators (methods.md section 4). Use "
            "adjusted_odds_ratios for associations.")


def fit_casemix(frame: pd.DataFrame, outcome: str = DEFAULT_OUTCOME,
                covariates: Sequence[str] = CASEMIX_COVARIATES,
                reference_levels: Mapping[str, str] | None = None) -> CasemixModel:
    """Fit the case-mix logistic model (indirect standardisation, methods.md section 4).

    Courses with a missing outcome (no follow-up) are left out; pass the eligible courses.
    Raises :class:`CasemixSpecificationError` for provider/rehab/session covariates.
    """
    covariates = tuple(covariates)
    check_casemix_covariates(covariates)
    rows = _outcome_rows(frame, outcome)
    y = _outcome_values(rows, outcome)
    spec = design_spec(rows, covariates, reference_levels)
    spec, dropped = _identifiable(spec, design_matrix(rows, spec))
    result = _fit_logistic(y, design_matrix(rows, spec))
    fitted = np.asarray(result.fittedvalues, dtype=float)
    return CasemixModel(result=result, spec=spec, outcome=outcome, covariates=covariates,
                        n=int(y.size), n_events=int(y.sum()), dropped_terms=tuple(dropped),
                        c_statistic=c_statistic(y, fitted),
                        calibration=calibration_table(y, fitted))


def expected_by_unit(frame: pd.DataFrame, model: CasemixModel,
                     unit: str = "provider_id") -> pd.DataFrame:
    """Observed and case-mix expected responders per unit (indirect standardisation).

    E = Σ predicted probabilities of the unit's courses (rows with an outcome), O/E, and
    adjusted rate = O/E × pooled rate (pooled = ΣO / Σn over all rows given). Columns:
    unit_id, n, observed, expected, oe_ratio, adjusted_rate — the input of the ratio funnel
    :func:`queries.stats.funnel.funnel`.
    """
    rows = _outcome_rows(frame, model.outcome)
    y = _outcome_values(rows, model.outcome)
    per_course = pd.DataFrame({"unit_id": rows[unit].to_numpy(), "n": 1, "observed": y,
                               "expected": model.predict(rows)})
    out = (per_course.groupby("unit_id", sort=True)
           .agg(n=("n", "sum"), observed=("observed", "sum"), expected=("expected", "sum"))
           .reset_index())
    pooled = float(y.sum() / y.size)
    out["oe_ratio"] = out["observed"] / out["expected"]
    out["adjusted_rate"] = out["oe_ratio"] * pooled
    return out


# --- associations -------------------------------------------------------------------------

def adjusted_odds_ratios(frame: pd.DataFrame, outcome: str = DEFAULT_OUTCOME,
                         covariates: Sequence[str] = CASEMIX_COVARIATES,
                         level: float = 0.95,
                         reference_levels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mutually adjusted odds ratios from one multivariable logistic model (association).

    Any covariates may be used (rehab, adherence, lifestyle, expectations ...): this is
    "what goes with response", not case-mix adjustment, and adherence happens after
    baseline (methods.md section 2), so read it as description, not effect. Wald intervals
    exp(b ± z·SE) and Wald p-values from the GLM fit. Columns: term, factor, level,
    reference, odds_ratio, ci_lower_{lvl}, ci_upper_{lvl}, p_value, n (courses in the
    model), n_with_level (courses at that level; NaN for numeric terms), aliased (True
    for a term that is a linear combination of earlier ones: not estimable, NaN estimates;
    see :func:`aliased_columns`). No intercept row.
    """
    nan = float("nan")
    covariates = tuple(covariates)
    rows = _outcome_rows(frame, outcome)
    y = _outcome_values(rows, outcome)
    spec = design_spec(rows, covariates, reference_levels)
    full = design_matrix(rows, spec)
    spec, dropped = _identifiable(spec, full)
    x = full[list(spec.columns)]
    result = _fit_logistic(y, x)
    ci = np.asarray(result.conf_int(alpha=1 - level))
    ci = pd.DataFrame(ci, index=x.columns, columns=["lo", "hi"])
    records = []
    for term in full.columns[1:]:
        factor, lv, ref, n_level = term, "", "", float("nan")
        for name, levels in spec.categorical.items():
            prefix = f"{name}["
            if term.startswith(prefix) and term.endswith("]"):
                factor, lv, ref = name, term[len(prefix):-1], levels[0]
                n_level = float(full[term].sum())
        if term.endswith("_missing") and term[:-len("_missing")] in spec.fill_values:
            factor, lv = term[:-len("_missing")], MISSING_LEVEL
            n_level = float(full[term].sum())
        fitted = term not in dropped
        records.append({"term": term, "factor": factor, "level": lv, "reference": ref,
                        "odds_ratio": float(np.exp(result.params[term])) if fitted else nan,
                        "ci_lower": float(np.exp(ci.loc[term, "lo"])) if fitted else nan,
                        "ci_upper": float(np.exp(ci.loc[term, "hi"])) if fitted else nan,
                        "p_value": float(result.pvalues[term]) if fitted else nan,
                        "n": int(y.size), "n_with_level": n_level, "aliased": not fitted})
    sfx = level_suffix(level)
    return pd.DataFrame.from_records(records).rename(
        columns={"ci_lower": f"ci_lower_{sfx}", "ci_upper": f"ci_upper_{sfx}"})


def _two_groups(values: pd.Series, group_a, group_b):
    if group_a is not None and group_b is not None:
        return group_a, group_b
    present = [v for v in pd.unique(values.dropna())]
    if pd.api.types.is_bool_dtype(values) or set(present) <= {0, 1, True, False}:
        return False, True  # non-responders (a) against responders (b)
    if len(present) != 2:
        raise CasemixSpecificationError(
            f"standardised differences compare two groups; found {len(present)} "
            "(give group_a and group_b)")
    a, b = sorted(present)
    return a, b


def standardised_differences(frame: pd.DataFrame, group_col: str, factors: Sequence[str],
                             group_a=None, group_b=None) -> pd.DataFrame:
    """Standardised differences between two groups, factor by factor (Austin 2009).

    Categorical level: d = (p_a - p_b) / sqrt((p_a(1-p_a) + p_b(1-p_b)) / 2) on the shares
    having that level (missing values count as the level ``(missing)``; for a boolean factor
    the True and ``(missing)`` levels are listed, not False). Numeric factor: d = (mean_a - mean_b) /
    sqrt((sd_a² + sd_b²) / 2) with sample SDs, missing values left out; its row has level
    ``(mean)`` and the means in the share columns. Defaults: for a 0/1 or boolean
    ``group_col`` group a = False (non-responders), group b = True (responders). Rows with no
    group value are left out. Columns: factor, level, share_group_a, share_group_b,
    std_difference, ratio (share_a / share_b), n_group_a, n_group_b; sorted by
    |std_difference|, largest first.
    """
    rows = frame[frame[group_col].notna()]
    a_val, b_val = _two_groups(rows[group_col], group_a, group_b)
    in_a = (rows[group_col] == a_val).to_numpy()
    in_b = (rows[group_col] == b_val).to_numpy()
    records = []
    for name in factors:
        series = rows[name]
        if _is_numeric(series):
            xa = series[in_a].astype(float).dropna()
            xb = series[in_b].astype(float).dropna()
            ma, mb = float(xa.mean()), float(xb.mean())
            pooled_sd = np.sqrt((xa.var(ddof=1) + xb.var(ddof=1)) / 2)
            records.append(_difference_record(name, "(mean)", ma, mb, pooled_sd,
                                              len(xa), len(xb)))
            continue
        levels = _as_levels(series)
        is_bool = pd.api.types.is_bool_dtype(series) or set(levels) <= {"True", "False",
                                                                         MISSING_LEVEL}
        wanted = _ordered_levels(name, levels, None)
        if is_bool:  # False is the complement of True (and of missing): not listed
            wanted = [lv for lv in wanted if lv != "False"]
        for lv in wanted:
            pa = float((levels[in_a] == lv).mean()) if in_a.any() else float("nan")
            pb = float((levels[in_b] == lv).mean()) if in_b.any() else float("nan")
            sd = np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
            records.append(_difference_record(name, lv, pa, pb, sd, int(in_a.sum()),
                                              int(in_b.sum())))
    out = pd.DataFrame.from_records(records)
    order = np.argsort(-np.abs(out["std_difference"].to_numpy(dtype=float)), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _difference_record(factor: str, level: str, a: float, b: float, sd: float,
                       n_a: int, n_b: int) -> dict:
    with np.errstate(invalid="ignore", divide="ignore"):
        if a == b:
            d = 0.0
        else:
            d = float(np.divide(a - b, sd))
        ratio = float(np.divide(a, b)) if b != 0 else (float("nan") if a == 0 else
                                                        float("inf"))
    return {"factor": factor, "level": level, "share_group_a": a, "share_group_b": b,
            "std_difference": d, "ratio": ratio, "n_group_a": n_a, "n_group_b": n_b}
