"""Steps 1-2 of the causal story: who is treated (clinic layout, case mix) and how (care
choices). Read by courses.py; sample_data/README.md ("The clinic", "Planted effects")
documents these numbers (the conventions are those of ``sample_data.parameters``).
"""

from __future__ import annotations

from queries.data.contract import SEVERITY_CLASSES, SEVERITY_GRADES_BY_SCALE, SEVERITY_SCALES

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
# The extract (methods.md section 1 "Not yet due"): a course's first session falls on a day of
# its start quarter (uniform); the files are as the clinic held them on EXTRACT_DATE, two
# weeks after the last possible start (31 December of the last start year).
EXTRACT_DATE = "2026-01-14"
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
