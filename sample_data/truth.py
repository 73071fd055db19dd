"""The planted response model and the truth a clinic carries for tests (``PlantedTruth``).

The responder probabilities of parameters.py (reference course, one factor changed at a
time) become logit shifts here; ``PlantedTruth.response_prob`` and the simulation
(outcomes.py) both add them up, so the truth a test reads is the model that made the data.
sample_data/README.md ("Planted effects") lists the sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sample_data import parameters as p
from sample_data.courses import Roles
from sample_data.sampling import inverse_logit, logit


def _effects(probs: dict, reference: object) -> dict:
    """Logit shift of every level from the reference level's probability."""
    base = logit(probs[reference])
    return {k: round(logit(v) - base, p.LOGIT_DECIMALS) for k, v in probs.items()}


INTERCEPT = logit(p.REFERENCE_RESPONSE_PROB)
LOGIT_SEVERITY = _effects(p.PROB_BY_SEVERITY, "moderate")
LOGIT_ADHERENCE = _effects(p.PROB_BY_ADHERENCE, "full_protocol")
LOGIT_REHAB = _effects(p.PROB_BY_REHAB, "none")
LOGIT_LIFESTYLE = _effects(p.PROB_BY_LIFESTYLE, False)
LOGIT_EXPECTATIONS = _effects(p.PROB_BY_EXPECTATIONS, "realistic")
LOGIT_OVERTRAINING = _effects(p.PROB_BY_OVERTRAINING, False)
LOGIT_ANTIOXIDANTS = _effects(p.PROB_BY_ANTIOXIDANTS, False)
LOGIT_FLARE = _effects(p.PROB_BY_FLARE, False)


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
        baseline = float(levels.pop("baseline_nrs", p.REFERENCE_BASELINE_NRS))
        x += self.logit_per_baseline_point_above_6 * (baseline - p.REFERENCE_BASELINE_NRS)
        x += self.logit_by_indication[levels.pop("indication", "knee_oa")]
        if levels.pop("route", "intra_articular") in p.SYSTEMIC_ROUTES:
            x += self.logit_systemic_route
        provider = levels.pop("provider_id", None)
        if provider is not None:
            x += self.provider_logit_effects[provider]
        if levels:
            raise TypeError(f"unknown factor(s): {', '.join(sorted(levels))}")
        return float(inverse_logit(x))


def planted_truth(roles: Roles) -> PlantedTruth:
    """The truth of a clinic whose providers play ``roles``."""
    return PlantedTruth(
        hard_case_mix_provider_id=roles.hard,
        worse_provider_id=roles.worse,
        small_provider_id=roles.small,
        provider_ids=p.PROVIDER_IDS,
        response_prob_by_severity=dict(p.PROB_BY_SEVERITY),
        response_prob_by_adherence=dict(p.PROB_BY_ADHERENCE),
        response_prob_by_rehab=dict(p.PROB_BY_REHAB),
        response_prob_by_lifestyle_support=dict(p.PROB_BY_LIFESTYLE),
        response_prob_by_expectations=dict(p.PROB_BY_EXPECTATIONS),
        response_prob_by_overtraining=dict(p.PROB_BY_OVERTRAINING),
        response_prob_by_early_antioxidants=dict(p.PROB_BY_ANTIOXIDANTS),
        response_prob_by_early_flare=dict(p.PROB_BY_FLARE),
        reference_response_prob=p.REFERENCE_RESPONSE_PROB,
        reference_profile=dict(p.REFERENCE_PROFILE),
        provider_site=dict(roles.site_of),
        provider_logit_effects=dict(roles.effects),
        site_ids=p.SITE_IDS,
        small_provider_courses=p.SMALL_PROVIDER_COURSES,
        logit_by_age_band=dict(p.LOGIT_BY_AGE),
        logit_per_baseline_point_above_6=p.LOGIT_PER_BASELINE_POINT,
        logit_by_indication=dict(p.LOGIT_BY_INDICATION),
        logit_systemic_route=p.LOGIT_SYSTEMIC_ROUTE,
        early_flare_prob_by_route=dict(p.FLARE_PROB),
        flare_event_recorded_prob=p.FLARE_EVENT_RECORDED,
        quit_after_flare_prob_by_expectations=dict(p.QUIT_AFTER_FLARE),
        quit_early_prob_without_flare=p.QUIT_EARLY_WITHOUT_FLARE,
        responder_improvement=p.RESPONDER_IMPROVEMENT,
        non_responder_improvement=p.NON_RESPONDER_IMPROVEMENT,
        wane_by_week_52_prob_by_rehab=dict(p.WANE_BY_WEEK_52),
        escalation_prob_by_severity=dict(p.ESCALATION_BY_SEVERITY),
        escalation_durable_responder_factor=p.ESCALATION_DURABLE_RESPONDER_FACTOR,
        missing_primary_followup_prob=dict(p.MISSING_PRIMARY_WINDOW),
        serious_event_rate_per_session=p.SERIOUS_RATE_PER_SESSION,
        event_rate_per_session={
            **p.EVENT_RATE_PER_SESSION,
            "swelling_intra_articular": p.SWELLING_RATE_INTRA_ARTICULAR,
        },
        not_screened_share=p.CONTRAINDICATION_WEIGHTS["not_screened"],
        contraindicated_share=float(
            sum(
                w
                for c, w in p.CONTRAINDICATION_WEIGHTS.items()
                if c not in ("none", "not_screened")
            )
        ),
        g6pd_tested_share=dict(p.G6PD_TESTED_SHARE),
        not_started_share=p.NOT_STARTED_SHARE,
    )
