"""The simulation of a synthetic clinic, step by step, from one random stream.

The causal story, in the order it is simulated (all vectorised numpy, one
``numpy.random.default_rng(seed)`` stream, so the same seed gives the same clinic; the order
of the steps is part of the clinic):

1. case mix: provider (one with a harder case mix, one truly worse, one small), indication,
   route, severity, age, baseline pain, symptom months (courses.py);
2. care choices: planned sessions and spacing, rehab referral (younger and less severe
   patients are referred to supervised PT more often: confounded on purpose), lifestyle
   support, expectations screen, screening (contraindications, G6PD) (care.py);
3. early reaction: a post-injection flare in the first days after session 1 (outcomes.py);
4. adherence: patients with a flare, more so with unrealistic expectations, often stop after
   1-2 sessions (methods.md section 2: adherence is partly caused by early response);
5. response: a logistic model of being a responder on all of the above (the planted effects,
   truth.py);
6. trajectories: responders improve 40-80 % by week 8-12, non-responders 0-20 %; the 12-week
   score is built so the methods.md section 1 responder definition recovers the latent
   responder exactly; responders without rehab lose their response by week 26/52 more often
   (outcomes.py, assessments.py);
7. follow-up: missed visits, a 12-week window missed more often by non-responders, loss after
   week 12, escalation to surgery (end-stage most often) that ends follow-up;
8. safety: mild/moderate events per session, rare serious ones (events.py).
Patients (repeat courses) and prices are drawn last, then the day each course started, which
gives its ``observed_days`` at the extract date (extract.py; tables.py leaves out of the files
what had not happened by then).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sample_data.assessments import Assessments, build_assessments
from sample_data.care import Care, draw_care, draw_course_price
from sample_data.courses import (
    CaseMix,
    Roles,
    SeverityColumns,
    assign_roles,
    draw_case_mix,
    draw_patient_numbers,
    severity_columns,
)
from sample_data.events import EventRows, build_adverse_events
from sample_data.extract import draw_observed_days
from sample_data.outcomes import Adherence, Outcome, draw_adherence, draw_outcome
from sample_data.parameters import case_mix
from sample_data.sessions import SessionRows, build_sessions, escalation_after_last_session


@dataclass(frozen=True, eq=False)
class Simulation:
    """Everything one run of the simulation drew, step by step."""

    roles: Roles
    case_mix: CaseMix
    severity: SeverityColumns
    care: Care
    adherence: Adherence
    outcome: Outcome
    sessions: SessionRows
    events: EventRows
    assessments: Assessments
    patient_number: np.ndarray
    course_price: np.ndarray  # NaN = unknown
    observed_days: np.ndarray  # first session to the extract date (extract.py)

    @property
    def n_courses(self) -> int:
        return len(self.case_mix.severity)


def simulate(n: int, seed: int) -> Simulation:
    """Run the causal story for ``n`` courses from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    roles = assign_roles(rng)
    provider_effects = np.array(
        [roles.provider_logit_effects[pid] for pid in case_mix.PROVIDER_IDS]
    )
    cm = draw_case_mix(rng, n, roles)
    sev = severity_columns(rng, cm)
    care = draw_care(rng, cm)
    adh = draw_adherence(rng, cm, care)
    out = draw_outcome(rng, cm, care, adh, provider_effects)
    ses = build_sessions(rng, cm, care, adh)
    events = build_adverse_events(rng, cm, adh, ses)
    out = replace(out, escalated_day=escalation_after_last_session(out.escalated_day, ses, n))
    asm = build_assessments(rng, cm, adh, out)
    patient_number = draw_patient_numbers(rng, cm)
    price = draw_course_price(rng, cm, care, adh.completed)
    observed_days = draw_observed_days(rng, cm)
    return Simulation(
        roles=roles,
        case_mix=cm,
        severity=sev,
        care=care,
        adherence=adh,
        outcome=out,
        sessions=ses,
        events=events,
        assessments=asm,
        patient_number=patient_number,
        course_price=price,
        observed_days=observed_days,
    )
