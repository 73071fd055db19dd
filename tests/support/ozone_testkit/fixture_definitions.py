"""A hand-built clinic for the definitions of issue 9: the day-21 landmark view (methods.md
section 2), the ODI and OMERACT-OARSI secondary responders (section 1) and the early-flare
window of day 0-10 (section 5). Courses are named after the edge they exercise.

Primary window day 56..112 (target 84, the later value on a tie). Landmark day 21: in care =
a session or an assessment on or after day 21 (an adverse event does not count); adherence
reached = sessions on day 0..21 against planned, classed like adherence_class. Every expected
value in ``EXPECTED_*`` below is worked out by hand from the comments, course by course.

A course is a line ``course_id provider indication planned session-days`` (session days
comma-separated, ``-`` for none), then indented lines: ``<instrument> day:score ...``,
``events <event>@<day> ...`` and ``column=value ...``. Course rows are completed with the usual
course of fixture_clinic.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ozone_testkit import fixture_clinic
from queries.analytics import secondary
from queries.data.loading import load_folder

Values = tuple[tuple[str, int, float], ...]  # (instrument, day, score)
ROUTES = {"knee_oa": "intra_articular", "hip_oa": "intra_articular"}  # else paravertebral


@dataclass(frozen=True)
class DefinitionCourse:
    course_id: str
    provider_id: str
    indication: str
    planned_sessions: int
    session_days: tuple[int, ...]
    values: Values
    events: tuple[tuple[str, int], ...] = ()  # (event, day)
    observed_days: str = ""
    escalated_day: str = ""
    start_year: int = 2024
    start_quarter: str = ""
    severity_scale: str = "kl"
    severity_grade: str = "3"
    rehab: str = "none"

    @property
    def route(self) -> str:
        return ROUTES.get(self.indication, "paravertebral")


_COURSE_TABLE = """
# --- landmark at day 21 (provider P_LM, NRS pain) --------------------------------------
# 3 of 3 by day 21 -> full_protocol; in care (day 84); drop 3 = 50 %: responder
lm_full_by_day_21                  P_LM  knee_oa  3  0,7,14
    nrs_pain 0:6 84:3
# 3 of 4 by day 21 -> partial (full protocol only later, day 28); drop 4 = 50 %: responder
lm_partial_by_21_full_later        P_LM  knee_oa  4  0,7,14,28
    nrs_pain 0:8 84:4
# 1 of 4 by day 21 -> one_and_done (partial only later); drop 1: non-responder
lm_one_by_21_more_later            P_LM  knee_oa  4  0,25,32
    nrs_pain 0:6 84:5
# last seen on day 14: not in care at day 21 -> left out (eligible: baseline 7)
lm_quit_before_21                  P_LM  knee_oa  4  0,7
    nrs_pain 0:7 14:8
# session 4 on day 21 itself: in care (on or after) and counted (day 0..21) -> 4 of 4,
# full_protocol; eligible, nothing in day 56..112: no follow-up
lm_session_on_day_21               P_LM  knee_oa  4  0,7,14,21
    nrs_pain 0:5
# only an assessment on day 21 keeps it in care; 1 of 3 -> one_and_done; no follow-up
lm_assessment_on_day_21            P_LM  knee_oa  3  0
    nrs_pain 0:6 21:5
# last seen on day 20: not in care -> left out (eligible)
lm_last_seen_day_20                P_LM  knee_oa  3  0,7,14
    nrs_pain 0:6 20:4
# in care, full_protocol, baseline 2 < 3: low baseline (not eligible)
lm_low_baseline                    P_LM  knee_oa  3  0,7,14
    nrs_pain 0:2 84:1
# no session, in care by its day-84 assessment -> not_started; eligible, drop 0: non-responder
lm_not_started_followed            P_LM  knee_oa  3  -
    nrs_pain 0:6 84:6

# --- early flare: a post_injection_flare event on day 0..10 (provider P_FL) --------------
# none of these is in care at day 21 (last seen day 5 or 7; events do not count): left out
# of the landmark, all eligible (baseline 6)
# event on day 10 (the window's last day): early flare; 1 of 4: quit after flare
flare_event_day_10_is_early        P_FL  knee_oa  4  0
    nrs_pain 0:6 5:6
    events post_injection_flare@10
# event on day 11: an adverse event, not an early flare; 1 of 4 is an early quit, not a
# quit after flare. Escalated on day 0: an escalation at day 0, not floored or refused
flare_event_day_11_is_adverse_only P_FL  knee_oa  4  0
    nrs_pain 0:6 5:6
    events post_injection_flare@11
    escalated_day=0
