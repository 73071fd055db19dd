"""Case-mix adjustment: logistic model, C-statistic, calibration, O/E (methods.md
section 4).

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
- "what goes with response" (adjusted odds ratios, standardised differences) is in
  :mod:`queries.stats.associations`.

Design matrices (treatment coding, levels in natural order, missing-indicator method) and
the GLM fit are in :mod:`queries.stats.design`, Newton-Raphson for large clinics in
:mod:`queries.stats.logistic`. A covariate the extract lacks (no value on
nearly all courses, :data:`queries.stats.design.NEARLY_ALL_MISSING`, or the same value on
every course) is left out of the model (methods.md section 4); the model records which it
used and which it dropped, and :func:`covariate_sentence` says so for the pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from queries.core.factors import factor
from queries.stats.design import (
    CasemixSpecificationError,
    DesignSpec,
    choose_covariates,
    design_array,
    design_matrix,
    design_spec,
    fit_logistic,
    identifiable_design,
    outcome_rows,
    outcome_values,
)
from queries.stats.intervals import level_suffix, wilson_interval
from queries.stats.logistic import CodedDesign, LogisticFit, fit_logistic_newton

if TYPE_CHECKING:
    from statsmodels.genmod.generalized_linear_model import GLMResults

DEFAULT_OUTCOME = "is_responder"
# methods.md section 4: severity, baseline score, age band, sex, indication/route, symptom
# months. Route is in: in the data contract's causal story it follows the indication.
CASEMIX_COVARIATES = (
    "severity_class",
    "baseline_score",
    "age_band",
    "sex",
    "indication",
    "route",
    "symptom_months",
)
# The provider's choices and mediators: never case mix (methods.md section 4).
FORBIDDEN_CASEMIX = frozenset(
    {
        "provider_id",
        "rehab",
        "n_sessions_completed",
        "planned_sessions",
        "adherence_class",
        "last_session_day",
    }
)
CALIBRATION_GROUPS = 10
# How a sentence names a case-mix covariate the factor registry does not know.
_COVARIATE_WORDS = {"symptom_months": "months of symptoms"}


# --- discrimination and calibration -------------------------------------------------------


def mid_ranks(values: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Ranks 1..n, ties given the mean of their ranks (``scipy.stats.rankdata(method=
    "average")``, the same numbers, without importing scipy.stats: 0.5 s of a load).
    ``order``: ``np.argsort(values, kind="stable")`` when the caller has it already."""
    order = np.argsort(values, kind="stable") if order is None else order
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def c_statistic(outcome, predicted, order: np.ndarray | None = None) -> float:
    """Area under the ROC curve by the Mann-Whitney formula, ties counted 1/2.

    C = (R1 - n1(n1+1)/2) / (n1·n0), R1 = sum of the mid-ranks of the outcome-1 rows
    (Hanley & McNeil 1982 Radiology 143:29). NaN when either group is empty. ``order``: the
    stable argsort of ``predicted``, when the caller has it (:func:`mid_ranks`).
    """
    y = np.asarray(outcome, dtype=float)
    p = np.asarray(predicted, dtype=float)
    n1 = float((y == 1).sum())
    n0 = float((y == 0).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = mid_ranks(p, order)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def calibration_table(
    outcome,
    predicted,
    groups: int = CALIBRATION_GROUPS,
    level: float = 0.95,
    order: np.ndarray | None = None,
) -> pd.DataFrame:
    """Observed against expected by groups (deciles) of predicted risk.

    Courses sorted by predicted probability (stable order on ties) and cut into ``groups``
    groups of equal size (sizes differ by at most one), as in the Hosmer-Lemeshow table
    (Hosmer & Lemeshow 2000, s.5.2.2). Columns: group (1 = lowest risk), n, observed,
    expected (Σ predicted), observed_rate, expected_rate, predicted_min, predicted_max and the
    Wilson interval of the observed rate ``observed_ci_lower_95`` / ``..._upper_95``.
    ``order``: the stable argsort of ``predicted``, when the caller has it.
    """
    y = np.asarray(outcome, dtype=float)
    p = np.asarray(predicted, dtype=float)
    order = np.argsort(p, kind="stable") if order is None else order
    group = np.empty(p.size, dtype=int)
    group[order] = np.arange(p.size) * groups // max(p.size, 1) + 1
    table = (
        pd.DataFrame({"group": group, "y": y, "p": p})
        .groupby("group")
        .agg(
            n=("y", "size"),
            observed=("y", "sum"),
            expected=("p", "sum"),
            predicted_min=("p", "min"),
            predicted_max=("p", "max"),
        )
        .reset_index()
    )
    table["observed_rate"] = table["observed"] / table["n"]
    table["expected_rate"] = table["expected"] / table["n"]
    lower, upper = wilson_interval(table["observed"], table["n"], level)
    sfx = level_suffix(level)
    table[f"observed_ci_lower_{sfx}"] = lower
    table[f"observed_ci_upper_{sfx}"] = upper
    return table[
        [
            "group",
            "n",
            "observed",
            "expected",
            "observed_rate",
            "expected_rate",
            "predicted_min",
            "predicted_max",
            f"observed_ci_lower_{sfx}",
            f"observed_ci_upper_{sfx}",
        ]
    ]


# --- the case-mix model -------------------------------------------------------------------

# From this many courses the model is fitted by Newton's method on the normal equations
# (:func:`fit_logistic_newton`) rather than statsmodels' IRLS, whose least-squares steps on
# the whole design (an SVD per iteration) took 30 s at 700,000 courses. Below it, nothing
# changes (every fixture and the 6,000-course clinic).
NEWTON_FROM = 50_000


@dataclass(frozen=True)
class CasemixModel:
    """A fitted case-mix model with its discrimination and calibration.

    ``result`` is the statsmodels GLM result (``params``, ``bse``, ``summary()``), or from
    :data:`NEWTON_FROM` courses a :class:`LogisticFit` (``params``, ``bse``);
    ``c_statistic`` and ``calibration`` are computed on the fitting courses (apparent
    performance, not validated on new data). ``covariates`` are those asked for,
    ``covariates_used`` those in the model, ``covariates_dropped`` the others with the reason
    (:func:`queries.stats.design.choose_covariates`).
    """

    result: GLMResults | LogisticFit
    spec: DesignSpec
    outcome: str
    covariates: tuple[str, ...]
    covariates_used: tuple[str, ...]
    covariates_dropped: Mapping[str, str]
    n: int
    n_events: int
    dropped_terms: tuple[str, ...]  # aliased design columns left out (see aliased_columns)
    c_statistic: float
    calibration: pd.DataFrame = field(repr=False)

    @property
    def params(self) -> pd.Series:
        """Coefficients on the logit scale, by design column."""
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
            "adjusted_odds_ratios for associations."
        )


