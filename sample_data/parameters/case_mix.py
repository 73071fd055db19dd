"""The synthetic clinic's parameters: every planted effect and distribution, and nothing else.

sample_data/README.md ("The clinic", "Planted effects") documents these numbers; the sampling
mechanics (courses.py, outcomes.py, sessions.py, events.py, assessments.py) read them here and
hold none of their own. A per-level parameter is a dict keyed by level; the levels and their
order are the data contract's (queries/data/contract.py), and the mechanics lay every dict
out in that order (``sampling.in_level_order``), so a dict's own key order never matters,
except where a comment calls it the draw order. The responder definition the 12-week score
is built for, the eligible baseline and the primary window are the defaults of
queries/core/settings.py (methods.md section 1), not numbers of their own.

Changing any number here changes the clinic: tests/test_generator.py pins its digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries.core.settings import Settings
from queries.data.contract import (
    INSTRUMENT_RANGES,
    SEVERITY_CLASSES,
    SEVERITY_GRADES_BY_SCALE,
    SEVERITY_SCALES,
)

# --- The definition the clinic is built for (methods.md section 1, the settings' defaults) --
DEFINITION = Settings()
MIN_BASELINE = int(DEFINITION.min_baseline)  # eligible: baseline NRS >= 3
RESPONDER_MIN_DROP_POINTS = DEFINITION.responder_min_drop_points  # drop >= 2 points ...
RESPONDER_MIN_DROP_FRACTION = DEFINITION.responder_min_drop_fraction  # ... and >= 30 %
PRIMARY_WINDOW = DEFINITION.window()  # 12 weeks: day 56..112
NRS_MIN, NRS_MAX = INSTRUMENT_RANGES["nrs_pain"]
# The latent severity of every course is known; "unknown" is only ever a hidden grade.
LATENT_SEVERITY_CLASSES = tuple(c for c in SEVERITY_CLASSES if c != "unknown")

# --- Clinic layout ----------------------------------------------------------------------
SITE_IDS = ("site_a", "site_b", "site_c")
PROVIDER_IDS = tuple(f"prov_{i:02d}" for i in range(1, 10))
SMALL_PROVIDER_COURSES = 14  # fixed, whatever n_courses ...
SMALL_PROVIDER_AT_MOST_ONE_IN = 20  # ... but at most 1 course in 20 (fewer when n < 280)
# Share of the other courses (relative weights): the hard-case-mix provider, the worse one,
# and the six ordinary providers in the (seed-dependent) order they are assigned.
HARD_CASE_MIX_WEIGHT = 0.14
WORSE_PROVIDER_WEIGHT = 0.12
ORDINARY_PROVIDER_WEIGHTS = (0.17, 0.15, 0.13, 0.11, 0.10, 0.08)
HARD_CASE_MIX_EFFECT = 0.0  # its courses are harder; its care is not worse
WORSE_PROVIDER_EFFECT = -1.1
PROVIDER_RANDOM_EFFECT_SD = 0.15  # logit effects of the ordinary and the small providers
PROVIDER_EFFECT_DECIMALS = 3
START_YEAR_WEIGHTS = {
    2019: 0.09,
    2020: 0.10,
    2021: 0.12,
    2022: 0.14,
    2023: 0.16,
    2024: 0.19,
    2025: 0.20,
}
QUARTERS = (1, 2, 3, 4)
MISSING_QUARTER_SHARE = 0.01
REPEAT_PATIENT_SHARE = 0.12  # a further course of an earlier patient (same sex, age band)
PRICE_PER_SESSION_BY_SITE = {"site_a": 120.0, "site_b": 95.0, "site_c": 150.0}
SYSTEMIC_PRICE_FACTOR = 0.75
MISSING_PRICE_SHARE = 0.04
PRICE_DECIMALS = 2

# --- Case mix ---------------------------------------------------------------------------
INDICATION_WEIGHTS = {
    "knee_oa": 0.33,
    "hip_oa": 0.10,
    "shoulder": 0.10,
    "lumbar_disc_herniation": 0.15,
    "low_back_pain": 0.15,
    "neck_pain": 0.07,
    "tendinopathy": 0.07,
    "other": 0.03,
}
# P(route | indication); routes not named have probability 0.
ROUTE_BY_INDICATION = {
    "knee_oa": {"intra_articular": 0.90, "periarticular": 0.07, "major_autohemotherapy": 0.03},
    "hip_oa": {"intra_articular": 0.92, "periarticular": 0.05, "major_autohemotherapy": 0.03},
    "shoulder": {"intra_articular": 0.70, "periarticular": 0.30},
    "lumbar_disc_herniation": {
        "paravertebral": 0.62,
        "intradiscal": 0.35,
        "major_autohemotherapy": 0.03,
    },
    "low_back_pain": {"paravertebral": 0.68, "intramuscular": 0.29, "major_autohemotherapy": 0.03},
    "neck_pain": {"paravertebral": 0.60, "intramuscular": 0.40},
    "tendinopathy": {"periarticular": 0.80, "intramuscular": 0.20},
    "other": {
        "intramuscular": 0.15,
        "major_autohemotherapy": 0.40,
        "rectal_insufflation": 0.25,
        "topical": 0.20,
    },
}
SYSTEMIC_ROUTES = ("major_autohemotherapy", "rectal_insufflation", "topical")
# Indication groups: osteoarthritis (knee, hip), the spine, and the others.
INDICATION_GROUPS = ("oa", "spine", "other")
INDICATION_GROUP = {
    "knee_oa": "oa",
    "hip_oa": "oa",
    "shoulder": "other",
    "lumbar_disc_herniation": "spine",
    "low_back_pain": "spine",
    "neck_pain": "spine",
    "tendinopathy": "other",
    "other": "other",
}
# Severity scale by indication: KL for knee/hip OA, Pfirrmann for the spine, clinician otherwise.
SCALE_BY_INDICATION = {
    "knee_oa": "kl",
    "hip_oa": "kl",
    "shoulder": "clinician",
    "lumbar_disc_herniation": "pfirrmann",
    "low_back_pain": "pfirrmann",
    "neck_pain": "pfirrmann",
    "tendinopathy": "clinician",
    "other": "clinician",
}
# Scales with grades, in the contract's order (the draw order of the latent severity).
GRADED_SCALES = tuple(s for s in SEVERITY_SCALES if SEVERITY_GRADES_BY_SCALE[s])
# P(latent severity class) by scale.
SEVERITY_WEIGHTS = {
    "kl": {"none": 0.08, "mild": 0.22, "moderate": 0.35, "severe": 0.22, "end_stage": 0.13},
    "pfirrmann": {"none": 0.05, "mild": 0.25, "moderate": 0.40, "severe": 0.20, "end_stage": 0.10},
    "clinician": {"none": 0.00, "mild": 0.35, "moderate": 0.40, "severe": 0.18, "end_stage": 0.07},
}
HARD_CASE_SEVERITY_WEIGHTS = {
    "kl": {"none": 0.02, "mild": 0.08, "moderate": 0.27, "severe": 0.33, "end_stage": 0.30},
    "pfirrmann": {"none": 0.02, "mild": 0.10, "moderate": 0.30, "severe": 0.33, "end_stage": 0.25},
    "clinician": {"none": 0.00, "mild": 0.15, "moderate": 0.35, "severe": 0.30, "end_stage": 0.20},
}
# The grade each scale records for a latent class (data-contract "Derived", backwards).
GRADE_BY_SEVERITY = {
    "kl": {"none": "0", "mild": "2", "moderate": "3", "severe": "4", "end_stage": "4"},
    "pfirrmann": {"none": "I", "mild": "II", "moderate": "III", "severe": "IV", "end_stage": "V"},
    "clinician": {
        "none": "mild",
        "mild": "mild",
        "moderate": "moderate",
        "severe": "severe",
        "end_stage": "end_stage",
    },
}
KL_NONE_GRADE_1_SHARE = 0.5  # of KL "none": grade 1 instead of 0
PFIRRMANN_END_STAGE_IV_SHARE = 0.3  # of Pfirrmann end-stage: grade IV + flag instead of V
# Grades whose class the end_stage flag decides (KL 4, Pfirrmann IV): never left empty there.
GRADES_NEEDING_FLAG = ("4", "IV")
HARD_CASE_OLDER_SHARE = 0.5  # share of its courses moved one age band up
HARD_CASE_BASELINE_SHIFT = 0.9  # NRS points added to its baseline mean
UNKNOWN_GRADE_SHARE = 0.04  # grade hidden (scale none or empty grade): severity unknown
HIDDEN_AS_SCALE_NONE_SHARE = 0.5  # of hidden grades: scale none (else an empty grade)
END_STAGE_FLAG_MISSING_SHARE = 0.05  # end_stage left empty where the grade does not need it
# P(age band | indication group).
AGE_WEIGHTS = {
    "oa": {
        "18-29": 0.00,
        "30-39": 0.01,
        "40-49": 0.06,
        "50-59": 0.25,
        "60-69": 0.34,
        "70-79": 0.25,
        "80-89": 0.08,
        "90+": 0.01,
    },
    "spine": {
        "18-29": 0.05,
        "30-39": 0.15,
        "40-49": 0.25,
        "50-59": 0.25,
        "60-69": 0.17,
        "70-79": 0.10,
        "80-89": 0.03,
        "90+": 0.00,
    },
    "other": {
        "18-29": 0.06,
        "30-39": 0.12,
        "40-49": 0.20,
        "50-59": 0.24,
        "60-69": 0.20,
        "70-79": 0.13,
        "80-89": 0.05,
        "90+": 0.00,
    },
}
FEMALE_SHARE = {"oa": 0.62, "spine": 0.52, "other": 0.52}
# Sex by one uniform draw u: female below FEMALE_SHARE, then male below 0.99, other below
# 0.995, unknown above.
SEX_CUMULATIVE = {"male": 0.99, "other": 0.995}
BASELINE_MEAN = 6.4
BASELINE_SD = 1.6
BASELINE_SHIFT_BY_SEVERITY = {
    "none": -0.4,
    "mild": -0.2,
    "moderate": 0.0,
    "severe": 0.3,
    "end_stage": 0.6,
}
LOW_BASELINE_SHARE = 0.04  # baseline NRS 0-2: "low baseline", not eligible
MISSING_BASELINE_SHARE = 0.03  # no NRS at day <= 0: "no baseline"
TWO_BASELINES_SHARE = 0.04  # an earlier screening value too; the latest counts
EARLIER_BASELINE_DAYS_BEFORE = (14, 30)  # that many days before the baseline visit
EARLIER_BASELINE_NRS_CHANGE = (-2, 2)  # points from the baseline, uniform
# Symptom months: log-normal, median by indication group, clipped to the contract's range.
SYMPTOM_MONTHS_MEDIAN = {"oa": 30, "spine": 14, "other": 14}
SYMPTOM_MONTHS_LOG_SD = 1.0
SYMPTOM_MONTHS_RANGE = (1, 600)
MISSING_SYMPTOM_MONTHS_SHARE = 0.05

# --- Care choices -----------------------------------------------------------------------
PLANNED_SESSIONS_WEIGHTS = {1: 0.05, 2: 0.05, 3: 0.17, 4: 0.26, 5: 0.19, 6: 0.19, 8: 0.05, 10: 0.04}
SYSTEMIC_PLANNED_WEIGHTS = {6: 2, 8: 3, 10: 3, 12: 1, 15: 1}  # relative
SPACING_DAYS = {"systemic": 3, "weekly": 7, "biweekly": 14}  # systemic: twice a week
WEEKLY_SHARE = 0.65  # of injection courses; the others every two weeks
# Days added to a course's spacing between two sessions, uniform and inclusive, by spacing.
SESSION_GAP_JITTER = {3: (0, 1), 7: (-1, 2), 14: (-2, 3)}
REHAB_WEIGHTS = {"none": 0.35, "home_program": 0.40, "supervised_pt": 0.25}  # 50-59, moderate
SUPERVISED_PT_LOGIT_BY_AGE = {
    "18-29": 0.4,
    "30-39": 0.4,
    "40-49": 0.2,
    "50-59": 0.0,
    "60-69": -0.2,
    "70-79": -0.5,
    "80-89": -0.8,
    "90+": -1.0,
}
SUPERVISED_PT_LOGIT_BY_SEVERITY = {
    "none": 0.2,
    "mild": 0.2,
    "moderate": 0.0,
    "severe": -0.3,
    "end_stage": -0.6,
}
LIFESTYLE_SHARE = 0.30
EXPECTATIONS_WEIGHTS = {"realistic": 0.55, "unrealistic": 0.25, "unknown": 0.20}
OVERTRAINING_SHARE = 0.09
OVERTRAINING_MISSING = 0.22
ANTIOXIDANTS_SHARE = 0.07
ANTIOXIDANTS_MISSING = 0.25
CONTRAINDICATION_WEIGHTS = {
    "none": 0.9828,
    "g6pd_deficiency": 0.0010,
    "pregnancy": 0.0004,
    "bleeding_disorder": 0.0010,
    "hyperthyroidism": 0.0012,
    "other": 0.0006,
    "not_screened": 0.0130,
}
PREGNANCY_POSSIBLE_AGE_BANDS = ("18-29", "30-39", "40-49")  # and sex female; else "other"
G6PD_TESTED_SHARE = {"injection": 0.85, "systemic": 0.97}
G6PD_TESTED_MISSING = 0.03

# --- Early reaction and adherence -------------------------------------------------------
FLARE_PROB = {"intra_articular": 0.30, "other": 0.20}  # "other": every other route
FLARE_EVENT_RECORDED = 0.60  # flares written down as a post_injection_flare event
FLARE_EVENT_MODERATE_SHARE = 0.3  # of recorded flares (the others mild)
FLARE_NRS_RISE = (1, 2)  # NRS points above baseline at week 1, uniform
QUIT_AFTER_FLARE = {"realistic": 0.30, "unrealistic": 0.55, "unknown": 0.40}
EARLY_QUIT_AFTER_SESSIONS = (1, 2)  # early quitters stop after session 1 or 2
QUIT_EARLY_WITHOUT_FLARE = 0.07  # stop after 1-2 sessions for other reasons
QUIT_AFTER_FIRST_SHARE = 0.65  # of early quitters with >= 3 planned: after session 1
LATER_DROPOUT = 0.12  # of courses with >= 4 planned: stop at 3..planned-1
LATER_DROPOUT_MIN_PLANNED = 4
LATER_DROPOUT_FIRST_STOP = 3
NOT_STARTED_SHARE = 0.015

# --- Response model (the planted effects) ------------------------------------------------
# True responder probability at the reference course, and one factor changed at a time.
# Reference: moderate severity, full protocol, no rehab, no lifestyle support, realistic
# expectations, no overtraining, no early antioxidants, no early flare, age 50-59,
# baseline NRS 6, knee OA intra-articular, a provider with effect 0.
REFERENCE_RESPONSE_PROB = 0.55
REFERENCE_PROFILE = {
    "severity_class": "moderate",
    "adherence_class": "full_protocol",
    "rehab": "none",
    "lifestyle_support": "false",
    "expectations": "realistic",
    "overtraining_reported": "false",
    "early_antioxidants_reported": "false",
    "early_flare": "false",
    "age_band": "50-59",
    "baseline_nrs": "6",
    "indication": "knee_oa",
    "route": "intra_articular",
    "provider_effect": "0",
}
REFERENCE_BASELINE_NRS = 6
PROB_BY_SEVERITY = {"none": 0.62, "mild": 0.60, "moderate": 0.55, "severe": 0.38, "end_stage": 0.20}
PROB_BY_ADHERENCE = {"one_and_done": 0.22, "partial": 0.42, "full_protocol": 0.55}
PROB_BY_REHAB = {"none": 0.55, "home_program": 0.62, "supervised_pt": 0.70}
PROB_BY_LIFESTYLE = {False: 0.55, True: 0.64}
PROB_BY_EXPECTATIONS = {"realistic": 0.55, "unrealistic": 0.38, "unknown": 0.50}
PROB_BY_OVERTRAINING = {False: 0.55, True: 0.40}
PROB_BY_ANTIOXIDANTS = {False: 0.55, True: 0.42}
PROB_BY_FLARE = {False: 0.55, True: 0.42}
LOGIT_DECIMALS = 6  # logit shifts are rounded to this many decimals
# Case-mix covariates (in the adjustment model), as logit shifts.
LOGIT_BY_AGE = {
    "18-29": 0.10,
    "30-39": 0.10,
    "40-49": 0.05,
    "50-59": 0.0,
    "60-69": -0.05,
    "70-79": -0.15,
    "80-89": -0.25,
    "90+": -0.30,
}
LOGIT_PER_BASELINE_POINT = -0.06  # per NRS point above REFERENCE_BASELINE_NRS
LOGIT_BY_INDICATION = {
    "knee_oa": 0.0,
    "hip_oa": -0.10,
    "shoulder": 0.0,
    "lumbar_disc_herniation": 0.10,
    "low_back_pain": -0.10,
    "neck_pain": 0.0,
    "tendinopathy": 0.05,
    "other": -0.30,
}
LOGIT_SYSTEMIC_ROUTE = -0.30
RESPONDER_IMPROVEMENT = (0.40, 0.80)  # fraction of baseline by week 8-12, uniform
NON_RESPONDER_IMPROVEMENT = (0.00, 0.20)

# --- Visits and trajectories ------------------------------------------------------------
# Share of the final improvement reached at each visit week (before waning).
RAMP_BY_WEEK = {
    0: 0.0,
    1: 0.05,
    2: 0.15,
    3: 0.30,
    4: 0.55,
    6: 0.80,
    8: 0.92,
    12: 1.0,
    26: 1.0,
    52: 1.0,
}
VISIT_WEEKS = tuple(RAMP_BY_WEEK)
# Visit day = 7 x week, plus or minus up to this many days, uniform.
VISIT_JITTER_DAYS = {0: 0, 1: 2, 2: 1, 3: 1, 4: 2, 6: 3, 8: 3, 12: 10, 26: 14, 52: 28}
BASELINE_ON_DAY_0_SHARE = 0.75  # else 1-14 days before the first session
BASELINE_DAYS_BEFORE = (1, 14)
LATE_IN_WINDOW_SHARE = 0.05  # 12-week visit at day 95-112, still in the window
LATE_IN_WINDOW_DAYS = (95, 112)
LATE_VISIT_DAYS = (113, 130)  # a window-misser's late 12-week visit
NRS_NOISE_SD = 0.6  # at the visits the definition does not force
FORCED_FROM_WEEK = 8  # weeks 8 and 12 (and later) meet the definition exactly
MISSABLE_WEEKS = (1, 8)  # visits of these weeks (inclusive) are missed now and then


# --- Secondary instruments: they follow the NRS ratio to baseline, with noise --------------
@dataclass(frozen=True)
class FollowsNrs:
    """A secondary score that follows the NRS: at baseline ``per_nrs_point`` x baseline NRS
    + normal(``mean``, ``sd``), clipped to (``low``, ``high``); at a later visit the baseline
    score x the NRS ratio to baseline + normal(0, ``visit_sd``), rounded and clipped to the
    instrument's contract range; ``reversed``: reported as range maximum - score (KOOS, where
    higher is better)."""

    per_nrs_point: float
    mean: float
    sd: float
    low: float
    high: float
    visit_sd: float
    reversed: bool = False


# The key order is the draw order.
FOLLOWS_NRS = {
    "odi": FollowsNrs(5, 10, 8, 5, 95, visit_sd=4),
    "womac_pain": FollowsNrs(10, 0, 8, 5, 100, visit_sd=5),
    "womac_function": FollowsNrs(9, 5, 10, 5, 100, visit_sd=5),
    "koos_pain": FollowsNrs(10, 0, 8, 5, 100, visit_sd=5, reversed=True),
    "koos_adl": FollowsNrs(9, 0, 10, 5, 100, visit_sd=5, reversed=True),
    "ptga": FollowsNrs(1, 0, 1, 1, 10, visit_sd=0.7),
}
NRS_RATIO_MAX = 1.6  # NRS / baseline is clipped to 0..1.6 for the others
PGIC_NO_CHANGE = 4  # PGIC = 4 - 5 x relief (1 - NRS ratio) + noise
PGIC_PER_RELIEF = 5
PGIC_SD = 0.6
ROM_BASELINE_MEAN = 120  # shoulder range of motion, degrees
ROM_BASELINE_SD = 20
ROM_BASELINE_RANGE = (40, 175)
ROM_GAIN_AT_FULL_RELIEF = 40
ROM_VISIT_SD = 5
ODI_INDICATIONS = ("lumbar_disc_herniation", "low_back_pain")
ROM_INDICATIONS = ("shoulder",)
KOOS_SHARE = 0.4  # of knee/hip OA courses: KOOS, the others WOMAC
MAIN_WEEKS = (0, 4, 12, 26, 52)
INSTRUMENT_WEEKS = {
    "odi": MAIN_WEEKS,
    "womac_pain": MAIN_WEEKS,
    "womac_function": MAIN_WEEKS,
    "koos_pain": MAIN_WEEKS,
    "koos_adl": MAIN_WEEKS,
    "ptga": MAIN_WEEKS,
    "pgic": (4, 12, 26, 52),
    "rom_degrees": (0, 12),
}

# --- Durability, escalation, follow-up --------------------------------------------------
WANE_BY_WEEK_52 = {"none": 0.45, "home_program": 0.25, "supervised_pt": 0.12}
WANE_BY_WEEK_26_SHARE = 0.5  # of those who wane, lost by week 26 (else by week 52)
WANE_WEEKS = (26, 52)
WANED_KEEPS = 0.2  # share of the improvement kept after waning
ESCALATION_BY_SEVERITY = {
    "none": 0.01,
    "mild": 0.02,
    "moderate": 0.04,
    "severe": 0.10,
    "end_stage": 0.25,
}
ESCALATION_DURABLE_RESPONDER_FACTOR = 0.4
ESCALATION_DELAY_FIXED_DAYS = 30  # after the last session: fixed + exponential ...
ESCALATION_DELAY_MEAN_DAYS = 180  # ... with this mean
ESCALATION_MIN_DAYS_AFTER_LAST_SESSION = 14
SESSION_DAYS_ESTIMATE_EXTRA = 2  # days added to the spacing to estimate the last session
LAST_DAY = 729  # two years of follow-up at most
MISSING_PRIMARY_WINDOW = {"responder": 0.08, "non_responder": 0.25}
LATE_VISIT_SHARE = 0.2  # of window-missers: the 12-week visit came at day 113-130
VISIT_MISSED = 0.20  # weeks 1-8, each
LOST_BEFORE_26 = 0.15
LOST_BEFORE_52 = 0.15  # of those still followed at week 26

# --- Sessions -----------------------------------------------------------------------------
# Concentration (ug/ml) and volume (ml) by route, uniform in (low, high), fixed for a course.
CONCENTRATION_BY_ROUTE = {
    "intra_articular": (10, 20),
    "periarticular": (10, 20),
    "paravertebral": (10, 20),
    "intradiscal": (25, 40),
    "intramuscular": (10, 20),
    "major_autohemotherapy": (20, 40),
    "rectal_insufflation": (20, 40),
    "topical": (40, 80),
}
VOLUME_BY_ROUTE = {
    "intra_articular": (5, 20),
    "periarticular": (3, 10),
    "paravertebral": (10, 20),
    "intradiscal": (3, 10),
    "intramuscular": (5, 10),
    "major_autohemotherapy": (100, 200),
    "rectal_insufflation": (100, 300),
    "topical": (50, 300),
}
VOLUME_DECIMALS = 1
LARGE_VOLUME_ML = 50  # volumes from here up are rounded to LARGE_VOLUME_STEP_ML
LARGE_VOLUME_STEP_ML = 10

# --- Safety -------------------------------------------------------------------------------
# Mild/moderate events per session (independent draws); swelling is commoner intra-articular.
EVENT_RATE_PER_SESSION = {
    "swelling": 0.020,
    "soreness": 0.030,
    "fatigue": 0.010,
    "headache": 0.006,
    "erythema": 0.004,
    "vasovagal": 0.002,
    "other": 0.002,
}
SWELLING_RATE_INTRA_ARTICULAR = 0.040
MODERATE_SHARE = 0.25  # of mild/moderate events
EVENT_DAYS_AFTER_SESSION = (0, 2)  # flare and mild/moderate events, uniform
SERIOUS_RATE_PER_SESSION = 0.0005  # about 1 per 2000 sessions
# Kind of a serious event; the key order is the draw order.
SERIOUS_EVENT_WEIGHTS = {"infection": 0.55, "vasovagal": 0.30, "other": 0.15}
SERIOUS_DAYS_AFTER_SESSION = (0, 7)
SESSION_NUMBER_MISSING = 0.03  # events recorded without the session they followed
