"""Step 2 of the causal story: how each course is treated (care choices), and its price.

Per course: planned sessions and spacing, rehab referral (younger and less severe patients
are sent to supervised PT more often: confounded on purpose), lifestyle support,
expectations, overtraining and early antioxidants, screening (contraindications, G6PD);
last (after the sessions are drawn), the price. Every number comes from
sample_data/parameters/; every level order from the data contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from queries.data.contract import AGE_BANDS, CONTRAINDICATIONS, EXPECTATIONS, REHAB, ROUTES, SEXES
from sample_data.courses import CaseMix
from sample_data.parameters import case_mix
from sample_data.sampling import (
    categorical,
    draw,
    draw_keys,
    in_level_order,
    inverse_logit,
    level_codes,
)


@dataclass(frozen=True, eq=False)
class Screening:
    """Contraindication screening and G6PD testing of each course."""

    contraindication: np.ndarray
    g6pd_tested: np.ndarray
    g6pd_missing: np.ndarray


@dataclass(frozen=True, eq=False)
class Care:
    """The care each course was planned with, and its screening."""

    systemic: np.ndarray
    planned: np.ndarray
    spacing: np.ndarray
    rehab: np.ndarray
    lifestyle: np.ndarray
    expectations: np.ndarray
    overtraining: np.ndarray
    overtraining_missing: np.ndarray
    antioxidants: np.ndarray
    antioxidants_missing: np.ndarray
    contraindication: np.ndarray
    g6pd_tested: np.ndarray
    g6pd_missing: np.ndarray


def _rehab(rng: np.random.Generator, cm: CaseMix) -> np.ndarray:
    """Rehab referral: younger and less severe patients go to supervised PT more often
    (a logit shift on the reference share of supervised PT; home program and none keep
    their ratio)."""
    w = case_mix.REHAB_WEIGHTS
    others = w["none"] + w["home_program"]
    pt_logit = (
        np.log(w["supervised_pt"] / others)
        + in_level_order(case_mix.SUPERVISED_PT_LOGIT_BY_AGE, AGE_BANDS)[cm.age]
        + in_level_order(
            case_mix.SUPERVISED_PT_LOGIT_BY_SEVERITY, case_mix.LATENT_SEVERITY_CLASSES
        )[cm.severity]
    )
    p_pt = inverse_logit(pt_logit)
    p_home = (1.0 - p_pt) * w["home_program"] / others
    probs = {"none": 1.0 - p_pt - p_home, "home_program": p_home, "supervised_pt": p_pt}
    return categorical(rng, np.column_stack([probs[level] for level in REHAB]))


def _screening(rng: np.random.Generator, cm: CaseMix, systemic: np.ndarray) -> Screening:
    """Contraindication (pregnancy only where possible), G6PD tested and its missingness."""
    n = len(cm.severity)
    contra = draw(rng, n, in_level_order(case_mix.CONTRAINDICATION_WEIGHTS, CONTRAINDICATIONS))
    code = {c: CONTRAINDICATIONS.index(c) for c in CONTRAINDICATIONS}
    could_be_pregnant = (cm.sex == SEXES.index("female")) & np.isin(
        cm.age, level_codes(AGE_BANDS, case_mix.PREGNANCY_POSSIBLE_AGE_BANDS)
    )
    contra[(contra == code["pregnancy"]) & ~could_be_pregnant] = code["other"]
    tested_p = np.where(
        systemic, case_mix.G6PD_TESTED_SHARE["systemic"], case_mix.G6PD_TESTED_SHARE["injection"]
    )
    g6pd_tested = rng.random(n) < tested_p
    g6pd_missing = rng.random(n) < case_mix.G6PD_TESTED_MISSING
    g6pd_tested[contra == code["g6pd_deficiency"]] = True
    g6pd_missing[contra == code["g6pd_deficiency"]] = False
    g6pd_tested[contra == code["not_screened"]] = False
    g6pd_missing[contra == code["not_screened"]] = False
    return Screening(contraindication=contra, g6pd_tested=g6pd_tested, g6pd_missing=g6pd_missing)


def draw_care(rng: np.random.Generator, cm: CaseMix) -> Care:
    """Planned sessions, spacing, rehab, lifestyle, expectations, behaviours, screening."""
    n = len(cm.severity)
    systemic = np.isin(np.array(ROUTES, dtype=object)[cm.route], case_mix.SYSTEMIC_ROUTES)
    planned = draw_keys(rng, n, case_mix.PLANNED_SESSIONS_WEIGHTS)
    planned_systemic = draw_keys(rng, n, case_mix.SYSTEMIC_PLANNED_WEIGHTS)
    planned = np.where(systemic, planned_systemic, planned)
    days = case_mix.SPACING_DAYS
    spacing = np.where(
        systemic,
        days["systemic"],
        np.where(rng.random(n) < case_mix.WEEKLY_SHARE, days["weekly"], days["biweekly"]),
    )
    rehab = _rehab(rng, cm)
    lifestyle = rng.random(n) < case_mix.LIFESTYLE_SHARE
    expectations = draw(rng, n, in_level_order(case_mix.EXPECTATIONS_WEIGHTS, EXPECTATIONS))
    overtraining = rng.random(n) < case_mix.OVERTRAINING_SHARE
    overtraining_missing = rng.random(n) < case_mix.OVERTRAINING_MISSING
    antioxidants = rng.random(n) < case_mix.ANTIOXIDANTS_SHARE
    antioxidants_missing = rng.random(n) < case_mix.ANTIOXIDANTS_MISSING
    screening = _screening(rng, cm, systemic)
    return Care(
        systemic=systemic,
        planned=planned,
        spacing=spacing,
        rehab=rehab,
        lifestyle=lifestyle,
        expectations=expectations,
        overtraining=overtraining,
        overtraining_missing=overtraining_missing,
        antioxidants=antioxidants,
        antioxidants_missing=antioxidants_missing,
        contraindication=screening.contraindication,
        g6pd_tested=screening.g6pd_tested,
        g6pd_missing=screening.g6pd_missing,
    )


def draw_course_price(
    rng: np.random.Generator, cm: CaseMix, care: Care, completed: np.ndarray
) -> np.ndarray:
    """Course price: the site's price per session (cheaper for systemic routes) x sessions
    completed; NaN (unknown) for a few courses."""
    price = (
        in_level_order(case_mix.PRICE_PER_SESSION_BY_SITE, case_mix.SITE_IDS)[cm.site_idx]
        * np.where(care.systemic, case_mix.SYSTEMIC_PRICE_FACTOR, 1.0)
        * completed
    )
    price_missing = rng.random(len(price)) < case_mix.MISSING_PRICE_SHARE
    return np.where(price_missing, np.nan, np.round(price, case_mix.PRICE_DECIMALS))
