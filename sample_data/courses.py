"""Step 1 of the causal story: who is treated (case mix); how they are treated is care.py.

Provider roles, then per course: provider and site, start period, indication, route, latent
severity and how the scale records it, age band, sex, baseline pain, symptom months; last
(after the care and the outcome are drawn), patients. Every number comes from
sample_data/parameters/; every level order from the data contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from queries.data.contract import AGE_BANDS, INDICATIONS, ROUTES, SEXES
from sample_data.parameters import case_mix, response
from sample_data.sampling import categorical, draw, draw_keys, in_level_order, level_codes


@dataclass(frozen=True)
class Roles:
    """Which provider plays which role (seed-dependent), their sites and logit effects."""

    hard_case_mix_provider_id: str
    worse_provider_id: str
    small_provider_id: str
    ordinary_provider_ids: tuple[str, ...]
    provider_site: dict[str, str]
    provider_logit_effects: dict[str, float]


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


def assign_roles(rng: np.random.Generator) -> Roles:
    """Which provider plays which role, and their sites and random effects (seed-dependent)."""
    order = rng.permutation(len(case_mix.PROVIDER_IDS))
    ids = [case_mix.PROVIDER_IDS[i] for i in order]
    hard, worse, small, ordinary = ids[0], ids[1], ids[2], ids[3:]
    site_of = {
        pid: case_mix.SITE_IDS[i % len(case_mix.SITE_IDS)]
        for i, pid in enumerate(case_mix.PROVIDER_IDS)
    }
    random_effects = np.round(
        rng.normal(0.0, case_mix.PROVIDER_RANDOM_EFFECT_SD, len(ordinary) + 1),
        case_mix.PROVIDER_EFFECT_DECIMALS,
    )
    effects = {
        hard: case_mix.HARD_CASE_MIX_EFFECT,
        worse: case_mix.WORSE_PROVIDER_EFFECT,
        small: float(random_effects[-1]),
    }
    effects.update({pid: float(e) for pid, e in zip(ordinary, random_effects[:-1], strict=True)})
    return Roles(
        hard_case_mix_provider_id=hard,
        worse_provider_id=worse,
        small_provider_id=small,
        ordinary_provider_ids=tuple(ordinary),
        provider_site=site_of,
        provider_logit_effects={pid: effects[pid] for pid in case_mix.PROVIDER_IDS},
    )


def _by_indication_group(by_group: dict) -> np.ndarray:
    """A parameter given per indication group, laid out per indication (contract order)."""
    return np.array([by_group[case_mix.INDICATION_GROUP[i]] for i in INDICATIONS])


def _latent_severity(
    rng: np.random.Generator, scale_group: np.ndarray, is_hard: np.ndarray
) -> np.ndarray:
    """Latent severity class by scale, harder for the hard-case-mix provider."""
    severity = np.zeros(len(scale_group), dtype=np.int64)
    for group in case_mix.GRADED_SCALES:
        in_group = scale_group == group
        table = np.array(
            [
                in_level_order(weights[group], case_mix.LATENT_SEVERITY_CLASSES)
                for weights in (case_mix.SEVERITY_WEIGHTS, case_mix.HARD_CASE_SEVERITY_WEIGHTS)
            ]
        )
        severity[in_group] = categorical(rng, table[is_hard[in_group].astype(int)])
    return severity


def _age_band(rng: np.random.Generator, indication: np.ndarray, is_hard: np.ndarray) -> np.ndarray:
    """Age band by indication group; half the hard case mix one band older."""
    table = np.array(
        [in_level_order(case_mix.AGE_WEIGHTS[g], AGE_BANDS) for g in case_mix.INDICATION_GROUPS]
    )
    group = np.array(
        level_codes(
            case_mix.INDICATION_GROUPS, tuple(case_mix.INDICATION_GROUP[i] for i in INDICATIONS)
        )
    )[indication]
    age = categorical(rng, table[group])
    older = is_hard & (rng.random(len(indication)) < case_mix.HARD_CASE_OLDER_SHARE)
    return np.minimum(age + older, len(AGE_BANDS) - 1)


def _sex(rng: np.random.Generator, indication: np.ndarray) -> np.ndarray:
    """Sex by one uniform draw against the cumulative shares (female share by indication)."""
    female_share = _by_indication_group(case_mix.FEMALE_SHARE)[indication]
    u = rng.random(len(indication))
    female, male, other, unknown = level_codes(SEXES, ("female", "male", "other", "unknown"))
    return np.select(
        [u < female_share, u < case_mix.SEX_CUMULATIVE["male"]],
        [female, male],
        np.where(u < case_mix.SEX_CUMULATIVE["other"], other, unknown),
    )


def _baseline_nrs(
    rng: np.random.Generator, severity: np.ndarray, is_hard: np.ndarray
) -> np.ndarray:
    """Baseline NRS: normal around a mean by severity (higher for the hard case mix), rounded,
    eligible (>= MIN_BASELINE); a few low baselines below it."""
    n = len(severity)
    mean = (
        case_mix.BASELINE_MEAN
        + in_level_order(case_mix.BASELINE_SHIFT_BY_SEVERITY, case_mix.LATENT_SEVERITY_CLASSES)[
            severity
        ]
        + case_mix.HARD_CASE_BASELINE_SHIFT * is_hard
    )
    baseline = np.clip(
        np.rint(rng.normal(mean, case_mix.BASELINE_SD)), response.MIN_BASELINE, response.NRS_MAX
    ).astype(np.int64)
    low = rng.random(n) < case_mix.LOW_BASELINE_SHARE
    baseline[low] = rng.integers(int(response.NRS_MIN), response.MIN_BASELINE, n)[low]
    return baseline


def draw_case_mix(rng: np.random.Generator, n: int, roles: Roles) -> CaseMix:
    """Provider, site, start period, indication, route, severity, age, sex, baseline pain."""
    n_small = min(case_mix.SMALL_PROVIDER_COURSES, n // case_mix.SMALL_PROVIDER_AT_MOST_ONE_IN)
    small = roles.small_provider_id
    by_role = [
        roles.hard_case_mix_provider_id,
        roles.worse_provider_id,
        *roles.ordinary_provider_ids,
    ]
    provider_slot = draw(
        rng,
        n,
        (
            case_mix.HARD_CASE_MIX_WEIGHT,
            case_mix.WORSE_PROVIDER_WEIGHT,
            *case_mix.ORDINARY_PROVIDER_WEIGHTS,
        ),
    )
    provider = np.array(by_role, dtype=object)[provider_slot]
    provider[rng.permutation(n)[:n_small]] = small
    is_hard = provider == roles.hard_case_mix_provider_id
    provider_idx = np.array(level_codes(case_mix.PROVIDER_IDS, tuple(by_role)))[provider_slot]
    provider_idx[provider == small] = case_mix.PROVIDER_IDS.index(small)
    site_of_provider = level_codes(
        case_mix.SITE_IDS, tuple(roles.provider_site[pid] for pid in case_mix.PROVIDER_IDS)
    )
    site_idx = np.array(site_of_provider)[provider_idx]

    start_year = draw_keys(rng, n, case_mix.START_YEAR_WEIGHTS)
    start_quarter = rng.integers(case_mix.QUARTERS[0], case_mix.QUARTERS[-1] + 1, n)
    quarter_missing = rng.random(n) < case_mix.MISSING_QUARTER_SHARE

    indication = draw(rng, n, in_level_order(case_mix.INDICATION_WEIGHTS, INDICATIONS))
    route_table = np.array(
        [in_level_order(case_mix.ROUTE_BY_INDICATION[i], ROUTES, default=0.0) for i in INDICATIONS]
    )
    route = categorical(rng, route_table[indication])
    scale_group = in_level_order(case_mix.SCALE_BY_INDICATION, INDICATIONS, dtype=object)[
        indication
    ]
    severity = _latent_severity(rng, scale_group, is_hard)
    age = _age_band(rng, indication, is_hard)
    sex = _sex(rng, indication)
    baseline = _baseline_nrs(rng, severity, is_hard)
    median_months = _by_indication_group(case_mix.SYMPTOM_MONTHS_MEDIAN)[indication]
    symptom_months = np.clip(
        np.rint(rng.lognormal(np.log(median_months), case_mix.SYMPTOM_MONTHS_LOG_SD, n)),
        *case_mix.SYMPTOM_MONTHS_RANGE,
    ).astype(np.int64)
    symptom_missing = rng.random(n) < case_mix.MISSING_SYMPTOM_MONTHS_SHARE
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
    none, end = level_codes(case_mix.LATENT_SEVERITY_CLASSES, ("none", "end_stage"))
    grades = {
        scale: in_level_order(
            case_mix.GRADE_BY_SEVERITY[scale], case_mix.LATENT_SEVERITY_CLASSES, dtype=object
        )[sev]
        for scale in case_mix.GRADED_SCALES
    }
    grades["kl"][(sev == none) & (rng.random(n) < case_mix.KL_NONE_GRADE_1_SHARE)] = "1"
    pf_iv_end = (sev == end) & (rng.random(n) < case_mix.PFIRRMANN_END_STAGE_IV_SHARE)
    grades["pfirrmann"][pf_iv_end] = "IV"
    grade = np.select(
        [group == "kl", group == "pfirrmann"],
        [grades["kl"], grades["pfirrmann"]],
        grades["clinician"],
    )
    scale = group.copy()
    end_stage = sev == end
    # end_stage is left empty now and then, never where it decides the class (KL 4 / IV).
    needs_flag = np.isin(grade, case_mix.GRADES_NEEDING_FLAG)
    flag_missing = (~needs_flag) & (rng.random(n) < case_mix.END_STAGE_FLAG_MISSING_SHARE)
    hidden = rng.random(n) < case_mix.UNKNOWN_GRADE_SHARE
    scale_none = hidden & (rng.random(n) < case_mix.HIDDEN_AS_SCALE_NONE_SHARE)
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


def draw_patient_numbers(rng: np.random.Generator, cm: CaseMix) -> np.ndarray:
    """Patient number of each course: about REPEAT_PATIENT_SHARE of the courses are a further
    course of an earlier patient with the same sex and age band (vectorised matching within
    sex x age-band groups); the numbers are shuffled so they say nothing of the order."""
    n = len(cm.severity)
    key = cm.sex * len(AGE_BANDS) + cm.age
    repeat = rng.random(n) < case_mix.REPEAT_PATIENT_SHARE
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