# event on day 0 (the day of session 1): early flare; 2 of 4: quit after flare
flare_event_day_0_is_early         P_FL  knee_oa  4  0,7
    nrs_pain 0:6 7:6
    events post_injection_flare@0

# --- ODI (Ostelo 2008): drop >= 10 points OR >= 30 %; eligible = baseline > 0 ----------
# one session on day 0 of 1 planned (full_protocol at day 21), no NRS (no primary baseline)
# drop 10 (17 %): responder by the points alone
odi_drop_10_points_only            P_SPINE_A  lumbar_disc_herniation  1  0
    odi 0:60 84:50
# drop 6 of 20 = exactly 30 % (< 10 points): responder by the share alone (inclusive)
odi_drop_30_percent_only           P_SPINE_A  low_back_pain  1  0
    odi 0:20 84:14
# drop 9 of 40 = 22.5 %: neither
odi_drop_9_under_both              P_SPINE_A  lumbar_disc_herniation  1  0
    odi 0:40 84:31
# eligible, its only later value is on day 30: no follow-up (ITT non-responder)
odi_no_followup                    P_SPINE_A  low_back_pain  1  0
    odi 0:50 30:40
# baseline 0: no room to improve -> low baseline, not eligible
odi_zero_baseline                  P_SPINE_B  low_back_pain  1  0
    odi 0:0 84:0
# days 80 and 88 both 4 from 84: the later (35) -> drop 15: responder (80 alone: drop 5)
odi_tie_later_wins                 P_SPINE_B  lumbar_disc_herniation  1  0
    odi 0:50 80:45 88:35
# no value on or before day 0: no baseline
odi_no_baseline                    P_SPINE_B  low_back_pain  1  0
    odi 84:30
# observed_days 100 < 112: the 12-week window had not closed -> not yet due (a responder
# otherwise); also not yet due for the primary outcome
odi_not_yet_due                    P_SPINE_B  lumbar_disc_herniation  1  0
    odi 0:50 84:20
    observed_days=100

# --- OMERACT-OARSI (Pham 2004), 0-100 higher = worse (KOOS: 100 - score; ptga x 10) ----
# high = pain or function improved >= 50 % and >= 20 points; moderate = >= 2 of pain,
# function, global improved >= 20 % and >= 10 points. Provider P_KNEE, 1 of 1 session.
# WOMAC pain 60 -> 30: 30 points, 50 %: high -> responder
oarsi_high_by_pain                 P_KNEE  knee_oa  1  0
    womac_pain 0:60 84:30
    womac_function 0:50 84:48
    ptga 0:6 84:6
# pain 38 -> 19: 50 % but 19 points (not high), moderate alone; function drop 5, global
# 50 -> 50: one domain -> non-responder
oarsi_pain_half_but_19_points      P_KNEE  knee_oa  1  0
    womac_pain 0:38 84:19
    womac_function 0:50 84:45
    ptga 0:5 84:5
# KOOS pain 40 -> 55 = 60 -> 45 (15 points, 25 %); KOOS ADL 50 -> 60 = 50 -> 40 (10 points,
# exactly 20 %: both boundaries inclusive); global 70 -> 70: two moderate -> responder
oarsi_two_moderate_koos            P_KNEE  hip_oa  1  0
    koos_pain 0:40 84:55
    koos_adl 0:50 84:60
    ptga 0:7 84:7
# pain 50 -> 48 (no); function 60 -> 48 (12 points, exactly 20 %); ptga 8 -> 6 = 80 -> 60
# (20 points, 25 %): function and global moderate -> responder
oarsi_function_and_global          P_KNEE  knee_oa  1  0
    womac_pain 0:50 84:48
    womac_function 0:60 84:48
    ptga 0:8 84:6
# function 80 -> 40: 40 points, 50 %: high -> responder
oarsi_high_by_function             P_KNEE  hip_oa  1  0
    womac_pain 0:30 84:30
    womac_function 0:80 84:40
    ptga 0:5 84:5
# pain 45 -> 36 and function 40 -> 31 (9 points: no); ptga 4 -> 3 = 40 -> 30 (10 points,
# 25 %): one domain -> non-responder
oarsi_one_domain_9_points          P_KNEE  knee_oa  1  0
    womac_pain 0:45 84:36
    womac_function 0:40 84:31
    ptga 0:4 84:3
