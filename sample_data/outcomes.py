"""Steps 3-5 and 7 of the causal story: early flare, adherence, response, and what follows.

An early flare after session 1 makes patients quit (more so with unrealistic expectations;
methods.md section 2: adherence is partly caused by early response); then the planted
logistic model of being a responder (truth.py); then the size of the improvement, waning,
escalation to surgery and the follow-up pattern (12-week window missed more often by
non-responders, loss after week 12). Every number comes from sample_data/parameters/.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from queries.data.contract import (
    ADHERENCE_CLASSES,
    AGE_BANDS,
    EXPECTATIONS,
    INDICATIONS,
    REHAB,
    ROUTES,
)
from sample_data.care import Care
from sample_data.courses import CaseMix
from sample_data.parameters import case_mix, response
from sample_data.sampling import in_level_order, inverse_logit
from sample_data.truth import (
    INTERCEPT,
    LOGIT_ADHERENCE,
    LOGIT_ANTIOXIDANTS,
    LOGIT_EXPECTATIONS,
    LOGIT_FLARE,
    LOGIT_LIFESTYLE,
    LOGIT_OVERTRAINING,
    LOGIT_REHAB,
    LOGIT_SEVERITY,
)


@dataclass(frozen=True, eq=False)
class Adherence:
    """Early flare and sessions completed (``adherence`` indexes ADHERENCE_CLASSES)."""

    flare: np.ndarray
    quit_early: np.ndarray
    completed: np.ndarray
    adherence: np.ndarray
    not_started: np.ndarray


@dataclass(frozen=True, eq=False)
class Outcome:
    """The latent outcome of each course and its follow-up pattern."""

    logit: np.ndarray
    prob: np.ndarray
    responder: np.ndarray
    improvement: np.ndarray
    wanes: np.ndarray
    wane_week: np.ndarray
    escalates: np.ndarray
    escalated_day: np.ndarray
    window_missing: np.ndarray
    late_visit: np.ndarray
    lost_26: np.ndarray
    lost_52: np.ndarray


def draw_adherence(rng: np.random.Generator, cm: CaseMix, care: Care) -> Adherence:
    """Early flare, then sessions completed: a flare (worse with unrealistic hopes) -> quit."""
    n = len(cm.severity)
    intra = cm.route == ROUTES.index("intra_articular")
    flare = rng.random(n) < np.where(
        intra, response.FLARE_PROB["intra_articular"], response.FLARE_PROB["other"]
    )
    quit_p = np.where(
        flare,
        in_level_order(response.QUIT_AFTER_FLARE, EXPECTATIONS)[care.expectations],
        response.QUIT_EARLY_WITHOUT_FLARE,
    )
    planned = care.planned
    first, second = response.EARLY_QUIT_AFTER_SESSIONS
    quit_early = (planned >= second) & (rng.random(n) < quit_p)
    after_first = (planned == second) | (rng.random(n) < response.QUIT_AFTER_FIRST_SHARE)
    completed = planned.copy()
    completed[quit_early] = np.where(after_first, first, second)[quit_early]
    later = (
        (~quit_early)
        & (planned >= response.LATER_DROPOUT_MIN_PLANNED)
        & (rng.random(n) < response.LATER_DROPOUT)
    )
    # stop at session LATER_DROPOUT_FIRST_STOP..planned-1
    first_stop = response.LATER_DROPOUT_FIRST_STOP
    stop_at = first_stop + np.floor(rng.random(n) * np.maximum(planned - first_stop, 1)).astype(
        np.int64
    )
    completed[later] = np.minimum(stop_at, planned - 1)[later]
    not_started = rng.random(n) < response.NOT_STARTED_SHARE
    completed[not_started] = 0
    code = {c: ADHERENCE_CLASSES.index(c) for c in ADHERENCE_CLASSES}
    adherence = np.select(
        [completed == 0, completed >= planned, completed == 1],
        [code["not_started"], code["full_protocol"], code["one_and_done"]],
        code["partial"],
    )
    return Adherence(
        flare=flare & ~not_started,
        quit_early=quit_early & ~not_started,
        completed=completed,
        adherence=adherence,
        not_started=not_started,
    )


def response_logit(
    cm: CaseMix, care: Care, adh: Adherence, provider_effects: np.ndarray
) -> np.ndarray:
    """The planted logistic model of being a responder (see PlantedTruth.response_prob);
    not-started courses get no adherence shift (they cannot respond at all)."""
    sev = in_level_order(LOGIT_SEVERITY, case_mix.LATENT_SEVERITY_CLASSES)[cm.severity]
    adherence_logit = in_level_order({"not_started": 0.0, **LOGIT_ADHERENCE}, ADHERENCE_CLASSES)
    return (
        INTERCEPT
        + sev
        + adherence_logit[adh.adherence]
        + in_level_order(LOGIT_REHAB, REHAB)[care.rehab]
        + LOGIT_LIFESTYLE[True] * care.lifestyle
        + in_level_order(LOGIT_EXPECTATIONS, EXPECTATIONS)[care.expectations]
        + LOGIT_OVERTRAINING[True] * care.overtraining
        + LOGIT_ANTIOXIDANTS[True] * care.antioxidants
        + LOGIT_FLARE[True] * adh.flare
        + in_level_order(response.LOGIT_BY_AGE, AGE_BANDS)[cm.age]
        + response.LOGIT_PER_BASELINE_POINT * (cm.baseline - response.REFERENCE_BASELINE_NRS)
        + in_level_order(response.LOGIT_BY_INDICATION, INDICATIONS)[cm.indication]
        + response.LOGIT_SYSTEMIC_ROUTE * care.systemic
        + provider_effects[cm.provider_idx]
    )


def _uniform(bounds: tuple[float, float], u: np.ndarray) -> np.ndarray:
    low, high = bounds
    return low + (high - low) * u


def draw_outcome(
    rng: np.random.Generator, cm: CaseMix, care: Care, adh: Adherence, provider_effects: np.ndarray
) -> Outcome:
    """Responder status, improvement, waning, escalation and the follow-up pattern."""
    n = len(cm.severity)
    logit = response_logit(cm, care, adh, provider_effects)
    prob = np.where(adh.not_started, 0.0, inverse_logit(logit))
    responder = rng.random(n) < prob
    u = rng.random(n)
    improvement = np.where(
        responder,
        _uniform(response.RESPONDER_IMPROVEMENT, u),
        _uniform(response.NON_RESPONDER_IMPROVEMENT, u),
    )
    improvement[adh.not_started] = 0.0

    wane_p = in_level_order(response.WANE_BY_WEEK_52, REHAB)[care.rehab]
    wanes = responder & (rng.random(n) < wane_p)
    week_26, week_52 = response.WANE_WEEKS
    wane_week = np.where(
        wanes, np.where(rng.random(n) < response.WANE_BY_WEEK_26_SHARE, week_26, week_52), 0
    )

    esc_p = in_level_order(response.ESCALATION_BY_SEVERITY, case_mix.LATENT_SEVERITY_CLASSES)[
        cm.severity
    ]
    esc_p = np.where(
        responder & ~wanes, esc_p * response.ESCALATION_DURABLE_RESPONDER_FACTOR, esc_p
    )
    escalates = (~adh.not_started) & (rng.random(n) < esc_p)
    last_day_estimate = (np.maximum(adh.completed, 1) - 1) * (
        care.spacing + response.SESSION_DAYS_ESTIMATE_EXTRA
    )
    delay = response.ESCALATION_DELAY_FIXED_DAYS + rng.exponential(
        response.ESCALATION_DELAY_MEAN_DAYS, n
    )
    escalated_day = np.minimum(last_day_estimate + np.rint(delay), response.LAST_DAY).astype(
        np.int64
    )

    miss_p = np.where(
        responder,
        response.MISSING_PRIMARY_WINDOW["responder"],
        response.MISSING_PRIMARY_WINDOW["non_responder"],
    )
    window_missing = adh.not_started | (rng.random(n) < miss_p)
    late_visit = window_missing & ~adh.not_started & (rng.random(n) < response.LATE_VISIT_SHARE)
    lost_26 = rng.random(n) < response.LOST_BEFORE_26
    lost_52 = lost_26 | (rng.random(n) < response.LOST_BEFORE_52)
    return Outcome(
        logit=logit,
        prob=prob,
        responder=responder,
        improvement=improvement,
        wanes=wanes,
        wane_week=wane_week,
        escalates=escalates,
        escalated_day=escalated_day,
        window_missing=window_missing,
        late_visit=late_visit,
        lost_26=lost_26,
        lost_52=lost_52,
    )
