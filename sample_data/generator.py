"""The synthetic clinic: de-identified treatment courses with documented planted effects.

``generate_clinic(n_courses, seed)`` builds the four contract tables (courses, sessions,
assessments, adverse_events; ../shared/docs/data-contract.md) for a made-up clinic of
9 providers over 3 sites, with true effects planted on purpose so the analytics can be
checked against a known answer (sample_data/README.md lists every planted effect and its size;
``PlantedTruth`` carries the same numbers for tests).

The causal story, in the order it is simulated (all vectorised numpy, one
``numpy.random.default_rng(seed)`` stream, so the same seed gives the same tables):

1. case mix: provider (one with a harder case mix, one truly worse, one small), indication,
   route, severity, age, baseline pain, symptom months;
2. care choices: planned sessions and spacing, rehab referral (younger and less severe
   patients are referred to supervised PT more often: confounded on purpose), lifestyle
   support, expectations screen, screening (contraindications, G6PD);
3. early reaction: a post-injection flare in the first days after session 1;
4. adherence: patients with a flare, more so with unrealistic expectations, often stop after
   1-2 sessions (methods.md section 2: adherence is partly caused by early response);
5. response: a logistic model of being a responder on all of the above (the planted effects);
6. trajectories: responders improve 40-80 % by week 8-12, non-responders 0-20 %; the 12-week
   score is built so the methods.md section 1 responder definition recovers the latent
   responder exactly; responders without rehab lose their response by week 26/52 more often;
7. follow-up: missed visits, a 12-week window missed more often by non-responders, loss after
   week 12, escalation to surgery (end-stage most often) that ends follow-up;
8. safety: mild/moderate events per session, rare serious ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from queries.data.contract import (
    ADHERENCE_CLASSES,
    AGE_BANDS,
    CONTRAINDICATIONS,
    EVENTS,
    EXPECTATIONS,
    FILE_BY_NAME,
    INDICATIONS,
    INSTRUMENTS,
    REHAB,
    ROUTES,
    SERIOUSNESS,
    SEXES,
    SYNTHETIC_MANIFEST,
)

MANIFEST_NAME = SYNTHETIC_MANIFEST
GENERATOR_NAME = "ozone-outcomes synthetic clinic"
GENERATOR_VERSION = 1
DEFAULT_SEED = 20261125

# --- The contract's columns and values come from the one contract module --------------------
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: FILE_BY_NAME[name].column_names
    for name in ("courses", "sessions", "assessments", "adverse_events")
}
COURSE_COLUMNS = TABLE_COLUMNS["courses"]
SESSION_COLUMNS = TABLE_COLUMNS["sessions"]
ASSESSMENT_COLUMNS = TABLE_COLUMNS["assessments"]
ADVERSE_EVENT_COLUMNS = TABLE_COLUMNS["adverse_events"]
SEVERITY_CLASSES = ("none", "mild", "moderate", "severe", "end_stage")  # latent, all known

# --- Clinic layout ----------------------------------------------------------------------
SITE_IDS = ("site_a", "site_b", "site_c")
PROVIDER_IDS = tuple(f"prov_{i:02d}" for i in range(1, 10))
SMALL_PROVIDER_COURSES = 14  # fixed, whatever n_courses (fewer when n_courses < 280)
# Share of the remaining courses: [hard case mix, worse, six ordinary providers].
ROLE_WEIGHTS = (0.14, 0.12, 0.17, 0.15, 0.13, 0.11, 0.10, 0.08)
PROVIDER_RANDOM_EFFECT_SD = 0.15
WORSE_PROVIDER_EFFECT = -1.1
START_YEARS = tuple(range(2019, 2026))
START_YEAR_WEIGHTS = (0.09, 0.10, 0.12, 0.14, 0.16, 0.19, 0.20)
MISSING_QUARTER_SHARE = 0.01
PRICE_PER_SESSION_BY_SITE = (120.0, 95.0, 150.0)

# --- Case mix ---------------------------------------------------------------------------
INDICATION_WEIGHTS = (0.33, 0.10, 0.10, 0.15, 0.15, 0.07, 0.07, 0.03)
# P(route | indication); rows follow INDICATIONS, columns ROUTES.
ROUTE_BY_INDICATION = np.array([
    [0.90, 0.07, 0, 0, 0, 0.03, 0, 0],            # knee_oa
    [0.92, 0.05, 0, 0, 0, 0.03, 0, 0],            # hip_oa
    [0.70, 0.30, 0, 0, 0, 0, 0, 0],               # shoulder
    [0, 0, 0.62, 0.35, 0, 0.03, 0, 0],            # lumbar_disc_herniation
    [0, 0, 0.68, 0, 0.29, 0.03, 0, 0],            # low_back_pain
    [0, 0, 0.60, 0, 0.40, 0, 0, 0],               # neck_pain
    [0, 0.80, 0, 0, 0.20, 0, 0, 0],               # tendinopathy
    [0, 0, 0, 0, 0.15, 0.40, 0.25, 0.20],         # other
])
SYSTEMIC_ROUTES = ("major_autohemotherapy", "rectal_insufflation", "topical")
# Severity scale by indication: KL for knee/hip OA, Pfirrmann for the spine, clinician otherwise.
SCALE_BY_INDICATION = ("kl", "kl", "clinician", "pfirrmann", "pfirrmann", "pfirrmann",
                       "clinician", "clinician")
# P(latent severity class) by scale group; columns follow SEVERITY_CLASSES.
SEVERITY_WEIGHTS = {
    "kl": (0.08, 0.22, 0.35, 0.22, 0.13),
    "pfirrmann": (0.05, 0.25, 0.40, 0.20, 0.10),
    "clinician": (0.00, 0.35, 0.40, 0.18, 0.07),
}
HARD_CASE_SEVERITY_WEIGHTS = {
    "kl": (0.02, 0.08, 0.27, 0.33, 0.30),
    "pfirrmann": (0.02, 0.10, 0.30, 0.33, 0.25),
    "clinician": (0.00, 0.15, 0.35, 0.30, 0.20),
}
HARD_CASE_OLDER_SHARE = 0.5        # share of its courses moved one age band up
HARD_CASE_BASELINE_SHIFT = 0.9     # NRS points added to its baseline mean
UNKNOWN_GRADE_SHARE = 0.04         # grade hidden (scale none or empty grade): severity unknown
END_STAGE_FLAG_MISSING_SHARE = 0.05  # end_stage left empty where the grade does not need it
# P(age band | indication group); columns follow AGE_BANDS.
AGE_WEIGHTS_OA = (0.00, 0.01, 0.06, 0.25, 0.34, 0.25, 0.08, 0.01)
AGE_WEIGHTS_SPINE = (0.05, 0.15, 0.25, 0.25, 0.17, 0.10, 0.03, 0.00)
AGE_WEIGHTS_OTHER = (0.06, 0.12, 0.20, 0.24, 0.20, 0.13, 0.05, 0.00)
BASELINE_MEAN, BASELINE_SD = 6.4, 1.6
BASELINE_SHIFT_BY_SEVERITY = (-0.4, -0.2, 0.0, 0.3, 0.6)
LOW_BASELINE_SHARE = 0.04          # baseline NRS 0-2: "low baseline", not eligible
MISSING_BASELINE_SHARE = 0.03      # no NRS at day <= 0: "no baseline"
TWO_BASELINES_SHARE = 0.04         # an earlier screening value too; the latest counts

# --- Care choices -----------------------------------------------------------------------
PLANNED_SESSIONS_VALUES = (1, 2, 3, 4, 5, 6, 8, 10)
PLANNED_SESSIONS_WEIGHTS = (0.05, 0.05, 0.17, 0.26, 0.19, 0.19, 0.05, 0.04)
SYSTEMIC_PLANNED_VALUES = (6, 8, 10, 12, 15)
WEEKLY_SHARE = 0.65                # otherwise biweekly; systemic routes twice a week
REHAB_WEIGHTS = (0.35, 0.40, 0.25)  # none, home_program, supervised_pt at age 50-59, moderate
SUPERVISED_PT_LOGIT_BY_AGE = (0.4, 0.4, 0.2, 0.0, -0.2, -0.5, -0.8, -1.0)
SUPERVISED_PT_LOGIT_BY_SEVERITY = (0.2, 0.2, 0.0, -0.3, -0.6)
LIFESTYLE_SHARE = 0.30
EXPECTATIONS_WEIGHTS = (0.55, 0.25, 0.20)
OVERTRAINING_SHARE, OVERTRAINING_MISSING = 0.09, 0.22
ANTIOXIDANTS_SHARE, ANTIOXIDANTS_MISSING = 0.07, 0.25
CONTRAINDICATION_WEIGHTS = (0.9828, 0.0010, 0.0004, 0.0010, 0.0012, 0.0006, 0.0130)
G6PD_TESTED_SHARE = {"injection": 0.85, "systemic": 0.97}
G6PD_TESTED_MISSING = 0.03

# --- Early reaction and adherence -------------------------------------------------------
FLARE_PROB = {"intra_articular": 0.30, "other": 0.20}
FLARE_EVENT_RECORDED = 0.60        # flares written down as a post_injection_flare event
QUIT_AFTER_FLARE = {"realistic": 0.30, "unrealistic": 0.55, "unknown": 0.40}
QUIT_EARLY_WITHOUT_FLARE = 0.07    # stop after 1-2 sessions for other reasons
QUIT_AFTER_FIRST_SHARE = 0.65      # of early quitters with >= 3 planned: after session 1
LATER_DROPOUT = 0.12               # stop at session 3..planned-1 (partial)
NOT_STARTED_SHARE = 0.015

# --- Response model (the planted effects) ------------------------------------------------
# True responder probability at the reference course, and one factor changed at a time.
# Reference: moderate severity, full protocol, no rehab, no lifestyle support, realistic
# expectations, no overtraining, no early antioxidants, no early flare, age 50-59,
# baseline NRS 6, knee OA intra-articular, a provider with effect 0.
REFERENCE_RESPONSE_PROB = 0.55
REFERENCE_PROFILE = {
    "severity_class": "moderate", "adherence_class": "full_protocol", "rehab": "none",
    "lifestyle_support": "false", "expectations": "realistic",
    "overtraining_reported": "false", "early_antioxidants_reported": "false",
    "early_flare": "false", "age_band": "50-59", "baseline_nrs": "6", "indication": "knee_oa",
    "route": "intra_articular", "provider_effect": "0",
}
PROB_BY_SEVERITY = {"none": 0.62, "mild": 0.60, "moderate": 0.55, "severe": 0.38,
                    "end_stage": 0.20}
PROB_BY_ADHERENCE = {"one_and_done": 0.22, "partial": 0.42, "full_protocol": 0.55}
PROB_BY_REHAB = {"none": 0.55, "home_program": 0.62, "supervised_pt": 0.70}
PROB_BY_LIFESTYLE = {False: 0.55, True: 0.64}
PROB_BY_EXPECTATIONS = {"realistic": 0.55, "unrealistic": 0.38, "unknown": 0.50}
PROB_BY_OVERTRAINING = {False: 0.55, True: 0.40}
PROB_BY_ANTIOXIDANTS = {False: 0.55, True: 0.42}
PROB_BY_FLARE = {False: 0.55, True: 0.42}
# Case-mix covariates (in the adjustment model), as logit shifts.
LOGIT_BY_AGE = (0.10, 0.10, 0.05, 0.0, -0.05, -0.15, -0.25, -0.30)
LOGIT_PER_BASELINE_POINT = -0.06   # per NRS point above 6
LOGIT_BY_INDICATION = (0.0, -0.10, 0.0, 0.10, -0.10, 0.0, 0.05, -0.30)
LOGIT_SYSTEMIC_ROUTE = -0.30
RESPONDER_IMPROVEMENT = (0.40, 0.80)      # fraction of baseline by week 8-12, uniform
NON_RESPONDER_IMPROVEMENT = (0.00, 0.20)
# Share of the final improvement reached at each visit week (before waning).
VISIT_WEEKS = (0, 1, 2, 3, 4, 6, 8, 12, 26, 52)
RAMP = (0.0, 0.05, 0.15, 0.30, 0.55, 0.80, 0.92, 1.0, 1.0, 1.0)

# --- Durability, escalation, follow-up --------------------------------------------------
WANE_BY_WEEK_52 = {"none": 0.45, "home_program": 0.25, "supervised_pt": 0.12}
WANE_BY_WEEK_26_SHARE = 0.5        # of those who wane, lost by week 26 (else by week 52)
WANED_KEEPS = 0.2                  # share of the improvement kept after waning
ESCALATION_BY_SEVERITY = {"none": 0.01, "mild": 0.02, "moderate": 0.04, "severe": 0.10,
                          "end_stage": 0.25}
ESCALATION_DURABLE_RESPONDER_FACTOR = 0.4
ESCALATION_DELAY_DAYS = (30, 180)  # after the last session: fixed + exponential mean
MISSING_PRIMARY_WINDOW = {"responder": 0.08, "non_responder": 0.25}
LATE_VISIT_SHARE = 0.2             # of window-missers: the 12-week visit came at day 113-130
VISIT_MISSED = 0.20                # weeks 1-8, each
LOST_BEFORE_26 = 0.15
LOST_BEFORE_52 = 0.15              # of those still followed at week 26

# --- Safety -------------------------------------------------------------------------------
# Mild/moderate events per session (independent draws); swelling is commoner intra-articular.
EVENT_RATE_PER_SESSION = {"swelling": 0.020, "soreness": 0.030, "fatigue": 0.010,
                          "headache": 0.006, "erythema": 0.004, "vasovagal": 0.002,
                          "other": 0.002}
SWELLING_RATE_INTRA_ARTICULAR = 0.040
MODERATE_SHARE = 0.25              # of mild/moderate events
SERIOUS_RATE_PER_SESSION = 0.0005  # about 1 per 2000 sessions
SERIOUS_EVENT_WEIGHTS = {"infection": 0.55, "vasovagal": 0.30, "other": 0.15}
SESSION_NUMBER_MISSING = 0.03      # events recorded without the session they followed


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _effects(probs: dict, reference) -> dict:
    base = _logit(probs[reference])
    return {k: round(_logit(v) - base, 6) for k, v in probs.items()}


INTERCEPT = _logit(REFERENCE_RESPONSE_PROB)
LOGIT_SEVERITY = _effects(PROB_BY_SEVERITY, "moderate")
LOGIT_ADHERENCE = _effects(PROB_BY_ADHERENCE, "full_protocol")
LOGIT_REHAB = _effects(PROB_BY_REHAB, "none")
LOGIT_LIFESTYLE = _effects(PROB_BY_LIFESTYLE, False)
LOGIT_EXPECTATIONS = _effects(PROB_BY_EXPECTATIONS, "realistic")
LOGIT_OVERTRAINING = _effects(PROB_BY_OVERTRAINING, False)
LOGIT_ANTIOXIDANTS = _effects(PROB_BY_ANTIOXIDANTS, False)
LOGIT_FLARE = _effects(PROB_BY_FLARE, False)


@dataclass(frozen=True)
class PlantedTruth:
    """The effects planted in a synthetic clinic, for tests to read instead of names.

    Probabilities are true responder probabilities (methods.md section 1 definition) with one
    factor changed and everything else at the reference course (``reference_profile``).
    Crude rates in the data differ from them: other factors are mixed in, adherence and
    rehab are confounded on purpose, and complete-case rates are inflated by the missing
    follow-up that is commoner among non-responders. sample_data/README.md explains each.
    """

    hard_case_mix_provider_id: str
    worse_provider_id: str
    small_provider_id: str
    provider_ids: tuple[str, ...]
    response_prob_by_severity: dict[str, float]
    response_prob_by_adherence: dict[str, float]
    response_prob_by_rehab: dict[str, float]
    response_prob_by_lifestyle_support: dict[bool, float]
    response_prob_by_expectations: dict[str, float]
    response_prob_by_overtraining: dict[bool, float]
    response_prob_by_early_antioxidants: dict[bool, float]
    response_prob_by_early_flare: dict[bool, float]
    reference_response_prob: float
    reference_profile: dict[str, str]
    provider_site: dict[str, str]
    provider_logit_effects: dict[str, float]
    site_ids: tuple[str, ...]
    small_provider_courses: int
    # Logit shifts of the case-mix covariates (the adjustment model's terms).
    logit_by_age_band: dict[str, float]
    logit_per_baseline_point_above_6: float
    logit_by_indication: dict[str, float]
    logit_systemic_route: float
    # Early flare and quitting.
    early_flare_prob_by_route: dict[str, float]
    flare_event_recorded_prob: float
    quit_after_flare_prob_by_expectations: dict[str, float]
    quit_early_prob_without_flare: float
    # Trajectories and durability.
    responder_improvement: tuple[float, float]
    non_responder_improvement: tuple[float, float]
    wane_by_week_52_prob_by_rehab: dict[str, float]
    escalation_prob_by_severity: dict[str, float]
    escalation_durable_responder_factor: float
    missing_primary_followup_prob: dict[str, float]
    # Safety and screening.
    serious_event_rate_per_session: float
    event_rate_per_session: dict[str, float]
    not_screened_share: float
    contraindicated_share: float
    g6pd_tested_share: dict[str, float]
    not_started_share: float

    def response_prob(self, **levels) -> float:
        """True responder probability of a course: reference profile with ``levels`` changed.

        Keywords: severity_class, adherence_class, rehab, lifestyle_support, expectations,
        overtraining_reported, early_antioxidants_reported, early_flare (bools as bools),
        age_band, baseline_nrs, indication, route, provider_id.
        """
        x = INTERCEPT
        x += LOGIT_SEVERITY[levels.pop("severity_class", "moderate")]
        x += LOGIT_ADHERENCE[levels.pop("adherence_class", "full_protocol")]
        x += LOGIT_REHAB[levels.pop("rehab", "none")]
        x += LOGIT_LIFESTYLE[bool(levels.pop("lifestyle_support", False))]
        x += LOGIT_EXPECTATIONS[levels.pop("expectations", "realistic")]
        x += LOGIT_OVERTRAINING[bool(levels.pop("overtraining_reported", False))]
        x += LOGIT_ANTIOXIDANTS[bool(levels.pop("early_antioxidants_reported", False))]
        x += LOGIT_FLARE[bool(levels.pop("early_flare", False))]
        x += self.logit_by_age_band[levels.pop("age_band", "50-59")]
        x += self.logit_per_baseline_point_above_6 * (float(levels.pop("baseline_nrs", 6)) - 6)
        x += self.logit_by_indication[levels.pop("indication", "knee_oa")]
        if levels.pop("route", "intra_articular") in SYSTEMIC_ROUTES:
            x += self.logit_systemic_route
        provider = levels.pop("provider_id", None)
        if provider is not None:
            x += self.provider_logit_effects[provider]
        if levels:
            raise TypeError(f"unknown factor(s): {', '.join(sorted(levels))}")
        return float(1.0 / (1.0 + np.exp(-x)))


@dataclass(frozen=True)
class SyntheticClinic:
    """A generated clinic: the four contract tables, the planted truth and how it was made.

    ``latent`` (one row per course, not part of the contract and never written) holds the
    simulated true state: latent severity class, early flare, responder probability and
    status, waning, window misses. Tests use it to check that the analytics recover it.
    """

    tables: dict[str, pd.DataFrame]
    truth: PlantedTruth
    seed: int
    n_courses: int
    latent: pd.DataFrame | None = field(default=None, repr=False, compare=False)


# ---------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------
def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of a (n, k) matrix of probabilities (rows sum to 1)."""
    probs = np.asarray(probs, dtype=float)
    cum = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(probs.shape[0])
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _draw(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return np.minimum(np.searchsorted(np.cumsum(w) / w.sum(), rng.random(n), side="right"),
                      len(w) - 1)


def _labels(levels, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text column from integer codes (an Arrow take: fast for millions of rows)."""
    return pd.Series(pd.array(list(levels), dtype="str")).take(codes).array


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def _bool_with_missing(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    out = pd.array(values.astype(bool), dtype="boolean")
    out[missing] = pd.NA
    return out


def _int_with_missing(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int64), missing.astype(bool))


# ---------------------------------------------------------------------------------------
# The simulation, step by step
# ---------------------------------------------------------------------------------------
def _assign_roles(rng: np.random.Generator) -> dict[str, object]:
    """Which provider plays which role, and their sites and random effects (seed-dependent)."""
    order = rng.permutation(len(PROVIDER_IDS))
    ids = [PROVIDER_IDS[i] for i in order]
    hard, worse, small, ordinary = ids[0], ids[1], ids[2], ids[3:]
    site_of = {pid: SITE_IDS[i % len(SITE_IDS)] for i, pid in enumerate(PROVIDER_IDS)}
    random_effects = np.round(rng.normal(0.0, PROVIDER_RANDOM_EFFECT_SD, len(ordinary) + 1), 3)
    effects = {hard: 0.0, worse: WORSE_PROVIDER_EFFECT, small: float(random_effects[-1])}
    effects.update({pid: float(e) for pid, e in zip(ordinary, random_effects[:-1])})
    return {"hard": hard, "worse": worse, "small": small, "ordinary": ordinary,
            "site_of": site_of, "effects": {p: effects[p] for p in PROVIDER_IDS}}


def _draw_case_mix(rng: np.random.Generator, n: int, roles: dict) -> dict[str, np.ndarray]:
    """Provider, site, start period, indication, route, severity, age, sex, baseline pain."""
    n_small = min(SMALL_PROVIDER_COURSES, n // 20)
    by_role = [roles["hard"], roles["worse"], *roles["ordinary"]]
    provider_slot = _draw(rng, n, ROLE_WEIGHTS)
    provider = np.array(by_role, dtype=object)[provider_slot]
    provider[rng.permutation(n)[:n_small]] = roles["small"]
    is_hard = provider == roles["hard"]
    provider_idx = np.array([PROVIDER_IDS.index(p) for p in by_role])[provider_slot]
    provider_idx[provider == roles["small"]] = PROVIDER_IDS.index(roles["small"])
    site_idx = np.array([SITE_IDS.index(roles["site_of"][p]) for p in PROVIDER_IDS])[provider_idx]

    start_year = np.array(START_YEARS)[_draw(rng, n, START_YEAR_WEIGHTS)]
    start_quarter = rng.integers(1, 5, n)
    quarter_missing = rng.random(n) < MISSING_QUARTER_SHARE

    indication = _draw(rng, n, INDICATION_WEIGHTS)
    route = _categorical(rng, ROUTE_BY_INDICATION[indication])
    scale_group = np.array(SCALE_BY_INDICATION, dtype=object)[indication]

    severity = np.zeros(n, dtype=np.int64)
    for group in ("kl", "pfirrmann", "clinician"):
        in_group = scale_group == group
        table = np.array([SEVERITY_WEIGHTS[group], HARD_CASE_SEVERITY_WEIGHTS[group]])
        severity[in_group] = _categorical(rng, table[is_hard[in_group].astype(int)])

    age_table = np.array([AGE_WEIGHTS_OA, AGE_WEIGHTS_SPINE, AGE_WEIGHTS_OTHER])
    age_group = np.select([indication <= 1, (indication >= 3) & (indication <= 5)], [0, 1], 2)
    age = _categorical(rng, age_table[age_group])
    age = np.minimum(age + (is_hard & (rng.random(n) < HARD_CASE_OLDER_SHARE)), len(AGE_BANDS) - 1)
    female_share = np.where(indication <= 1, 0.62, 0.52)
    u_sex = rng.random(n)
    sex = np.select([u_sex < female_share, u_sex < 0.99], [0, 1], np.where(u_sex < 0.995, 2, 3))

    mean = (BASELINE_MEAN + np.array(BASELINE_SHIFT_BY_SEVERITY)[severity]
            + HARD_CASE_BASELINE_SHIFT * is_hard)
    baseline = np.clip(np.rint(rng.normal(mean, BASELINE_SD)), 3, 10).astype(np.int64)
    low = rng.random(n) < LOW_BASELINE_SHARE
    baseline[low] = rng.integers(0, 3, n)[low]
    symptom_months = np.clip(np.rint(rng.lognormal(np.log(np.where(indication <= 1, 30, 14)),
                                                    1.0, n)), 1, 600).astype(np.int64)
    symptom_missing = rng.random(n) < 0.05
    return {
        "provider_idx": provider_idx, "site_idx": site_idx, "is_hard": is_hard,
        "start_year": start_year, "start_quarter": start_quarter,
        "quarter_missing": quarter_missing, "indication": indication, "route": route,
        "scale_group": scale_group, "severity": severity, "age": age, "sex": sex,
        "baseline": baseline, "symptom_months": symptom_months,
        "symptom_missing": symptom_missing,
    }


def _severity_columns(rng: np.random.Generator, cm: dict) -> dict[str, object]:
    """Scale, grade and end_stage flag from the latent class; a few grades hidden."""
    n = len(cm["severity"])
    sev, group = cm["severity"], cm["scale_group"]
    kl_grade = np.array(["0", "2", "3", "4", "4"], dtype=object)[sev]
    kl_grade[(sev == 0) & (rng.random(n) < 0.5)] = "1"
    pf_grade = np.array(["I", "II", "III", "IV", "V"], dtype=object)[sev]
    pf_iv_end = (sev == 4) & (rng.random(n) < 0.3)          # Pfirrmann IV flagged end-stage
    pf_grade[pf_iv_end] = "IV"
    cl_grade = np.array(["mild", "mild", "moderate", "severe", "end_stage"], dtype=object)[sev]
    grade = np.select([group == "kl", group == "pfirrmann"], [kl_grade, pf_grade], cl_grade)
    scale = group.copy()
    end_stage = sev == 4
    # end_stage is left empty now and then, never where it decides the class (KL 4 / IV).
    needs_flag = np.isin(grade, ["4", "IV"])
    flag_missing = (~needs_flag) & (rng.random(n) < END_STAGE_FLAG_MISSING_SHARE)
    hidden = rng.random(n) < UNKNOWN_GRADE_SHARE
    scale_none = hidden & (rng.random(n) < 0.5)
    scale[scale_none] = "none"
    grade = grade.astype(object)
    grade[hidden] = None
    flag_missing |= hidden
    return {"severity_scale": scale, "severity_grade": grade, "end_stage": end_stage,
            "end_stage_missing": flag_missing, "grade_hidden": hidden}


def _draw_care(rng: np.random.Generator, cm: dict) -> dict[str, np.ndarray]:
    """Planned sessions, spacing, rehab, lifestyle, expectations, behaviours, screening."""
    n = len(cm["severity"])
    systemic = np.isin(np.array(ROUTES, dtype=object)[cm["route"]], SYSTEMIC_ROUTES)
    planned = np.array(PLANNED_SESSIONS_VALUES)[_draw(rng, n, PLANNED_SESSIONS_WEIGHTS)]
    planned_systemic = np.array(SYSTEMIC_PLANNED_VALUES)[_draw(rng, n, (2, 3, 3, 1, 1))]
    planned = np.where(systemic, planned_systemic, planned)
    spacing = np.where(systemic, 3, np.where(rng.random(n) < WEEKLY_SHARE, 7, 14))

    # Rehab referral: younger and less severe patients go to supervised PT more often.
    w_none, w_home, w_pt = REHAB_WEIGHTS
    pt_logit = (np.log(w_pt / (w_none + w_home))
                + np.array(SUPERVISED_PT_LOGIT_BY_AGE)[cm["age"]]
                + np.array(SUPERVISED_PT_LOGIT_BY_SEVERITY)[cm["severity"]])
    p_pt = 1.0 / (1.0 + np.exp(-pt_logit))
    p_home = (1.0 - p_pt) * w_home / (w_none + w_home)
    rehab = _categorical(rng, np.column_stack([1.0 - p_pt - p_home, p_home, p_pt]))

    lifestyle = rng.random(n) < LIFESTYLE_SHARE
    expectations = _draw(rng, n, EXPECTATIONS_WEIGHTS)
    overtraining = rng.random(n) < OVERTRAINING_SHARE
    overtraining_missing = rng.random(n) < OVERTRAINING_MISSING
    antioxidants = rng.random(n) < ANTIOXIDANTS_SHARE
    antioxidants_missing = rng.random(n) < ANTIOXIDANTS_MISSING

    contra = _draw(rng, n, CONTRAINDICATION_WEIGHTS)
    pregnancy = CONTRAINDICATIONS.index("pregnancy")
    impossible = (contra == pregnancy) & ~((cm["sex"] == 0) & (cm["age"] <= 2))
    contra[impossible] = CONTRAINDICATIONS.index("other")
    tested_p = np.where(systemic, G6PD_TESTED_SHARE["systemic"], G6PD_TESTED_SHARE["injection"])
    g6pd_tested = rng.random(n) < tested_p
    g6pd_missing = rng.random(n) < G6PD_TESTED_MISSING
    g6pd_tested[contra == CONTRAINDICATIONS.index("g6pd_deficiency")] = True
    g6pd_missing[contra == CONTRAINDICATIONS.index("g6pd_deficiency")] = False
    g6pd_tested[contra == CONTRAINDICATIONS.index("not_screened")] = False
    g6pd_missing[contra == CONTRAINDICATIONS.index("not_screened")] = False
    return {
        "systemic": systemic, "planned": planned, "spacing": spacing, "rehab": rehab,
        "lifestyle": lifestyle, "expectations": expectations, "overtraining": overtraining,
        "overtraining_missing": overtraining_missing, "antioxidants": antioxidants,
        "antioxidants_missing": antioxidants_missing, "contraindication": contra,
        "g6pd_tested": g6pd_tested, "g6pd_missing": g6pd_missing,
    }


def _draw_adherence(rng: np.random.Generator, cm: dict, care: dict) -> dict[str, np.ndarray]:
    """Early flare, then sessions completed: a flare (worse with unrealistic hopes) -> quit."""
    n = len(cm["severity"])
    intra = cm["route"] == ROUTES.index("intra_articular")
    flare = rng.random(n) < np.where(intra, FLARE_PROB["intra_articular"], FLARE_PROB["other"])
    quit_p = np.where(flare, np.array([QUIT_AFTER_FLARE[e] for e in EXPECTATIONS])[
        care["expectations"]], QUIT_EARLY_WITHOUT_FLARE)
    planned = care["planned"]
    quit_early = (planned >= 2) & (rng.random(n) < quit_p)
    after_first = (planned == 2) | (rng.random(n) < QUIT_AFTER_FIRST_SHARE)
    completed = planned.copy()
    completed[quit_early] = np.where(after_first, 1, 2)[quit_early]
    later = (~quit_early) & (planned >= 4) & (rng.random(n) < LATER_DROPOUT)
    # stop at session 3..planned-1
    stop_at = 3 + np.floor(rng.random(n) * np.maximum(planned - 3, 1)).astype(np.int64)
    completed[later] = np.minimum(stop_at, planned - 1)[later]
    not_started = rng.random(n) < NOT_STARTED_SHARE
    completed[not_started] = 0
    adherence = np.select(
        [completed == 0, completed >= planned, completed == 1], [0, 3, 1], 2)
    return {"flare": flare & ~not_started, "quit_early": quit_early & ~not_started,
            "completed": completed, "adherence": adherence, "not_started": not_started}


def _response_logit(cm: dict, care: dict, adh: dict, provider_effects: np.ndarray) -> np.ndarray:
    """The planted logistic model of being a responder (see PlantedTruth.response_prob)."""
    sev = np.array([LOGIT_SEVERITY[c] for c in SEVERITY_CLASSES])[cm["severity"]]
    adherence_logit = np.array([0.0] + [LOGIT_ADHERENCE[c] for c in ADHERENCE_CLASSES[1:]])
    return (INTERCEPT + sev + adherence_logit[adh["adherence"]]
            + np.array([LOGIT_REHAB[r] for r in REHAB])[care["rehab"]]
            + LOGIT_LIFESTYLE[True] * care["lifestyle"]
            + np.array([LOGIT_EXPECTATIONS[e] for e in EXPECTATIONS])[care["expectations"]]
            + LOGIT_OVERTRAINING[True] * care["overtraining"]
            + LOGIT_ANTIOXIDANTS[True] * care["antioxidants"]
            + LOGIT_FLARE[True] * adh["flare"]
            + np.array(LOGIT_BY_AGE)[cm["age"]]
            + LOGIT_PER_BASELINE_POINT * (cm["baseline"] - 6)
            + np.array(LOGIT_BY_INDICATION)[cm["indication"]]
            + LOGIT_SYSTEMIC_ROUTE * care["systemic"]
            + provider_effects[cm["provider_idx"]])


def _draw_outcome(rng: np.random.Generator, cm: dict, care: dict, adh: dict,
                  provider_effects: np.ndarray) -> dict[str, np.ndarray]:
    """Responder status, improvement, waning, escalation and the follow-up pattern."""
    n = len(cm["severity"])
    logit = _response_logit(cm, care, adh, provider_effects)
    prob = np.where(adh["not_started"], 0.0, 1.0 / (1.0 + np.exp(-logit)))
    responder = rng.random(n) < prob
    lo_r, hi_r = RESPONDER_IMPROVEMENT
    lo_n, hi_n = NON_RESPONDER_IMPROVEMENT
    u = rng.random(n)
    improvement = np.where(responder, lo_r + (hi_r - lo_r) * u, lo_n + (hi_n - lo_n) * u)
    improvement[adh["not_started"]] = 0.0

    wane_p = np.array([WANE_BY_WEEK_52[r] for r in REHAB])[care["rehab"]]
    wanes = responder & (rng.random(n) < wane_p)
    wane_week = np.where(wanes, np.where(rng.random(n) < WANE_BY_WEEK_26_SHARE, 26, 52), 0)

    esc_p = np.array([ESCALATION_BY_SEVERITY[c] for c in SEVERITY_CLASSES])[cm["severity"]]
    esc_p = np.where(responder & ~wanes, esc_p * ESCALATION_DURABLE_RESPONDER_FACTOR, esc_p)
    escalates = (~adh["not_started"]) & (rng.random(n) < esc_p)
    last_day_estimate = (np.maximum(adh["completed"], 1) - 1) * (care["spacing"] + 2)
    delay = ESCALATION_DELAY_DAYS[0] + rng.exponential(ESCALATION_DELAY_DAYS[1], n)
    escalated_day = np.minimum(last_day_estimate + np.rint(delay), 729).astype(np.int64)

    miss_p = np.where(responder, MISSING_PRIMARY_WINDOW["responder"],
                      MISSING_PRIMARY_WINDOW["non_responder"])
    window_missing = adh["not_started"] | (rng.random(n) < miss_p)
    late_visit = window_missing & ~adh["not_started"] & (rng.random(n) < LATE_VISIT_SHARE)
    lost_26 = rng.random(n) < LOST_BEFORE_26
    lost_52 = lost_26 | (rng.random(n) < LOST_BEFORE_52)
    return {"logit": logit, "prob": prob, "responder": responder, "improvement": improvement,
            "wanes": wanes, "wane_week": wane_week, "escalates": escalates,
            "escalated_day": escalated_day, "window_missing": window_missing,
            "late_visit": late_visit, "lost_26": lost_26, "lost_52": lost_52}


def _build_sessions(rng: np.random.Generator, cm: dict, care: dict, adh: dict
                    ) -> dict[str, np.ndarray]:
    """One row per delivered session: numbering 1..k, day 0 first, strictly increasing days."""
    k = adh["completed"]
    total = int(k.sum())
    course = np.repeat(np.arange(len(k)), k)
    starts = np.cumsum(k) - k
    number = np.arange(total) - np.repeat(starts, k) + 1
    spacing = care["spacing"][course]
    jitter = np.where(spacing == 3, rng.integers(0, 2, total),
                      np.where(spacing == 7, rng.integers(-1, 3, total),
                               rng.integers(-2, 4, total)))
    gap = np.where(number == 1, 0, spacing + jitter)
    cum = np.cumsum(gap)
    day = cum - np.repeat(cum[starts[k > 0]], k[k > 0]) if total else cum

    route = cm["route"]
    # Concentration (ug/ml) and volume (ml) by route, fixed for a course.
    conc_lo = np.array([10, 10, 10, 25, 10, 20, 20, 40])[route]
    conc_hi = np.array([20, 20, 20, 40, 20, 40, 40, 80])[route]
    conc = np.rint(conc_lo + (conc_hi - conc_lo) * rng.random(len(route)))
    vol_lo = np.array([5, 3, 10, 3, 5, 100, 100, 50])[route]
    vol_hi = np.array([20, 10, 20, 10, 10, 200, 300, 300])[route]
    vol = np.round(vol_lo + (vol_hi - vol_lo) * rng.random(len(route)), 1)
    vol = np.where(vol >= 50, np.rint(vol / 10) * 10, vol)
    return {"course": course, "number": number, "day": day,
            "conc": conc[course], "vol": vol[course]}


def _escalation_after_last_session(escalated_day: np.ndarray, ses: dict, n: int
                                   ) -> np.ndarray:
    """Escalation comes at least two weeks after the last session (and by day 729)."""
    last_day = np.zeros(n, dtype=np.int64)
    last_day[ses["course"]] = ses["day"]  # rows are in session order: the last one wins
    return np.minimum(np.maximum(escalated_day, last_day + 14), 729).astype(np.int64)


def _build_adverse_events(rng: np.random.Generator, cm: dict, adh: dict, ses: dict
                          ) -> dict[str, np.ndarray]:
    """Flare events after session 1, mild/moderate events per session, rare serious events."""
    course, number, sday = ses["course"], ses["number"], ses["day"]
    total = len(course)
    intra = cm["route"][course] == ROUTES.index("intra_articular")
    names = list(EVENT_RATE_PER_SESSION)
    rates = np.tile(np.array([EVENT_RATE_PER_SESSION[e] for e in names]), (total, 1))
    rates[intra, names.index("swelling")] = SWELLING_RATE_INTRA_ARTICULAR
    hits = rng.random((total, len(names))) < rates
    row, col = np.nonzero(hits)
    ev_course, ev_number = course[row], number[row]
    ev_code = np.array([EVENTS.index(e) for e in names])[col]
    ev_serious = np.where(rng.random(len(row)) < MODERATE_SHARE, 1, 0)
    ev_day = sday[row] + rng.integers(0, 3, len(row))

    serious = np.nonzero(rng.random(total) < SERIOUS_RATE_PER_SESSION)[0]
    s_kind = np.array([EVENTS.index(e) for e in SERIOUS_EVENT_WEIGHTS])[
        _draw(rng, len(serious), list(SERIOUS_EVENT_WEIGHTS.values()))]
    s_day = sday[serious] + rng.integers(0, 8, len(serious))

    first = number == 1
    flare_recorded = first & adh["flare"][course] & (rng.random(total) < FLARE_EVENT_RECORDED)
    f_rows = np.nonzero(flare_recorded)[0]
    f_serious = np.where(rng.random(len(f_rows)) < 0.3, 1, 0)
    f_day = sday[f_rows] + rng.integers(0, 3, len(f_rows))

    out_course = np.concatenate([course[f_rows], ev_course, course[serious]])
    out_number = np.concatenate([number[f_rows], ev_number, number[serious]])
    out_day = np.concatenate([f_day, ev_day, s_day])
    out_event = np.concatenate([np.zeros(len(f_rows), dtype=np.int64), ev_code, s_kind])
    out_serious = np.concatenate([f_serious, ev_serious, np.full(len(serious), 2)])
    order = np.lexsort((out_event, out_day, out_number, out_course))
    number_missing = rng.random(len(order)) < SESSION_NUMBER_MISSING
    return {"course": out_course[order], "number": out_number[order], "day": out_day[order],
            "event": out_event[order], "seriousness": out_serious[order],
            "number_missing": number_missing}


def _visit_days(rng: np.random.Generator, n: int, out: dict) -> np.ndarray:
    """Planned visit days (n, 10) for weeks 0,1,2,3,4,6,8,12,26,52, a little jittered."""
    weeks = np.array(VISIT_WEEKS)
    half = np.array([0, 2, 1, 1, 2, 3, 3, 10, 14, 28])
    days = weeks * 7 + rng.integers(-half, half + 1, (n, len(weeks)))
    days[:, 0] = np.where(rng.random(n) < 0.75, 0, -rng.integers(1, 15, n))
    w12 = VISIT_WEEKS.index(12)
    # Some 12-week visits come later (still inside 56..112), a few too late (113..130).
    later = rng.random(n) < 0.05
    days[later, w12] = rng.integers(95, 113, n)[later]
    days[out["late_visit"], w12] = rng.integers(113, 131, n)[out["late_visit"]]
    return days


def _nrs_matrix(rng: np.random.Generator, cm: dict, adh: dict, out: dict) -> np.ndarray:
    """NRS pain at each visit week: ramp to the final improvement, flare at week 1, waning."""
    n = len(cm["baseline"])
    b = cm["baseline"].astype(float)
    ramp = np.array(RAMP)
    improvement = out["improvement"][:, None] * ramp[None, :]
    weeks = np.array(VISIT_WEEKS)[None, :]
    waned = out["wanes"][:, None] & (weeks >= out["wane_week"][:, None]) & (weeks >= 26)
    improvement = np.where(waned, out["improvement"][:, None] * WANED_KEEPS, improvement)
    score = np.rint(b[:, None] * (1.0 - improvement) + rng.normal(0, 0.6, (n, len(RAMP))))
    score = np.clip(score, 0, 10)
    score[:, 0] = b
    w1 = VISIT_WEEKS.index(1)
    flare_score = np.minimum(b + 1 + rng.integers(0, 2, n), 10)
    score[:, w1] = np.where(adh["flare"], flare_score, np.minimum(score[:, w1], b))

    # Responder definition (methods.md section 1): drop >= 2 and >= 30 % of baseline.
    threshold = np.clip(b - np.maximum(2, np.ceil(0.3 * b)), 0, None)[:, None]
    meets = out["responder"][:, None] & ~waned
    forced = (weeks >= 8)
    score = np.where(forced & meets, np.minimum(score, threshold), score)
    score = np.where(forced & ~meets, np.maximum(score, threshold + 1), score)
    return np.clip(score, 0, 10)


def _visit_present(rng: np.random.Generator, adh: dict, out: dict, days: np.ndarray,
                   missing_baseline: np.ndarray) -> np.ndarray:
    """Which visits happened: missed visits, window misses, loss after week 12, escalation."""
    n = days.shape[0]
    present = np.ones_like(days, dtype=bool)
    weeks = np.array(VISIT_WEEKS)
    early = (weeks >= 1) & (weeks <= 8)
    present[:, early] = rng.random((n, int(early.sum()))) >= VISIT_MISSED
    present[:, 0] = ~missing_baseline
    w8, w12, w26, w52 = (VISIT_WEEKS.index(w) for w in (8, 12, 26, 52))
    in_window = (days >= 56) & (days <= 112)
    present[out["window_missing"][:, None] & in_window] = False
    present[:, w12] &= ~out["window_missing"] | out["late_visit"]
    present[:, w26] = ~out["lost_26"]
    present[:, w52] = ~out["lost_52"]
    present[adh["not_started"], 1:] = False
    present &= ~(out["escalates"][:, None] & (days > out["escalated_day"][:, None]))
    return present


def _secondary_scores(rng: np.random.Generator, cm: dict, nrs: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """ODI, WOMAC/KOOS, PtGA, PGIC and ROM that follow the NRS course (n, 10 matrices)."""
    n = nrs.shape[0]
    b = np.maximum(cm["baseline"].astype(float), 1.0)
    ratio = np.clip(nrs / b[:, None], 0.0, 1.6)
    shape = nrs.shape

    def follow(base: np.ndarray, noise_sd: float, lo: float, hi: float) -> np.ndarray:
        m = base[:, None] * ratio + rng.normal(0, noise_sd, shape)
        m[:, 0] = base
        return np.clip(np.rint(m), lo, hi)

    odi = follow(np.clip(5 * b + rng.normal(10, 8, n), 5, 95), 4, 0, 100)
    womac_pain = follow(np.clip(10 * b + rng.normal(0, 8, n), 5, 100), 5, 0, 100)
    womac_function = follow(np.clip(9 * b + rng.normal(5, 10, n), 5, 100), 5, 0, 100)
    koos_pain = 100 - follow(np.clip(10 * b + rng.normal(0, 8, n), 5, 100), 5, 0, 100)
    koos_adl = 100 - follow(np.clip(9 * b + rng.normal(0, 10, n), 5, 100), 5, 0, 100)
    ptga = follow(np.clip(b + rng.normal(0, 1, n), 1, 10), 0.7, 0, 10)
    pgic = np.clip(np.rint(4 - 5 * (1 - ratio) + rng.normal(0, 0.6, shape)), 1, 7)
    rom_base = np.clip(rng.normal(120, 20, n), 40, 175)
    rom = np.clip(np.rint(rom_base[:, None] + (1 - ratio) * 40 + rng.normal(0, 5, shape)), 0, 180)
    rom[:, 0] = np.rint(rom_base)
    return {"odi": odi, "womac_pain": womac_pain, "womac_function": womac_function,
            "koos_pain": koos_pain, "koos_adl": koos_adl, "ptga": ptga, "pgic": pgic,
            "rom_degrees": rom}


def _build_assessments(rng: np.random.Generator, cm: dict, adh: dict, out: dict
                       ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """All outcome measurements, long format, sorted by course, day, instrument."""
    n = len(cm["baseline"])
    days = _visit_days(rng, n, out)
    nrs = _nrs_matrix(rng, cm, adh, out)
    missing_baseline = rng.random(n) < MISSING_BASELINE_SHARE
    present = _visit_present(rng, adh, out, days, missing_baseline)
    secondary = _secondary_scores(rng, cm, nrs)

    weeks = np.array(VISIT_WEEKS)
    ind = cm["indication"]
    spine = np.isin(ind, [INDICATIONS.index("lumbar_disc_herniation"),
                          INDICATIONS.index("low_back_pain")])
    knee_hip = ind <= 1
    koos = knee_hip & (rng.random(n) < 0.4)
    womac = knee_hip & ~koos
    shoulder = ind == INDICATIONS.index("shoulder")
    main_weeks = np.isin(weeks, [0, 4, 12, 26, 52])
    follow_weeks = np.isin(weeks, [4, 12, 26, 52])
    # (instrument, course mask, week mask)
    plan = [
        ("odi", spine, main_weeks), ("womac_pain", womac, main_weeks),
        ("womac_function", womac, main_weeks), ("koos_pain", koos, main_weeks),
        ("koos_adl", koos, main_weeks), ("ptga", knee_hip, main_weeks),
        ("pgic", np.ones(n, dtype=bool), follow_weeks),
        ("rom_degrees", shoulder, np.isin(weeks, [0, 12])),
    ]
    parts_course, parts_day, parts_instr, parts_score = [], [], [], []

    def add(mask: np.ndarray, values: np.ndarray, instrument: str, day: np.ndarray) -> None:
        r, c = np.nonzero(mask)
        parts_course.append(r)
        parts_day.append(day[r, c])
        parts_instr.append(np.full(len(r), INSTRUMENTS.index(instrument)))
        parts_score.append(values[r, c])

    add(present, nrs, "nrs_pain", days)
    # An earlier screening baseline for a few courses (the latest value with day <= 0 counts).
    two = (rng.random(n) < TWO_BASELINES_SHARE) & ~missing_baseline
    early_day = (days[:, 0] - rng.integers(14, 31, n))[:, None]
    early_score = np.clip(cm["baseline"] + rng.integers(-2, 3, n), 0, 10)[:, None].astype(float)
    add(two[:, None], early_score, "nrs_pain", early_day)
    for instrument, courses_mask, week_mask in plan:
        add(present & courses_mask[:, None] & week_mask[None, :], secondary[instrument],
            instrument, days)

    course = np.concatenate(parts_course)
    day = np.concatenate(parts_day)
    instr = np.concatenate(parts_instr)
    score = np.concatenate(parts_score)
    # one int64 sort key (course, day, instrument): much faster than a 3-key lexsort
    key = (course.astype(np.int64) * 1024 + (day + 64)) * 16 + instr
    order = np.argsort(key, kind="stable")
    result = {"course": course[order], "day": day[order], "instrument": instr[order],
              "score": score[order]}
    return result, {"days": days, "nrs": nrs, "present": present,
                    "missing_baseline": missing_baseline, "two_baselines": two}


# ---------------------------------------------------------------------------------------
# Tables and truth
# ---------------------------------------------------------------------------------------
def _courses_table(rng: np.random.Generator, cm: dict, sev: dict, care: dict, adh: dict,
                   out: dict) -> pd.DataFrame:
    """The courses table; patients shared across courses (same sex and age band)."""
    n = len(cm["severity"])
    width = max(6, len(str(n)))
    course_id = _ids("c", np.arange(1, n + 1), width)

    # Patients: ~12 % of courses are a further course of an earlier patient with the same
    # sex and age band (vectorised matching within sex x age-band groups).
    key = cm["sex"] * len(AGE_BANDS) + cm["age"]
    repeat = rng.random(n) < 0.12
    first = np.nonzero(~repeat)[0]
    first_sorted = first[np.argsort(key[first], kind="stable")]
    counts = np.bincount(key[first], minlength=len(SEXES) * len(AGE_BANDS))
    offsets = np.cumsum(counts) - counts
    owner = np.arange(n)
    rep = np.nonzero(repeat & (counts[key] > 0))[0]
    pick = offsets[key[rep]] + np.floor(rng.random(len(rep)) * counts[key[rep]]).astype(np.int64)
    owner[rep] = first_sorted[pick]
    owner[repeat & (counts[key] == 0)] = np.nonzero(repeat & (counts[key] == 0))[0]
    owners = np.unique(owner)
    patient_number = np.empty(n, dtype=np.int64)
    patient_number[owners] = rng.permutation(len(owners)) + 1
    patient_id = _ids("pt", patient_number[owner], width)

    price = (np.array(PRICE_PER_SESSION_BY_SITE)[cm["site_idx"]]
             * np.where(care["systemic"], 0.75, 1.0) * adh["completed"])
    price_missing = rng.random(n) < 0.04

    frame = pd.DataFrame({
        "course_id": pd.array(course_id, dtype="str"),
        "patient_id": pd.array(patient_id, dtype="str"),
        "site_id": _labels(SITE_IDS, cm["site_idx"]),
        "provider_id": _labels(PROVIDER_IDS, cm["provider_idx"]),
        "start_year": cm["start_year"].astype(np.int64),
        "start_quarter": _int_with_missing(cm["start_quarter"], cm["quarter_missing"]),
        "age_band": _labels(AGE_BANDS, cm["age"]),
        "sex": _labels(SEXES, cm["sex"]),
        "indication": _labels(INDICATIONS, cm["indication"]),
        "route": _labels(ROUTES, cm["route"]),
        "severity_scale": pd.array(sev["severity_scale"], dtype="str"),
        "severity_grade": pd.array(sev["severity_grade"], dtype="str"),
        "end_stage": _bool_with_missing(sev["end_stage"], sev["end_stage_missing"]),
        "symptom_months": _int_with_missing(cm["symptom_months"], cm["symptom_missing"]),
        "planned_sessions": care["planned"].astype(np.int64),
        "rehab": _labels(REHAB, care["rehab"]),
        "lifestyle_support": care["lifestyle"].astype(bool),
        "expectations": _labels(EXPECTATIONS, care["expectations"]),
        "contraindication": _labels(CONTRAINDICATIONS, care["contraindication"]),
        "g6pd_tested": _bool_with_missing(care["g6pd_tested"], care["g6pd_missing"]),
        "overtraining_reported": _bool_with_missing(care["overtraining"],
                                                    care["overtraining_missing"]),
        "early_antioxidants_reported": _bool_with_missing(care["antioxidants"],
                                                          care["antioxidants_missing"]),
        "escalated_day": _int_with_missing(out["escalated_day"], ~out["escalates"]),
        "course_price": pd.array(np.where(price_missing, np.nan, np.round(price, 2)),
                                 dtype="Float64"),
    })
    return frame


def _truth(roles: dict) -> PlantedTruth:
    return PlantedTruth(
        hard_case_mix_provider_id=roles["hard"],
        worse_provider_id=roles["worse"],
        small_provider_id=roles["small"],
        provider_ids=PROVIDER_IDS,
        response_prob_by_severity=dict(PROB_BY_SEVERITY),
        response_prob_by_adherence=dict(PROB_BY_ADHERENCE),
        response_prob_by_rehab=dict(PROB_BY_REHAB),
        response_prob_by_lifestyle_support=dict(PROB_BY_LIFESTYLE),
        response_prob_by_expectations=dict(PROB_BY_EXPECTATIONS),
        response_prob_by_overtraining=dict(PROB_BY_OVERTRAINING),
        response_prob_by_early_antioxidants=dict(PROB_BY_ANTIOXIDANTS),
        response_prob_by_early_flare=dict(PROB_BY_FLARE),
        reference_response_prob=REFERENCE_RESPONSE_PROB,
        reference_profile=dict(REFERENCE_PROFILE),
        provider_site=dict(roles["site_of"]),
        provider_logit_effects=dict(roles["effects"]),
        site_ids=SITE_IDS,
        small_provider_courses=SMALL_PROVIDER_COURSES,
        logit_by_age_band=dict(zip(AGE_BANDS, LOGIT_BY_AGE)),
        logit_per_baseline_point_above_6=LOGIT_PER_BASELINE_POINT,
        logit_by_indication=dict(zip(INDICATIONS, LOGIT_BY_INDICATION)),
        logit_systemic_route=LOGIT_SYSTEMIC_ROUTE,
        early_flare_prob_by_route=dict(FLARE_PROB),
        flare_event_recorded_prob=FLARE_EVENT_RECORDED,
        quit_after_flare_prob_by_expectations=dict(QUIT_AFTER_FLARE),
        quit_early_prob_without_flare=QUIT_EARLY_WITHOUT_FLARE,
        responder_improvement=RESPONDER_IMPROVEMENT,
        non_responder_improvement=NON_RESPONDER_IMPROVEMENT,
        wane_by_week_52_prob_by_rehab=dict(WANE_BY_WEEK_52),
        escalation_prob_by_severity=dict(ESCALATION_BY_SEVERITY),
        escalation_durable_responder_factor=ESCALATION_DURABLE_RESPONDER_FACTOR,
        missing_primary_followup_prob=dict(MISSING_PRIMARY_WINDOW),
        serious_event_rate_per_session=SERIOUS_RATE_PER_SESSION,
        event_rate_per_session={**EVENT_RATE_PER_SESSION,
                                "swelling_intra_articular": SWELLING_RATE_INTRA_ARTICULAR},
        not_screened_share=CONTRAINDICATION_WEIGHTS[-1],
        contraindicated_share=float(sum(CONTRAINDICATION_WEIGHTS[1:-1])),
        g6pd_tested_share=dict(G6PD_TESTED_SHARE),
        not_started_share=NOT_STARTED_SHARE,
    )


def generate_clinic(n_courses: int, seed: int = DEFAULT_SEED) -> SyntheticClinic:
    """Generate a synthetic clinic of ``n_courses`` courses, deterministically from ``seed``.

    Every row satisfies the data contract; the planted effects are in ``clinic.truth`` and
    sample_data/README.md. Vectorised: 100,000 courses take a few seconds.
    """
    if isinstance(n_courses, bool) or not isinstance(n_courses, (int, np.integer)):
        raise TypeError(f"n_courses must be a whole number, got {n_courses!r}")
    if n_courses < 1:
        raise ValueError(f"n_courses must be at least 1, got {n_courses}")
    n = int(n_courses)
    rng = np.random.default_rng(seed)
    roles = _assign_roles(rng)
    provider_effects = np.array([roles["effects"][p] for p in PROVIDER_IDS])

    cm = _draw_case_mix(rng, n, roles)
    sev = _severity_columns(rng, cm)
    care = _draw_care(rng, cm)
    adh = _draw_adherence(rng, cm, care)
    out = _draw_outcome(rng, cm, care, adh, provider_effects)
    ses = _build_sessions(rng, cm, care, adh)
    ae = _build_adverse_events(rng, cm, adh, ses)
    out["escalated_day"] = _escalation_after_last_session(out["escalated_day"], ses, n)
    asm, visits = _build_assessments(rng, cm, adh, out)
    courses = _courses_table(rng, cm, sev, care, adh, out)

    cid = courses["course_id"]
    sessions = pd.DataFrame({
        "course_id": cid.take(ses["course"]).reset_index(drop=True),
        "session_number": ses["number"].astype(np.int64),
        "day": ses["day"].astype(np.int64),
        "concentration_ug_ml": ses["conc"].astype(float),
        "volume_ml": ses["vol"].astype(float),
    })
    assessments = pd.DataFrame({
        "course_id": cid.take(asm["course"]).reset_index(drop=True),
        "day": asm["day"].astype(np.int64),
        "instrument": _labels(INSTRUMENTS, asm["instrument"]),
        "score": asm["score"].astype(float),
    })
    adverse_events = pd.DataFrame({
        "course_id": cid.take(ae["course"]).reset_index(drop=True),
        "session_number": _int_with_missing(ae["number"], ae["number_missing"]),
        "day": ae["day"].astype(np.int64),
        "event": _labels(EVENTS, ae["event"]),
        "seriousness": _labels(SERIOUSNESS, ae["seriousness"]),
    })
    tables = {"courses": courses, "sessions": sessions, "assessments": assessments,
              "adverse_events": adverse_events}
    for name, cols in TABLE_COLUMNS.items():
        tables[name] = tables[name].loc[:, list(cols)]

    latent = pd.DataFrame({
        "course_id": cid,
        "provider_id": courses["provider_id"],
        "severity_class": _labels(SEVERITY_CLASSES, cm["severity"]),
        "severity_hidden": sev["grade_hidden"],
        "adherence_class": _labels(ADHERENCE_CLASSES, adh["adherence"]),
        "sessions_completed": adh["completed"].astype(np.int64),
        "early_flare": adh["flare"],
        "quit_early": adh["quit_early"],
        "overtraining": care["overtraining"],
        "early_antioxidants": care["antioxidants"],
        "baseline_nrs": cm["baseline"].astype(np.int64),
        "baseline_missing": visits["missing_baseline"],
        "response_prob": out["prob"],
        "responder": out["responder"],
        "improvement": out["improvement"],
        "wanes": out["wanes"],
        "wane_week": out["wane_week"].astype(np.int64),
        "escalates": out["escalates"],
        "primary_window_missing": out["window_missing"],
    })
    return SyntheticClinic(tables=tables, truth=_truth(roles), seed=int(seed), n_courses=n,
                           latent=latent)


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------
def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with a plain header row, empty cell for unknown, booleans true/false, \\n line ends.

    pyarrow's writer (a project dependency) is ~15x faster than ``DataFrame.to_csv`` for the
    1.8 million assessment rows of a 100,000-course clinic; no value needs quoting (ids and
    enums only), so quoting is off and the header is written by hand (pyarrow quotes it).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with open(path, "wb") as fh:
        fh.write((",".join(frame.columns) + "\n").encode("utf-8"))
        pa_csv.write_csv(table, fh, pa_csv.WriteOptions(include_header=False,
                                                        quoting_style="none"))


def write_clinic(clinic: SyntheticClinic, out_dir: str | Path, fmt: str = "csv") -> list[Path]:
    """Write the four contract files (CSV or Parquet) and the ``synthetic.json`` manifest.

    CSV: header row, empty cell for unknown, booleans as true/false, ``\\n`` line ends.
    Returns the paths written: courses, sessions, assessments, adverse_events, manifest.
    Same clinic -> byte-identical files.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, cols in TABLE_COLUMNS.items():
        frame = clinic.tables[name].loc[:, list(cols)]
        path = out / f"{name}.{fmt}"
        other = out / f"{name}.{'parquet' if fmt == 'csv' else 'csv'}"
        if other.exists():
            other.unlink()  # a folder must not hold both formats of one file
        if fmt == "csv":
            _write_csv(frame, path)
        else:
            frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
        paths.append(path)
    manifest = {"generator": GENERATOR_NAME, "seed": clinic.seed,
                "n_courses": clinic.n_courses, "version": GENERATOR_VERSION}
    manifest_path = out / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    paths.append(manifest_path)
    return paths
