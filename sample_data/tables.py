"""From a simulation to the four contract tables (and the latent table tests read).

Columns exactly the data contract's, in its order (queries/data/contract.py), levels as the
contract spells them, unknown as a missing value (written as an empty cell); ids opaque and
zero-padded (``c000001``, ``pt004711``). The files hold what had happened by the extract date
(extract.py): rows after a course's ``observed_days`` are left out, an escalation after it is
empty. Nothing here draws a random number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from queries.data.contract import (
    ADHERENCE_CLASSES,
    AGE_BANDS,
    CONTRAINDICATIONS,
    EVENTS,
    EXPECTATIONS,
    FILE_BY_NAME,
    INDICATIONS,
    INSTRUMENTS,
    REHAB,
    ROUTES,
    SERIOUSNESS,
    SEXES,
)
from sample_data.extract import in_extract
from sample_data.parameters import case_mix
from sample_data.simulation import Simulation

# Optional contract columns the generator leaves out of its files (the contract allows it):
# none (observed_days is written since the clinic has an extract date).
NOT_GENERATED: tuple[str, ...] = ()
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c for c in FILE_BY_NAME[name].column_names if c not in NOT_GENERATED)
    for name in ("courses", "sessions", "assessments", "adverse_events")
}
MIN_ID_DIGITS = 6


def labels(levels: Sequence[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text column from integer codes (an Arrow take: fast for millions of rows)."""
    return pd.Series(pd.array(list(levels), dtype="str")).take(codes).array


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Opaque ids: ``prefix`` + the number zero-padded to ``width`` digits."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def bool_with_missing(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    out = pd.array(values.astype(bool), dtype="boolean")
    out[missing] = pd.NA
    return out


def int_with_missing(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int64), missing.astype(bool))


def courses_table(sim: Simulation) -> pd.DataFrame:
    """The courses table; patients shared across courses (same sex and age band)."""
    cm, sev, care, out = sim.case_mix, sim.severity, sim.care, sim.outcome
    n = sim.n_courses
    width = max(MIN_ID_DIGITS, len(str(n)))
    return pd.DataFrame(
        {
            "course_id": pd.array(ids("c", np.arange(1, n + 1), width), dtype="str"),
            "patient_id": pd.array(ids("pt", sim.patient_number, width), dtype="str"),
            "site_id": labels(case_mix.SITE_IDS, cm.site_idx),
            "provider_id": labels(case_mix.PROVIDER_IDS, cm.provider_idx),
            "start_year": cm.start_year.astype(np.int64),
            "start_quarter": int_with_missing(cm.start_quarter, cm.quarter_missing),
            "age_band": labels(AGE_BANDS, cm.age),
            "sex": labels(SEXES, cm.sex),
            "indication": labels(INDICATIONS, cm.indication),
            "route": labels(ROUTES, cm.route),
            "severity_scale": pd.array(sev.severity_scale, dtype="str"),
            "severity_grade": pd.array(sev.severity_grade, dtype="str"),
            "end_stage": bool_with_missing(sev.end_stage, sev.end_stage_missing),
            "symptom_months": int_with_missing(cm.symptom_months, cm.symptom_missing),
            "planned_sessions": care.planned.astype(np.int64),
            "rehab": labels(REHAB, care.rehab),
            "lifestyle_support": care.lifestyle.astype(bool),
            "expectations": labels(EXPECTATIONS, care.expectations),
            "contraindication": labels(CONTRAINDICATIONS, care.contraindication),
            "g6pd_tested": bool_with_missing(care.g6pd_tested, care.g6pd_missing),
            "overtraining_reported": bool_with_missing(
                care.overtraining, care.overtraining_missing
            ),
            "early_antioxidants_reported": bool_with_missing(
                care.antioxidants, care.antioxidants_missing
            ),
            "escalated_day": int_with_missing(
                out.escalated_day, ~out.escalates | (out.escalated_day > sim.observed_days)
            ),
            "course_price": pd.array(sim.course_price, dtype="Float64"),
            "observed_days": sim.observed_days.astype(np.int64),
        }
    )


def _in_extract(frame: pd.DataFrame, kept: np.ndarray) -> pd.DataFrame:
    """The rows of ``frame`` that had happened by the extract date."""
    return frame.loc[kept].reset_index(drop=True)


def contract_tables(sim: Simulation) -> dict[str, pd.DataFrame]:
    """The four contract tables, columns in the contract's order."""
    courses = courses_table(sim)
    cid = courses["course_id"]
    ses, asm, ae = sim.sessions, sim.assessments, sim.events
    sessions = pd.DataFrame(
        {
            "course_id": cid.take(ses.course).reset_index(drop=True),
            "session_number": ses.number.astype(np.int64),
            "day": ses.day.astype(np.int64),
            "concentration_ug_ml": ses.conc.astype(float),
            "volume_ml": ses.vol.astype(float),
        }
    )
    assessments = pd.DataFrame(
        {
            "course_id": cid.take(asm.course).reset_index(drop=True),
            "day": asm.day.astype(np.int64),
            "instrument": labels(INSTRUMENTS, asm.instrument),
            "score": asm.score.astype(float),
        }
    )
    adverse_events = pd.DataFrame(
        {
            "course_id": cid.take(ae.course).reset_index(drop=True),
            "session_number": int_with_missing(ae.number, ae.number_missing),
            "day": ae.day.astype(np.int64),
            "event": labels(EVENTS, ae.event),
            "seriousness": labels(SERIOUSNESS, ae.seriousness),
        }
    )
    obs = sim.observed_days
    tables = {
        "courses": courses,
        "sessions": _in_extract(sessions, in_extract(ses.course, ses.day, obs)),
        "assessments": _in_extract(assessments, in_extract(asm.course, asm.day, obs)),
        "adverse_events": _in_extract(adverse_events, in_extract(ae.course, ae.day, obs)),
    }
    return {name: tables[name].loc[:, list(cols)] for name, cols in TABLE_COLUMNS.items()}


def latent_table(sim: Simulation, courses: pd.DataFrame) -> pd.DataFrame:
    """One row per course: the simulated true state (never written; for tests)."""
    cm, care, adh, out = sim.case_mix, sim.care, sim.adherence, sim.outcome
    return pd.DataFrame(
        {
            "course_id": courses["course_id"],
            "provider_id": courses["provider_id"],
            "severity_class": labels(case_mix.LATENT_SEVERITY_CLASSES, cm.severity),
            "severity_hidden": sim.severity.grade_hidden,
            "adherence_class": labels(ADHERENCE_CLASSES, adh.adherence),
            "sessions_completed": adh.completed.astype(np.int64),
            "early_flare": adh.flare,
            "quit_early": adh.quit_early,
            "overtraining": care.overtraining,
            "early_antioxidants": care.antioxidants,
            "baseline_nrs": cm.baseline.astype(np.int64),
            "baseline_missing": sim.assessments.visits.missing_baseline,
            "response_prob": out.prob,
            "responder": out.responder,
            "improvement": out.improvement,
            "wanes": out.wanes,
            "wane_week": out.wane_week.astype(np.int64),
            "escalates": out.escalates,
            "primary_window_missing": out.window_missing,
        }
    )
