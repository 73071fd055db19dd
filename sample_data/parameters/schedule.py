"""Steps 6 and 8 of the causal story, the rows as they are written: visits and NRS
trajectories, the secondary instruments, the sessions (spacing jitter, dose by route) and the
adverse events. Read by assessments.py, sessions.py and events.py; sample_data/README.md
("The clinic", "Planted effects") documents these numbers (the conventions are those of
``sample_data.parameters``).
"""

from __future__ import annotations

from dataclasses import dataclass

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
VISIT_MISSED = 0.20  # weeks 1-8, each
# The baseline visit: missing now and then, or with an earlier screening value before it.
MISSING_BASELINE_SHARE = 0.03  # no NRS at day <= 0: "no baseline"
TWO_BASELINES_SHARE = 0.04  # an earlier screening value too; the latest counts
EARLIER_BASELINE_DAYS_BEFORE = (14, 30)  # that many days before the baseline visit
EARLIER_BASELINE_NRS_CHANGE = (-2, 2)  # points from the baseline, uniform


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

# --- Sessions -----------------------------------------------------------------------------
# Days added to a course's spacing (case_mix.SPACING_DAYS) between two sessions, uniform and
# inclusive, by spacing.
SESSION_GAP_JITTER = {3: (0, 1), 7: (-1, 2), 14: (-2, 3)}


@dataclass(frozen=True)
class Dose:
    """The dose of a route's sessions: concentration (ug/ml) and volume (ml), each uniform in
    its (low, high), drawn once and fixed for a course."""

    concentration_ug_ml: tuple[float, float]
    volume_ml: tuple[float, float]


DOSE_BY_ROUTE = {
    "intra_articular": Dose(concentration_ug_ml=(10, 20), volume_ml=(5, 20)),
    "periarticular": Dose(concentration_ug_ml=(10, 20), volume_ml=(3, 10)),
    "paravertebral": Dose(concentration_ug_ml=(10, 20), volume_ml=(10, 20)),
    "intradiscal": Dose(concentration_ug_ml=(25, 40), volume_ml=(3, 10)),
    "intramuscular": Dose(concentration_ug_ml=(10, 20), volume_ml=(5, 10)),
    "major_autohemotherapy": Dose(concentration_ug_ml=(20, 40), volume_ml=(100, 200)),
    "rectal_insufflation": Dose(concentration_ug_ml=(20, 40), volume_ml=(100, 300)),
    "topical": Dose(concentration_ug_ml=(40, 80), volume_ml=(50, 300)),
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
