"""Steps 3-5 and 7 of the causal story: the definition the clinic is built for, the early
reaction and adherence, the response model (the planted effects), durability, escalation and
follow-up. Read by outcomes.py and truth.py; sample_data/README.md ("Planted effects")
documents these numbers (the conventions are those of ``sample_data.parameters``).
"""

from __future__ import annotations

from queries.core.settings import Settings
from queries.data.contract import INSTRUMENT_RANGES

# --- The definition the clinic is built for (methods.md section 1, the settings' defaults) --
DEFINITION = Settings()
MIN_BASELINE = int(DEFINITION.min_baseline)  # eligible: baseline NRS >= 3
RESPONDER_MIN_DROP_POINTS = DEFINITION.responder_min_drop_points  # drop >= 2 points ...
RESPONDER_MIN_DROP_FRACTION = DEFINITION.responder_min_drop_fraction  # ... and >= 30 %
PRIMARY_WINDOW = DEFINITION.window()  # 12 weeks: day 56..112
NRS_MIN, NRS_MAX = INSTRUMENT_RANGES["nrs_pain"]

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
LOST_BEFORE_26 = 0.15
LOST_BEFORE_52 = 0.15  # of those still followed at week 26
