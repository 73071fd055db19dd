"""Step 6 and the visits of step 7: every outcome measurement of every course.

Visit days (weeks 0, 1, 2, 3, 4, 6, 8, 12, 26, 52, jittered), the NRS at each (a ramp to the
course's improvement, a flare at week 1, waning; weeks 8 and 12 set so the methods.md
section 1 responder definition recovers the latent responder exactly), which visits
happened, and the secondary instruments that follow the NRS; long format, sorted by course,
day and instrument. Every number comes from sample_data/parameters/.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from queries.data.contract import INDICATIONS, INSTRUMENT_RANGES, INSTRUMENTS
from sample_data.courses import CaseMix
from sample_data.outcomes import Adherence, Outcome
from sample_data.parameters import case_mix, response, schedule
from sample_data.sampling import in_level_order

DAYS_PER_WEEK = 7
WEEKS = np.array(schedule.VISIT_WEEKS)
PRIMARY_WEEK = response.PRIMARY_WINDOW.target_day // DAYS_PER_WEEK  # 12
# Sort key of a measurement: (course, day, instrument) packed in one int64.
DAY_OFFSET, DAY_SLOTS, INSTRUMENT_SLOTS = 64, 1024, 16


@dataclass(frozen=True, eq=False)
class Visits:
    """The planned visits of every course, (n, weeks) matrices, and its baseline pattern."""

    days: np.ndarray
    nrs: np.ndarray
    present: np.ndarray
    missing_baseline: np.ndarray
    two_baselines: np.ndarray


@dataclass(frozen=True, eq=False)
class Assessments:
    """One entry per measurement, sorted by course, day, instrument (``instrument`` indexes
    INSTRUMENTS), and the visits they came from."""

    course: np.ndarray
    day: np.ndarray
    instrument: np.ndarray
    score: np.ndarray
    visits: Visits


def _week(week: int) -> int:
    return schedule.VISIT_WEEKS.index(week)


def _uniform_days(rng: np.random.Generator, bounds: tuple[int, int], n: int) -> np.ndarray:
    low, high = bounds
    return rng.integers(low, high + 1, n)


def visit_days(rng: np.random.Generator, n: int, out: Outcome) -> np.ndarray:
    """Planned visit days (n, weeks): 7 x week, a little jittered; baseline on day 0 or a few
    days before; some 12-week visits later (still inside the window), a few too late."""
    half = in_level_order(schedule.VISIT_JITTER_DAYS, schedule.VISIT_WEEKS)
    days = WEEKS * DAYS_PER_WEEK + rng.integers(-half, half + 1, (n, len(WEEKS)))
    days[:, 0] = np.where(
        rng.random(n) < schedule.BASELINE_ON_DAY_0_SHARE,
        0,
        -_uniform_days(rng, schedule.BASELINE_DAYS_BEFORE, n),
    )
    w12 = _week(PRIMARY_WEEK)
    later = rng.random(n) < schedule.LATE_IN_WINDOW_SHARE
    days[later, w12] = _uniform_days(rng, schedule.LATE_IN_WINDOW_DAYS, n)[later]
    days[out.late_visit, w12] = _uniform_days(rng, schedule.LATE_VISIT_DAYS, n)[out.late_visit]
    return days


def nrs_matrix(rng: np.random.Generator, cm: CaseMix, adh: Adherence, out: Outcome) -> np.ndarray:
    """NRS pain at each visit week: ramp to the final improvement, flare at week 1, waning;
    from FORCED_FROM_WEEK on, the score meets the responder definition (methods.md
    section 1: drop >= 2 points and >= 30 % of baseline) exactly for the latent responders
    who have not waned, and misses it by at least one point for everyone else."""
    n = len(cm.baseline)
    b = cm.baseline.astype(float)
    ramp = in_level_order(schedule.RAMP_BY_WEEK, schedule.VISIT_WEEKS)
    improvement = out.improvement[:, None] * ramp[None, :]
    weeks = WEEKS[None, :]
    waned = (
        out.wanes[:, None] & (weeks >= out.wane_week[:, None]) & (weeks >= min(response.WANE_WEEKS))
    )
    improvement = np.where(waned, out.improvement[:, None] * response.WANED_KEEPS, improvement)
    score = np.rint(
        b[:, None] * (1.0 - improvement)
        + rng.normal(0, schedule.NRS_NOISE_SD, (n, len(schedule.VISIT_WEEKS)))
    )
    score = np.clip(score, response.NRS_MIN, response.NRS_MAX)
    score[:, 0] = b
    w1 = _week(1)
    rise_low, rise_high = response.FLARE_NRS_RISE
    flare_score = np.minimum(
        b + rise_low + rng.integers(0, rise_high - rise_low + 1, n), response.NRS_MAX
    )
    score[:, w1] = np.where(adh.flare, flare_score, np.minimum(score[:, w1], b))

    drop = np.maximum(
        response.RESPONDER_MIN_DROP_POINTS, np.ceil(response.RESPONDER_MIN_DROP_FRACTION * b)
    )
    threshold = np.clip(b - drop, 0, None)[:, None]  # the highest score that responds
    meets = out.responder[:, None] & ~waned
    forced = weeks >= schedule.FORCED_FROM_WEEK
    score = np.where(forced & meets, np.minimum(score, threshold), score)
    score = np.where(forced & ~meets, np.maximum(score, threshold + 1), score)  # NRS steps of 1
    return np.clip(score, response.NRS_MIN, response.NRS_MAX)


def visit_present(
    rng: np.random.Generator,
    adh: Adherence,
    out: Outcome,
    days: np.ndarray,
    missing_baseline: np.ndarray,
) -> np.ndarray:
    """Which visits happened: missed visits, window misses, loss after week 12, escalation."""
    n = days.shape[0]
    present = np.ones_like(days, dtype=bool)
    first_missable, last_missable = schedule.MISSABLE_WEEKS
    early = np.array([first_missable <= w <= last_missable for w in schedule.VISIT_WEEKS])
    present[:, early] = rng.random((n, int(early.sum()))) >= schedule.VISIT_MISSED
    present[:, 0] = ~missing_baseline
    w12, w26, w52 = _week(PRIMARY_WEEK), _week(26), _week(52)  # lost before 26 / 52
    window = response.PRIMARY_WINDOW
    in_window = (days >= window.first_day) & (days <= window.last_day)
    present[out.window_missing[:, None] & in_window] = False
    present[:, w12] &= ~out.window_missing | out.late_visit
    present[:, w26] = ~out.lost_26
    present[:, w52] = ~out.lost_52
    present[adh.not_started, 1:] = False
    present &= ~(out.escalates[:, None] & (days > out.escalated_day[:, None]))
    return present


def secondary_scores(
    rng: np.random.Generator, cm: CaseMix, nrs: np.ndarray
) -> dict[str, np.ndarray]:
    """ODI, WOMAC/KOOS, PtGA, PGIC and ROM that follow the NRS course (n, weeks matrices)."""
    n = nrs.shape[0]
    b = np.maximum(cm.baseline.astype(float), 1.0)  # no division by a baseline of 0
    ratio = np.clip(nrs / b[:, None], 0.0, schedule.NRS_RATIO_MAX)
    shape = nrs.shape

    def follow(base: np.ndarray, noise_sd: float, lo: float, hi: float) -> np.ndarray:
        m = base[:, None] * ratio + rng.normal(0, noise_sd, shape)
        m[:, 0] = base
        return np.clip(np.rint(m), lo, hi)

    scores = {}
    for instrument, f in schedule.FOLLOWS_NRS.items():  # the draw order
        lo, hi = INSTRUMENT_RANGES[instrument]
        base = np.clip(f.per_nrs_point * b + rng.normal(f.mean, f.sd, n), f.low, f.high)
        score = follow(base, f.visit_sd, lo, hi)
        scores[instrument] = hi - score if f.reversed else score
    relief = 1 - ratio
    scores["pgic"] = np.clip(
        np.rint(
            schedule.PGIC_NO_CHANGE
            - schedule.PGIC_PER_RELIEF * relief
            + rng.normal(0, schedule.PGIC_SD, shape)
        ),
        *INSTRUMENT_RANGES["pgic"],
    )
    rom_base = np.clip(
        rng.normal(schedule.ROM_BASELINE_MEAN, schedule.ROM_BASELINE_SD, n),
        *schedule.ROM_BASELINE_RANGE,
    )
    rom = np.clip(
        np.rint(
            rom_base[:, None]
            + relief * schedule.ROM_GAIN_AT_FULL_RELIEF
            + rng.normal(0, schedule.ROM_VISIT_SD, shape)
        ),
        *INSTRUMENT_RANGES["rom_degrees"],
    )
    rom[:, 0] = np.rint(rom_base)
    scores["rom_degrees"] = rom
    return scores


def _courses_measured(rng: np.random.Generator, cm: CaseMix) -> dict[str, np.ndarray]:
    """Which courses each secondary instrument is recorded for (by indication)."""
    n = len(cm.indication)
    ind = cm.indication
    odi = np.isin(ind, [INDICATIONS.index(i) for i in schedule.ODI_INDICATIONS])
    knee_hip = np.isin(
        ind, [INDICATIONS.index(i) for i in INDICATIONS if case_mix.INDICATION_GROUP[i] == "oa"]
    )
    koos = knee_hip & (rng.random(n) < schedule.KOOS_SHARE)
    womac = knee_hip & ~koos
    shoulder = np.isin(ind, [INDICATIONS.index(i) for i in schedule.ROM_INDICATIONS])
    return {
        "odi": odi,
        "womac_pain": womac,
        "womac_function": womac,
        "koos_pain": koos,
        "koos_adl": koos,
        "ptga": knee_hip,
        "pgic": np.ones(n, dtype=bool),
        "rom_degrees": shoulder,
    }


@dataclass
class _LongRows:
    """Measurements collected part by part, then sorted into one long table."""

    course: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    instrument: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)

    def add(self, mask: np.ndarray, values: np.ndarray, instrument: str, day: np.ndarray) -> None:
        """The entries of ``values`` (n, visits) where ``mask`` holds, on ``day``."""
        r, c = np.nonzero(mask)
        self.course.append(r)
        self.day.append(day[r, c])
        self.instrument.append(np.full(len(r), INSTRUMENTS.index(instrument)))
        self.score.append(values[r, c])

    def sorted(self, visits: Visits) -> Assessments:
        course, day = np.concatenate(self.course), np.concatenate(self.day)
        instr, score = np.concatenate(self.instrument), np.concatenate(self.score)
        # one int64 sort key (course, day, instrument): much faster than a 3-key lexsort
        key = (course.astype(np.int64) * DAY_SLOTS + (day + DAY_OFFSET)) * INSTRUMENT_SLOTS + instr
        order = np.argsort(key, kind="stable")
        return Assessments(
            course=course[order],
            day=day[order],
            instrument=instr[order],
            score=score[order],
            visits=visits,
        )


def build_assessments(
    rng: np.random.Generator, cm: CaseMix, adh: Adherence, out: Outcome
) -> Assessments:
    """All outcome measurements, long format, sorted by course, day, instrument."""
    n = len(cm.baseline)
    days = visit_days(rng, n, out)
    nrs = nrs_matrix(rng, cm, adh, out)
    missing_baseline = rng.random(n) < schedule.MISSING_BASELINE_SHARE
    present = visit_present(rng, adh, out, days, missing_baseline)
    secondary = secondary_scores(rng, cm, nrs)
    measured = _courses_measured(rng, cm)

    rows = _LongRows()
    rows.add(present, nrs, "nrs_pain", days)
    # An earlier screening baseline for a few courses (the latest value with day <= 0 counts).
    two = (rng.random(n) < schedule.TWO_BASELINES_SHARE) & ~missing_baseline
    early_day = (days[:, 0] - _uniform_days(rng, schedule.EARLIER_BASELINE_DAYS_BEFORE, n))[:, None]
    change = _uniform_days(rng, schedule.EARLIER_BASELINE_NRS_CHANGE, n)
    early_score = np.clip(cm.baseline + change, response.NRS_MIN, response.NRS_MAX)[:, None].astype(
        float
    )
    rows.add(two[:, None], early_score, "nrs_pain", early_day)
    for instrument, weeks in schedule.INSTRUMENT_WEEKS.items():
        week_mask = np.isin(WEEKS, weeks)
        rows.add(
            present & measured[instrument][:, None] & week_mask[None, :],
            secondary[instrument],
            instrument,
            days,
        )
    visits = Visits(
        days=days, nrs=nrs, present=present, missing_baseline=missing_baseline, two_baselines=two
    )
    return rows.sorted(visits)
