"""Steps 1-2 of the causal story: who is treated (case mix) and how (care choices).

Provider roles, then per course: provider and site, start period, indication, route, latent
severity and how the scale records it, age band, sex, baseline pain, symptom months; then
planned sessions and spacing, rehab referral (confounded on purpose), lifestyle support,
expectations, overtraining and early antioxidants, screening; last, patients and prices.
Every number comes from parameters.py; every level order from the data contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from queries.data.contract import (
    AGE_BANDS,
    CONTRAINDICATIONS,
    EXPECTATIONS,
    INDICATIONS,
    REHAB,
    ROUTES,
    SEXES,
)
from sample_data import parameters as p
from sample_data.sampling import categorical, draw, draw_keys, in_level_order, inverse_logit


@dataclass(frozen=True)
class Roles:
    """Which provider plays which role (seed-dependent), their sites and logit effects."""

    hard: str
    worse: str
    small: str
    ordinary: tuple[str, ...]
    site_of: dict[str, str]
    effects: dict[str, float]


@dataclass(frozen=True, eq=False)
class CaseMix:
    """Who is treated: one entry per course (integer codes index the contract's levels;
    ``severity`` indexes parameters.LATENT_SEVERITY_CLASSES)."""

    provider_idx: np.ndarray
    site_idx: np.ndarray
    is_hard: np.ndarray
    start_year: np.ndarray
    start_quarter: np.ndarray
    quarter_missing: np.ndarray
    indication: np.ndarray
    route: np.ndarray
    scale_group: np.ndarray
    severity: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    baseline: np.ndarray
    symptom_months: np.ndarray
    symptom_missing: np.ndarray


@dataclass(frozen=True, eq=False)
class SeverityColumns:
    """How the severity scale records the latent class, with a few grades hidden."""

    severity_scale: np.ndarray
    severity_grade: np.ndarray
    end_stage: np.ndarray
    end_stage_missing: np.ndarray
    grade_hidden: np.ndarray


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


def assign_roles(rng: np.random.Generator) -> Roles:
    """Which provider plays which role, and their sites and random effects (seed-dependent)."""
    order = rng.permutation(len(p.PROVIDER_IDS))
    ids = [p.PROVIDER_IDS[i] for i in order]
    hard, worse, small, ordinary = ids[0], ids[1], ids[2], ids[3:]
    site_of = {pid: p.SITE_IDS[i % len(p.SITE_IDS)] for i, pid in enumerate(p.PROVIDER_IDS)}
    random_effects = np.round(
        rng.normal(0.0, p.PROVIDER_RANDOM_EFFECT_SD, len(ordinary) + 1), p.PROVIDER_EFFECT_DECIMALS
    )
    effects = {
        hard: p.HARD_CASE_MIX_EFFECT,
        worse: p.WORSE_PROVIDER_EFFECT,
        small: float(random_effects[-1]),
    }
    effects.update({pid: float(e) for pid, e in zip(ordinary, random_effects[:-1], strict=True)})
    return Roles(
        hard=hard,
        worse=worse,
        small=small,
        ordinary=tuple(ordinary),
        site_of=site_of,
        effects={pid: effects[pid] for pid in p.PROVIDER_IDS},
    )


def _by_indication_group(by_group: dict) -> np.ndarray:
    """A parameter given per indication group, laid out per indication (contract order)."""
    return np.array([by_group[p.INDICATION_GROUP[i]] for i in INDICATIONS])


def _codes(levels: tuple[str, ...], chosen: tuple[str, ...]) -> list[int]:
    return [levels.index(level) for level in chosen]


def _latent_severity(
    rng: np.random.Generator, scale_group: np.ndarray, is_hard: np.ndarray
) -> np.ndarray:
    """Latent severity class by scale, harder for the hard-case-mix provider."""
    severity = np.zeros(len(scale_group), dtype=np.int64)
    for group in p.GRADED_SCALES:
        in_group = scale_group == group
        table = np.array(
            [
                in_level_order(weights[group], p.LATENT_SEVERITY_CLASSES)
                for weights in (p.SEVERITY_WEIGHTS, p.HARD_CASE_SEVERITY_WEIGHTS)
            ]
        )
        severity[in_group] = categorical(rng, table[is_hard[in_group].astype(int)])
    return severity


def _age_band(rng: np.random.Generator, indication: np.ndarray, is_hard: np.ndarray) -> np.ndarray:
    """Age band by indication group; half the hard case mix one band older."""
    table = np.array([in_level_order(p.AGE_WEIGHTS[g], AGE_BANDS) for g in p.INDICATION_GROUPS])
    group = np.array(
        _codes(p.INDICATION_GROUPS, tuple(p.INDICATION_GROUP[i] for i in INDICATIONS))
    )[indication]
    age = categorical(rng, table[group])
    older = is_hard & (rng.random(len(indication)) < p.HARD_CASE_OLDER_SHARE)
    return np.minimum(age + older, len(AGE_BANDS) - 1)


def _sex(rng: np.random.Generator, indication: np.ndarray) -> np.ndarray:
    """Sex by one uniform draw against the cumulative shares (female share by indication)."""
    female_share = _by_indication_group(p.FEMALE_SHARE)[indication]
    u = rng.random(len(indication))
    female, male, other, unknown = _codes(SEXES, ("female", "male", "other", "unknown"))
    return np.select(
        [u < female_share, u < p.SEX_CUMULATIVE["male"]],
        [female, male],
        np.where(u < p.SEX_CUMULATIVE["other"], other, unknown),
    )


def _baseline_nrs(
    rng: np.random.Generator, severity: np.ndarray, is_hard: np.ndarray
) -> np.ndarray:
    """Baseline NRS: normal around a mean by severity (higher for the hard case mix), rounded,
    eligible (>= MIN_BASELINE); a few low baselines below it."""
    n = len(severity)
    mean = (
        p.BASELINE_MEAN
        + in_level_order(p.BASELINE_SHIFT_BY_SEVERITY, p.LATENT_SEVERITY_CLASSES)[severity]
        + p.HARD_CASE_BASELINE_SHIFT * is_hard
    )
    baseline = np.clip(np.rint(rng.normal(mean, p.BASELINE_SD)), p.MIN_BASELINE, p.NRS_MAX).astype(
        np.int64
    )
    low = rng.random(n) < p.LOW_BASELINE_SHARE
    baseline[low] = rng.integers(int(p.NRS_MIN), p.MIN_BASELINE, n)[low]
    return baseline


def draw_case_mix(rng: np.random.Generator, n: int, roles: Roles) -> CaseMix:
    """Provider, site, start period, indication, route, severity, age, sex, baseline pain."""
    n_small = min(p.SMALL_PROVIDER_COURSES, n // p.SMALL_PROVIDER_AT_MOST_ONE_IN)
    by_role = [roles.hard, roles.worse, *roles.ordinary]
    provider_slot = draw(
        rng, n, (p.HARD_CASE_MIX_WEIGHT, p.WORSE_PROVIDER_WEIGHT, *p.ORDINARY_PROVIDER_WEIGHTS)
    )
    provider = np.array(by_role, dtype=object)[provider_slot]
    provider[rng.permutation(n)[:n_small]] = roles.small
    is_hard = provider == roles.hard
    provider_idx = np.array(_codes(p.PROVIDER_IDS, tuple(by_role)))[provider_slot]
    provider_idx[provider == roles.small] = p.PROVIDER_IDS.index(roles.small)
    site_of_provider = _codes(p.SITE_IDS, tuple(roles.site_of[pid] for pid in p.PROVIDER_IDS))
    site_idx = np.array(site_of_provider)[provider_idx]

    start_year = draw_keys(rng, n, p.START_YEAR_WEIGHTS)
    start_quarter = rng.integers(p.QUARTERS[0], p.QUARTERS[-1] + 1, n)
    quarter_missing = rng.random(n) < p.MISSING_QUARTER_SHARE

    indication = draw(rng, n, in_level_order(p.INDICATION_WEIGHTS, INDICATIONS))
    route_table = np.array(
        [in_level_order(p.ROUTE_BY_INDICATION[i], ROUTES, default=0.0) for i in INDICATIONS]
    )
    route = categorical(rng, route_table[indication])
    scale_group = in_level_order(p.SCALE_BY_INDICATION, INDICATIONS, dtype=object)[indication]
    severity = _latent_severity(rng, scale_group, is_hard)
    age = _age_band(rng, indication, is_hard)
    sex = _sex(rng, indication)
    baseline = _baseline_nrs(rng, severity, is_hard)
    median_months = _by_indication_group(p.SYMPTOM_MONTHS_MEDIAN)[indication]
    symptom_months = np.clip(
        np.rint(rng.lognormal(np.log(median_months), p.SYMPTOM_MONTHS_LOG_SD, n)),
        *p.SYMPTOM_MONTHS_RANGE,
    ).astype(np.int64)
    symptom_missing = rng.random(n) < p.MISSING_SYMPTOM_MONTHS_SHARE
    return CaseMix(
        provider_idx=provider_idx,
        site_idx=site_idx,
        is_hard=is_hard,
        start_year=start_year,
        start_quarter=start_quarter,
        quarter_missing=quarter_missing,
        indication=indication,
        route=route,
        scale_group=scale_group,
        severity=severity,
        age=age,
        sex=sex,
        baseline=baseline,
        symptom_months=symptom_months,
        symptom_missing=symptom_missing,
    )


def severity_columns(rng: np.random.Generator, cm: CaseMix) -> SeverityColumns:
    """Scale, grade and end_stage flag from the latent class; a few grades hidden."""
    n = len(cm.severity)
    sev, group = cm.severity, cm.scale_group
    none, end = _codes(p.LATENT_SEVERITY_CLASSES, ("none", "end_stage"))
    grades = {
        scale: in_level_order(p.GRADE_BY_SEVERITY[scale], p.LATENT_SEVERITY_CLASSES, dtype=object)[
            sev
        ]
        for scale in p.GRADED_SCALES
    }
    grades["kl"][(sev == none) & (rng.random(n) < p.KL_NONE_GRADE_1_SHARE)] = "1"
    pf_iv_end = (sev == end) & (rng.random(n) < p.PFIRRMANN_END_STAGE_IV_SHARE)
    grades["pfirrmann"][pf_iv_end] = "IV"
    grade = np.select(
        [group == "kl", group == "pfirrmann"],
        [grades["kl"], grades["pfirrmann"]],
        grades["clinician"],
    )
    scale = group.copy()
    end_stage = sev == end
    # end_stage is left empty now and then, never where it decides the class (KL 4 / IV).
    needs_flag = np.isin(grade, p.GRADES_NEEDING_FLAG)
    flag_missing = (~needs_flag) & (rng.random(n) < p.END_STAGE_FLAG_MISSING_SHARE)
    hidden = rng.random(n) < p.UNKNOWN_GRADE_SHARE
    scale_none = hidden & (rng.random(n) < p.HIDDEN_AS_SCALE_NONE_SHARE)
    scale[scale_none] = "none"
    grade = grade.astype(object)
    grade[hidden] = None
    flag_missing |= hidden
    return SeverityColumns(
        severity_scale=scale,
        severity_grade=grade,
        end_stage=end_stage,
        end_stage_missing=flag_missing,
        grade_hidden=hidden,
    )


def _rehab(rng: np.random.Generator, cm: CaseMix) -> np.ndarray:
    """Rehab referral: younger and less severe patients go to supervised PT more often
    (a logit shift on the reference share of supervised PT; home program and none keep
    their ratio)."""
    w = p.REHAB_WEIGHTS
    others = w["none"] + w["home_program"]
    pt_logit = (
        np.log(w["supervised_pt"] / others)
        + in_level_order(p.SUPERVISED_PT_LOGIT_BY_AGE, AGE_BANDS)[cm.age]
        + in_level_order(p.SUPERVISED_PT_LOGIT_BY_SEVERITY, p.LATENT_SEVERITY_CLASSES)[cm.severity]
    )
    p_pt = inverse_logit(pt_logit)
    p_home = (1.0 - p_pt) * w["home_program"] / others
    probs = {"none": 1.0 - p_pt - p_home, "home_program": p_home, "supervised_pt": p_pt}
    return categorical(rng, np.column_stack([probs[level] for level in REHAB]))


def _screening(rng: np.random.Generator, cm: CaseMix, systemic: np.ndarray) -> Screening:
    """Contraindication (pregnancy only where possible), G6PD tested and its missingness."""
    n = len(cm.severity)
    contra = draw(rng, n, in_level_order(p.CONTRAINDICATION_WEIGHTS, CONTRAINDICATIONS))
    code = {c: CONTRAINDICATIONS.index(c) for c in CONTRAINDICATIONS}
    could_be_pregnant = (cm.sex == SEXES.index("female")) & np.isin(
        cm.age, _codes(AGE_BANDS, p.PREGNANCY_POSSIBLE_AGE_BANDS)
    )
    contra[(contra == code["pregnancy"]) & ~could_be_pregnant] = code["other"]
    tested_p = np.where(systemic, p.G6PD_TESTED_SHARE["systemic"], p.G6PD_TESTED_SHARE["injection"])
    g6pd_tested = rng.random(n) < tested_p
    g6pd_missing = rng.random(n) < p.G6PD_TESTED_MISSING
    g6pd_tested[contra == code["g6pd_deficiency"]] = True
    g6pd_missing[contra == code["g6pd_deficiency"]] = False
    g6pd_tested[contra == code["not_screened"]] = False
    g6pd_missing[contra == code["not_screened"]] = False
    return Screening(contraindication=contra, g6pd_tested=g6pd_tested, g6pd_missing=g6pd_missing)


def draw_care(rng: np.random.Generator, cm: CaseMix) -> Care:
    """Planned sessions, spacing, rehab, lifestyle, expectations, behaviours, screening."""
    n = len(cm.severity)
    systemic = np.isin(np.array(ROUTES, dtype=object)[cm.route], p.SYSTEMIC_ROUTES)
    planned = draw_keys(rng, n, p.PLANNED_SESSIONS_WEIGHTS)
    planned_systemic = draw_keys(rng, n, p.SYSTEMIC_PLANNED_WEIGHTS)
    planned = np.where(systemic, planned_systemic, planned)
    days = p.SPACING_DAYS
    spacing = np.where(
        systemic,
        days["systemic"],
        np.where(rng.random(n) < p.WEEKLY_SHARE, days["weekly"], days["biweekly"]),
    )
    rehab = _rehab(rng, cm)
    lifestyle = rng.random(n) < p.LIFESTYLE_SHARE
    expectations = draw(rng, n, in_level_order(p.EXPECTATIONS_WEIGHTS, EXPECTATIONS))
    overtraining = rng.random(n) < p.OVERTRAINING_SHARE
    overtraining_missing = rng.random(n) < p.OVERTRAINING_MISSING
    antioxidants = rng.random(n) < p.ANTIOXIDANTS_SHARE
    antioxidants_missing = rng.random(n) < p.ANTIOXIDANTS_MISSING
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


def draw_patient_numbers(rng: np.random.Generator, cm: CaseMix) -> np.ndarray:
    """Patient number of each course: about REPEAT_PATIENT_SHARE of the courses are a further
    course of an earlier patient with the same sex and age band (vectorised matching within
    sex x age-band groups); the numbers are shuffled so they say nothing of the order."""
    n = len(cm.severity)
    key = cm.sex * len(AGE_BANDS) + cm.age
    repeat = rng.random(n) < p.REPEAT_PATIENT_SHARE
    first = np.nonzero(~repeat)[0]
    first_sorted = first[np.argsort(key[first], kind="stable")]
    counts = np.bincount(key[first], minlength=len(SEXES) * len(AGE_BANDS))
    offsets = np.cumsum(counts) - counts
    owner = np.arange(n)
    rep = np.nonzero(repeat & (counts[key] > 0))[0]
    pick = offsets[key[rep]] + np.floor(rng.random(len(rep)) * counts[key[rep]]).astype(np.int64)
    owner[rep] = first_sorted[pick]
    alone = repeat & (counts[key] == 0)  # no earlier patient like them: their own patient
    owner[alone] = np.nonzero(alone)[0]
    owners = np.unique(owner)
    patient_number = np.empty(n, dtype=np.int64)
    patient_number[owners] = rng.permutation(len(owners)) + 1
    return patient_number[owner]


def draw_course_price(
    rng: np.random.Generator, cm: CaseMix, care: Care, completed: np.ndarray
) -> np.ndarray:
    """Course price: the site's price per session (cheaper for systemic routes) x sessions
    completed; NaN (unknown) for a few courses."""
    price = (
        in_level_order(p.PRICE_PER_SESSION_BY_SITE, p.SITE_IDS)[cm.site_idx]
        * np.where(care.systemic, p.SYSTEMIC_PRICE_FACTOR, 1.0)
        * completed
    )
    price_missing = rng.random(len(price)) < p.MISSING_PRICE_SHARE
    return np.where(price_missing, np.nan, np.round(price, p.PRICE_DECIMALS))
