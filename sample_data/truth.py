"""The planted response model and the truth a clinic carries for tests (``PlantedTruth``).

The responder probabilities of parameters/response.py (reference course, one factor changed
at a time) become logit shifts here; ``PlantedTruth.response_prob`` and the simulation
(outcomes.py) both add them up, so the truth a test reads is the model that made the data.
sample_data/README.md ("Planted effects") lists the sizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import ClassVar

from sample_data.courses import Roles
from sample_data.parameters import case_mix, response, schedule
from sample_data.sampling import inverse_logit, logit


def _effects(probs: dict, reference: object) -> dict:
    """Logit shift of every level from the reference level's probability."""
    base = logit(probs[reference])
    return {k: round(logit(v) - base, response.LOGIT_DECIMALS) for k, v in probs.items()}


INTERCEPT = logit(response.REFERENCE_RESPONSE_PROB)
LOGIT_SEVERITY = _effects(response.PROB_BY_SEVERITY, "moderate")
LOGIT_ADHERENCE = _effects(response.PROB_BY_ADHERENCE, "full_protocol")
LOGIT_REHAB = _effects(response.PROB_BY_REHAB, "none")
LOGIT_LIFESTYLE = _effects(response.PROB_BY_LIFESTYLE, False)
LOGIT_EXPECTATIONS = _effects(response.PROB_BY_EXPECTATIONS, "realistic")
LOGIT_OVERTRAINING = _effects(response.PROB_BY_OVERTRAINING, False)
LOGIT_ANTIOXIDANTS = _effects(response.PROB_BY_ANTIOXIDANTS, False)
LOGIT_FLARE = _effects(response.PROB_BY_FLARE, False)
# Mild/moderate event rates per session, with the intra-articular rate of swelling.
EVENT_RATE_PER_SESSION = {
    **schedule.EVENT_RATE_PER_SESSION,
    "swelling_intra_articular": schedule.SWELLING_RATE_INTRA_ARTICULAR,
}
# Share of courses with a real contraindication (neither "none" nor "not_screened").
CONTRAINDICATED_SHARE = float(
    sum(
        w for c, w in case_mix.CONTRAINDICATION_WEIGHTS.items() if c not in ("none", "not_screened")
    )
)


@dataclass(frozen=True)
class PlantedTruth(Roles):
    """The effects planted in a synthetic clinic, for tests to read instead of names: its
    fields are the roles the seed dealt the providers (``Roles``); the planted sizes, the
    same in every clinic, are class attributes: the parameters themselves
    (sample_data/parameters/), to be read, never changed.

    Probabilities are true responder probabilities (methods.md section 1 definition) with one
    factor changed and everything else at the reference course (``reference_profile``).
    Crude rates in the data differ from them: other factors are mixed in, adherence and
    rehab are confounded on purpose, and complete-case rates are inflated by the missing
    follow-up that is commoner among non-responders. sample_data/README.md explains each.
    """

    provider_ids: ClassVar[tuple[str, ...]] = case_mix.PROVIDER_IDS
    site_ids: ClassVar[tuple[str, ...]] = case_mix.SITE_IDS
    small_provider_courses: ClassVar[int] = case_mix.SMALL_PROVIDER_COURSES
    # The response model at the reference course, one factor changed at a time.
    reference_response_prob: ClassVar[float] = response.REFERENCE_RESPONSE_PROB
    reference_profile: ClassVar[Mapping[str, str]] = response.REFERENCE_PROFILE
    response_prob_by_severity: ClassVar[Mapping[str, float]] = response.PROB_BY_SEVERITY
    response_prob_by_adherence: ClassVar[Mapping[str, float]] = response.PROB_BY_ADHERENCE
    response_prob_by_rehab: ClassVar[Mapping[str, float]] = response.PROB_BY_REHAB
    response_prob_by_lifestyle_support: ClassVar[Mapping[bool, float]] = response.PROB_BY_LIFESTYLE
    response_prob_by_expectations: ClassVar[Mapping[str, float]] = response.PROB_BY_EXPECTATIONS
    response_prob_by_overtraining: ClassVar[Mapping[bool, float]] = response.PROB_BY_OVERTRAINING
    response_prob_by_early_antioxidants: ClassVar[Mapping[bool, float]] = (
        response.PROB_BY_ANTIOXIDANTS
    )
    response_prob_by_early_flare: ClassVar[Mapping[bool, float]] = response.PROB_BY_FLARE
    # Logit shifts of the case-mix covariates (the adjustment model's terms).
    logit_by_age_band: ClassVar[Mapping[str, float]] = response.LOGIT_BY_AGE
    logit_per_baseline_point_above_6: ClassVar[float] = response.LOGIT_PER_BASELINE_POINT
    logit_by_indication: ClassVar[Mapping[str, float]] = response.LOGIT_BY_INDICATION
    logit_systemic_route: ClassVar[float] = response.LOGIT_SYSTEMIC_ROUTE
    # Early flare and quitting.
    early_flare_prob_by_route: ClassVar[Mapping[str, float]] = response.FLARE_PROB
    flare_event_recorded_prob: ClassVar[float] = response.FLARE_EVENT_RECORDED
    quit_after_flare_prob_by_expectations: ClassVar[Mapping[str, float]] = response.QUIT_AFTER_FLARE
    quit_early_prob_without_flare: ClassVar[float] = response.QUIT_EARLY_WITHOUT_FLARE
    not_started_share: ClassVar[float] = response.NOT_STARTED_SHARE
    # Trajectories and durability.
    responder_improvement: ClassVar[tuple[float, float]] = response.RESPONDER_IMPROVEMENT
    non_responder_improvement: ClassVar[tuple[float, float]] = response.NON_RESPONDER_IMPROVEMENT
    wane_by_week_52_prob_by_rehab: ClassVar[Mapping[str, float]] = response.WANE_BY_WEEK_52
    escalation_prob_by_severity: ClassVar[Mapping[str, float]] = response.ESCALATION_BY_SEVERITY
    escalation_durable_responder_factor: ClassVar[float] = (
        response.ESCALATION_DURABLE_RESPONDER_FACTOR
    )
    missing_primary_followup_prob: ClassVar[Mapping[str, float]] = response.MISSING_PRIMARY_WINDOW
    # Safety and screening.
    serious_event_rate_per_session: ClassVar[float] = schedule.SERIOUS_RATE_PER_SESSION
    event_rate_per_session: ClassVar[Mapping[str, float]] = EVENT_RATE_PER_SESSION
    not_screened_share: ClassVar[float] = case_mix.CONTRAINDICATION_WEIGHTS["not_screened"]
    contraindicated_share: ClassVar[float] = CONTRAINDICATED_SHARE
    g6pd_tested_share: ClassVar[Mapping[str, float]] = case_mix.G6PD_TESTED_SHARE

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
        baseline = float(levels.pop("baseline_nrs", response.REFERENCE_BASELINE_NRS))
        x += self.logit_per_baseline_point_above_6 * (baseline - response.REFERENCE_BASELINE_NRS)
        x += self.logit_by_indication[levels.pop("indication", "knee_oa")]
        if levels.pop("route", "intra_articular") in case_mix.SYSTEMIC_ROUTES:
            x += self.logit_systemic_route
        provider = levels.pop("provider_id", None)
        if provider is not None:
            x += self.provider_logit_effects[provider]
        if levels:
            raise TypeError(f"unknown factor(s): {', '.join(sorted(levels))}")
        return float(inverse_logit(x))


def planted_truth(roles: Roles) -> PlantedTruth:
    """The truth of a clinic whose providers play ``roles`` (copied)."""
    return PlantedTruth(**asdict(roles))
