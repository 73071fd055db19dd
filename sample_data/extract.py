"""The extract date of the synthetic clinic (data-contract.md ``observed_days``; methods.md
section 1 "Not yet due").

Each course's first session falls on a day of its start quarter (uniform, drawn last from the
clinic's random stream, so every earlier draw and the latent table stay as they were); the
extract was taken on ``parameters.case_mix.EXTRACT_DATE``, shortly after the last course
started. ``observed_days`` = extract date - first session date. What would happen after the
extract is not in the files: sessions, assessments and adverse events after day
``observed_days`` are cut, and an escalation after it is not known yet (``escalated_day``
empty). Courses started in the last weeks before the extract are therefore not yet due for
their 12-week window (observed_days < 112). Nothing but the first-session days is drawn here.
"""

from __future__ import annotations

import numpy as np

from sample_data.courses import CaseMix
from sample_data.parameters import case_mix

MONTHS_PER_QUARTER = 3


def draw_observed_days(rng: np.random.Generator, cm: CaseMix) -> np.ndarray:
    """Days from each course's first session (a uniform day of its start quarter, also when
    the quarter is not written) to the extract date."""
    first_month = (cm.start_year.astype(np.int64) - 1970) * 12 + (
        cm.start_quarter.astype(np.int64) - 1
    ) * MONTHS_PER_QUARTER
    quarter_start = first_month.astype("datetime64[M]").astype("datetime64[D]")
    quarter_end = (first_month + MONTHS_PER_QUARTER).astype("datetime64[M]").astype("datetime64[D]")
    length = (quarter_end - quarter_start).astype(np.int64)
    offset = np.floor(rng.random(len(length)) * length).astype(np.int64)
    first_session = quarter_start + offset
    extract = np.datetime64(case_mix.EXTRACT_DATE, "D")
    return (extract - first_session).astype(np.int64)


def in_extract(course: np.ndarray, day: np.ndarray, observed_days: np.ndarray) -> np.ndarray:
    """Rows (of course index ``course`` on ``day``) that had happened by the extract."""
    return day <= observed_days[course]