# no patient global at all: no complete baseline -> "no baseline" (pain alone would be high)
oarsi_no_global                    P_KNEE  knee_oa  1  0
    womac_pain 0:60 84:20
    womac_function 0:50 84:50
# global at baseline only: eligible, no complete follow-up (ITT non-responder)
oarsi_global_missing_at_followup   P_KNEE  knee_oa  1  0
    womac_pain 0:60 84:20
    womac_function 0:50 84:50
    ptga 0:5
# WOMAC and KOOS pain both: WOMAC is used (60 -> 30: high -> responder); KOOS (40 -> 45 =
# 60 -> 55) would give a non-responder
oarsi_womac_preferred_over_koos    P_KNEE  knee_oa  1  0
    womac_pain 0:60 84:30
    koos_pain 0:40 84:45
    womac_function 0:50 84:50
    ptga 0:5 84:5
"""


def _courses(table: str) -> tuple[DefinitionCourse, ...]:
    """The courses of the table above (module docstring: its format)."""
    parsed: list[dict] = []
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            name, provider, indication, planned, days = line.split()
            session_days = () if days == "-" else tuple(int(d) for d in days.split(","))
            parsed.append(
                dict(
                    course_id=name,
                    provider_id=provider,
                    indication=indication,
                    planned_sessions=int(planned),
                    session_days=session_days,
                    values=[],
                    events=[],
                )
            )
            continue
        head, *tokens = line.split()
        course = parsed[-1]
        if "=" in head:
            for token in (head, *tokens):
                column, _, value = token.partition("=")
                course[column] = value
        elif head == "events":
            for token in tokens:
                event, _, day = token.partition("@")
                course["events"].append((event, int(day)))
        else:
            for token in tokens:
                day, _, score = token.partition(":")
                course["values"].append((head, int(day), float(score)))
    return tuple(
        DefinitionCourse(**{**c, "values": tuple(c["values"]), "events": tuple(c["events"])})
        for c in parsed
    )


COURSES = _courses(_COURSE_TABLE)

# --- Hand-worked answers ----------------------------------------------------------------
COUNT_COLUMNS = secondary.COUNT_COLUMNS  # n_courses, n_not_yet_due ... n_responders
# ODI, 12 weeks: 8 courses with an ODI value; odi_not_yet_due not yet due; odi_no_baseline
# no baseline; odi_zero_baseline low; 5 eligible, 4 with follow-up (not odi_no_followup),
# 3 responders (10 points, 30 %, the later tie). Complete case 3/4, ITT 3/5.
EXPECTED_ODI = {"all": (8, 1, 1, 1, 5, 4, 3)}
EXPECTED_ODI_BY_PROVIDER = {
    "P_SPINE_A": (4, 0, 0, 0, 4, 3, 2),
    "P_SPINE_B": (4, 1, 1, 1, 1, 1, 1),
}
# OMERACT-OARSI, 12 weeks: 9 courses; oarsi_no_global has no complete baseline; 8 eligible,
# 7 with follow-up (not oarsi_global_missing_at_followup); 5 responders (high by pain, two
# moderate with KOOS, function + global, high by function, WOMAC preferred). CC 5/7, ITT 5/8.
EXPECTED_OARSI = {"all": (9, 0, 1, 0, 8, 7, 5)}
# course -> is_responder (None: not eligible or no follow-up)
EXPECTED_ODI_RESPONDER = {
    "odi_drop_10_points_only": True,
    "odi_drop_30_percent_only": True,
    "odi_drop_9_under_both": False,
    "odi_no_followup": None,
    "odi_zero_baseline": None,
    "odi_tie_later_wins": True,
    "odi_no_baseline": None,
    "odi_not_yet_due": None,
}
EXPECTED_OARSI_RESPONDER = {
    "oarsi_high_by_pain": True,
    "oarsi_pain_half_but_19_points": False,
    "oarsi_two_moderate_koos": True,
    "oarsi_function_and_global": True,
    "oarsi_high_by_function": True,
    "oarsi_one_domain_9_points": False,
    "oarsi_no_global": None,
    "oarsi_global_missing_at_followup": None,
    "oarsi_womac_preferred_over_koos": True,
}
# OMERACT-OARSI domains on 0-100, higher = worse: course -> (pain instrument, function
# instrument, pain, function, global at baseline and follow-up)
EXPECTED_OARSI_DOMAINS = {
    "oarsi_two_moderate_koos": ("koos_pain", "koos_adl", (60, 45), (50, 40), (70, 70)),
    "oarsi_function_and_global": ("womac_pain", "womac_function", (50, 48), (60, 48), (80, 60)),
    "oarsi_womac_preferred_over_koos": (
        "womac_pain",
        "womac_function",
        (60, 30),
        (50, 50),
        (50, 50),
    ),
}

# Landmark at day 21 by IMMPACT: adherence reached -> counts (COUNT_COLUMNS). In care: the
# nine lm_ courses but lm_quit_before_21 and lm_last_seen_day_20, and the 17 ODI and
# OMERACT-OARSI courses (one session on day 0 of 1 planned: full_protocol; no NRS: no
# baseline, but odi_not_yet_due: not yet due). Eligible in care 1 + 2 + 1 + 2 = 6; eligible
# left out: lm_quit_before_21, lm_last_seen_day_20 and the three flare_ courses = 5.
EXPECTED_LANDMARK = {
    "not_started": (1, 0, 0, 0, 1, 1, 0),  # lm_not_started_followed
    "one_and_done": (2, 0, 0, 0, 2, 1, 0),  # lm_one_by_21_more_later, lm_assessment_on_day_21
    "partial": (1, 0, 0, 0, 1, 1, 1),  # lm_partial_by_21_full_later
    # lm_full_by_day_21 (responder), lm_session_on_day_21 (no follow-up), lm_low_baseline,
    # and the 17 secondary courses (16 no baseline, 1 not yet due)
    "full_protocol": (20, 1, 16, 1, 2, 1, 1),
}
EXPECTED_LANDMARK_IN_CARE = 6
EXPECTED_LANDMARK_LEFT_OUT = 5
# Landmark by ODI: every ODI course is in care (days 30..88) with 1 of 1 session by day 21
EXPECTED_LANDMARK_ODI = {"full_protocol": EXPECTED_ODI["all"]}
# course -> landmark adherence class, or None when not in care at day 21
EXPECTED_LANDMARK_CLASS = {
    "lm_full_by_day_21": "full_protocol",
    "lm_partial_by_21_full_later": "partial",
    "lm_one_by_21_more_later": "one_and_done",
    "lm_quit_before_21": None,
    "lm_session_on_day_21": "full_protocol",
    "lm_assessment_on_day_21": "one_and_done",
    "lm_last_seen_day_20": None,
    "lm_low_baseline": "full_protocol",
    "lm_not_started_followed": "not_started",
}

# Early flare (events only: no NRS rise in these courses) -> (is_early_flare, is_early_quit,
# is_quit_after_flare, n_adverse_events)
EXPECTED_FLARE = {
    "flare_event_day_10_is_early": (True, True, True, 1),
    "flare_event_day_11_is_adverse_only": (False, True, False, 1),
    "flare_event_day_0_is_early": (True, True, True, 1),
}


def _course_row(c: DefinitionCourse) -> dict[str, str]:
    return fixture_clinic.course_row(c, route=c.route)


def rows(courses=COURSES) -> dict[str, list[dict[str, str]]]:
    """The fixture as rows of text, keyed by contract file name."""
    out: dict[str, list[dict[str, str]]] = {
        "courses": [],
        "sessions": [],
        "assessments": [],
        "adverse_events": [],
    }
    for c in courses:
        out["courses"].append(_course_row(c))
        for k, day in enumerate(c.session_days):
            out["sessions"].append(
                {
                    "course_id": c.course_id,
                    "session_number": str(k + 1),
                    "day": str(day),
                    "concentration_ug_ml": "20",
                    "volume_ml": "10",
                }
            )
        for instrument, day, score in c.values:
            out["assessments"].append(
                {
                    "course_id": c.course_id,
                    "day": str(day),
                    "instrument": instrument,
                    "score": f"{score:g}",
                }
            )
        for event, day in c.events:
            out["adverse_events"].append(
                {
                    "course_id": c.course_id,
                    "session_number": "1",
                    "day": str(day),
                    "event": event,
                    "seriousness": "mild",
                }
            )
    return out


def write(folder: Path, data: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write the fixture (or a modified copy of its rows) as the four contract CSV files."""
    return fixture_clinic.write(folder, rows() if data is None else data)


def load(tmp: Path, **settings) -> Path:
    """The fixture written to ``tmp/extract`` and loaded into ``tmp/definitions.duckdb``
    (with ``settings``, a :class:`queries.core.settings.Settings`, when given); its path."""
    path = tmp / "definitions.duckdb"
    load_folder(write(tmp / "extract"), path, **settings)
    return path