def fit_casemix(
    frame: pd.DataFrame,
    outcome: str = DEFAULT_OUTCOME,
    covariates: Sequence[str] = CASEMIX_COVARIATES,
    reference_levels: Mapping[str, str] | None = None,
) -> CasemixModel:
    """Fit the case-mix logistic model (indirect standardisation, methods.md section 4).

    Courses with a missing outcome (no follow-up) are left out; pass the eligible courses.
    Covariates these courses lack are dropped (:func:`queries.stats.design.choose_covariates`;
    with none left the model is the intercept alone: E = the pooled rate for every course).
    Raises :class:`CasemixSpecificationError` for provider/rehab/session covariates.
    """
    return fit_casemix_predicting(frame, outcome, covariates, reference_levels)[0]


def _frame(values: np.ndarray, spec: DesignSpec) -> pd.DataFrame:
    """The design values as a frame with the spec's column names, not copied."""
    return pd.DataFrame(values, columns=list(spec.columns), copy=False)


def dummy_blocks(spec: DesignSpec) -> list[list[int]]:
    """Each categorical covariate's dummy columns, by position in the design."""
    at = {column: j for j, column in enumerate(spec.columns)}
    blocks = [
        [at[f"{n}[{lv}]"] for lv in lvs[1:] if f"{n}[{lv}]" in at]
        for n, lvs in spec.categorical.items()
    ]
    return [block for block in blocks if block]


def _probability(x: pd.DataFrame, params: pd.Series) -> np.ndarray:
    """1 / (1 + exp(-x b)): each row's predicted probability."""
    return 1.0 / (1.0 + np.exp(-(x.to_numpy() @ params.to_numpy())))


