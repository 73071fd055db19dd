"""Quarterly clinics for the choice between the p-chart and Laney's p′ chart (methods.md
section 4 "Trend"; queries/analytics/trends.py), written as contract files.

12 quarters (2021-Q1 .. 2023-Q4) of 60 courses each; every course eligible (NRS baseline 6)
with a value on day 84: 3 (drop 3 = 50 %, a responder) or 6 (no change). The responders of a
quarter come from a seeded draw (numpy ``default_rng(SEED)``):

- ``overdispersed_responders``: each quarter's own rate from Beta(4, 4) (sd 0.17 around 0.5,
  against a binomial sd of sqrt(0.25 / 60) = 0.065), then Binomial(60, rate): the quarters
  vary more than binomially;
- ``binomial_responders``: Binomial(60, 0.5) every quarter, binomial variation only.

With SEED 20260904 (the draws, for reading the tests):
overdispersed 37 31 11 40 8 35 29 17 50 47 39 24 -> sigma_z = 3.98;
binomial      34 34 27 35 32 31 30 30 25 31 37 34 -> sigma_z = 0.83.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ozone_testkit import fixture_definitions
from ozone_testkit.fixture_definitions import DefinitionCourse

SEED = 20260904
QUARTERS = 12
COURSES_PER_QUARTER = 60
FIRST_YEAR = 2021
BETA_SHAPE = 4.0  # Beta(4, 4): mean 0.5, sd 1/6


def overdispersed_responders(seed: int = SEED) -> list[int]:
    """Responders per quarter, each quarter with its own Beta(4, 4) rate."""
    rng = np.random.default_rng(seed)
    rates = rng.beta(BETA_SHAPE, BETA_SHAPE, size=QUARTERS)
    return [int(x) for x in rng.binomial(COURSES_PER_QUARTER, rates)]


def binomial_responders(seed: int = SEED) -> list[int]:
    """Responders per quarter, Binomial(60, 0.5) in every quarter."""
    rng = np.random.default_rng(seed)
    return [int(x) for x in rng.binomial(COURSES_PER_QUARTER, 0.5, size=QUARTERS)]


def courses(responders: list[int]) -> tuple[DefinitionCourse, ...]:
    """60 courses a quarter, the first ``responders[k]`` of quarter k responders."""
    out = []
    for k, n_responders in enumerate(responders):
        for j in range(COURSES_PER_QUARTER):
            followup = 3.0 if j < n_responders else 6.0
            out.append(
                DefinitionCourse(
                    f"q{k:02d}_{j:02d}",
                    "P_TREND",
                    "knee_oa",
                    1,
                    (0,),
                    (("nrs_pain", 0, 6.0), ("nrs_pain", 84, followup)),
                    start_year=FIRST_YEAR + k // 4,
                    start_quarter=str(k % 4 + 1),
                )
            )
    return tuple(out)


def write(folder: Path, responders: list[int]) -> Path:
    """The clinic of ``responders`` per quarter as the four contract CSV files."""
    return fixture_definitions.write(folder, fixture_definitions.rows(courses(responders)))