def fit_casemix_predicting(
    frame: pd.DataFrame,
    outcome: str = DEFAULT_OUTCOME,
    covariates: Sequence[str] = CASEMIX_COVARIATES,
    reference_levels: Mapping[str, str] | None = None,
) -> tuple[CasemixModel, np.ndarray]:
    """:func:`fit_casemix` and each fitting course's predicted probability (the rows of
    ``frame`` with an outcome, in order): the design matrix is built once, and the model
    keeps no per-course array (``result.remove_data()``), so a cached model stays small
    however many courses it was fitted on."""
    covariates = tuple(covariates)
    check_casemix_covariates(covariates)
    rows = outcome_rows(frame, outcome)
    y = outcome_values(rows, outcome)
    choice = choose_covariates(rows, covariates)
    refs = {k: v for k, v in (reference_levels or {}).items() if k in choice.used}
    spec = design_spec(rows, choice.used, refs)
    x = _frame(design_array(rows, spec), spec)
    large = y.size >= NEWTON_FROM  # X'X and X'WX summed per pattern of dummies
    coded = CodedDesign.of(x, dummy_blocks(spec)) if large else None
    spec, dropped = identifiable_design(
        spec, x, gram=None if coded is None else coded.cross_product()
    )
    if dropped:
        x = _frame(np.asfortranarray(x[list(spec.columns)].to_numpy()), spec)
        coded = CodedDesign.of(x, dummy_blocks(spec)) if large else None
    result: GLMResults | LogisticFit
    if large:
        result = fit_logistic_newton(y, x, coded=coded)
        fitted = predicted = _probability(x, result.params)
    else:
        result = fit_logistic(y, x)
        fitted = np.asarray(result.fittedvalues, dtype=float)
        predicted = _probability(x, result.params)
        result.bse  # noqa: B018 (computed before the data go: remove_data keeps the cache)
        result.remove_data()
    del x
    by_risk = np.argsort(np.asarray(fitted, dtype=float), kind="stable")  # one sort for both
    model = CasemixModel(
        result=result,
        spec=spec,
        outcome=outcome,
        covariates=covariates,
        covariates_used=choice.used,
        covariates_dropped=dict(choice.dropped),
        n=int(y.size),
        n_events=int(y.sum()),
        dropped_terms=tuple(dropped),
        c_statistic=c_statistic(y, fitted, by_risk),
        calibration=calibration_table(y, fitted, order=by_risk),
    )
    return model, predicted


def expected_by_unit(
    frame: pd.DataFrame, model: CasemixModel, unit: str = "provider_id"
) -> pd.DataFrame:
    """Observed and case-mix expected responders per unit (indirect standardisation).

    E = Σ predicted probabilities of the unit's courses (rows with an outcome), O/E, and
    adjusted rate = O/E × pooled rate (pooled = ΣO / Σn over all rows given). Columns:
    unit_id, n, observed, expected, oe_ratio, adjusted_rate — the input of the ratio funnel
    :func:`queries.stats.funnel.funnel`.
    """
    rows = outcome_rows(frame, model.outcome)
    y = outcome_values(rows, model.outcome)
    per_course = pd.DataFrame(
        {"unit_id": rows[unit].to_numpy(), "n": 1, "observed": y, "expected": model.predict(rows)}
    )
    out = (
        per_course.groupby("unit_id", sort=True)
        .agg(n=("n", "sum"), observed=("observed", "sum"), expected=("expected", "sum"))
        .reset_index()
    )
    pooled = float(y.sum() / y.size)
    out["oe_ratio"] = out["observed"] / out["expected"]
    out["adjusted_rate"] = out["oe_ratio"] * pooled
    return out


def covariate_words(name: str) -> str:
    """A case-mix covariate in a sentence's words (the factor registry's, where it has one)."""
    if name in _COVARIATE_WORDS:
        return _COVARIATE_WORDS[name]
    try:
        return factor(name).words
    except ValueError:
        return name.replace("_", " ")


def _listed(words: Sequence[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def covariate_sentence(model: CasemixModel) -> str:
    """One sentence saying what the expected counts allow for (methods.md section 4: "the
    page says which were used"), e.g. "Expected responders allow for degeneration severity,
    baseline pain (NRS), age band, sex, indication and route; not for months of symptoms
    (not recorded in this extract)." With nothing used, it says that the adjusted comparison
    equals the crude one."""
    dropped = [f"{covariate_words(n)} ({why})" for n, why in model.covariates_dropped.items()]
    if not model.covariates_used:
        return (
            f"No case-mix factor can be allowed for in these courses: {_listed(dropped)}. "
            "The expected count is the clinic rate for every course, so the adjusted "
            "comparison equals the crude one."
        )
    used = _listed([covariate_words(n) for n in model.covariates_used])
    if not dropped:
        return f"Expected responders allow for {used}."
    return f"Expected responders allow for {used}; not for {_listed(dropped, 'or')}."
