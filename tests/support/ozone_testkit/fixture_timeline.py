"""A second tiny hand-built clinic for the course timeline (issue 4), courses named after the
edge they exercise: early flare (methods.md section 5), quitting, durability of response,
escalation, adverse events, screening and start quarters.

Sessions are weekly (session k on day 7·(k-1)). Primary window day 56..112 (methods.md
section 1); responder = drop >= 2 points and >= 30 % of baseline. Every expected value in
``EXPECTED_*`` below is worked out by hand from the comments, course by course, so a test
failure points at one definition. Written with the helpers of fixture_clinic.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from ozone_testkit import fixture_clinic
from ozone_testkit.fixture_clinic import NRS, course_table
from ozone_testkit.fixture_clinic import write as write_rows


@dataclass(frozen=True)
class TimelineCourse:
    course_id: str
    provider_id: str
    route: str  # intra_articular (knee_oa) or paravertebral (low_back_pain)
    start_year: int
    start_quarter: str  # "" = unknown (Safe Harbor)
    severity: str  # severity_class: none -> KL 1, unknown -> scale none, else clinician grade
    planned_sessions: int
    n_sessions: int
    rehab: str
    expectations: str
    nrs: NRS
    contraindication: str = "none"
    g6pd_tested: str = "true"
    escalated_day: str = ""


IA, PV = "intra_articular", "paravertebral"

# One course a line: course_id, provider, route (IA or PV), start year-quarter (the year alone:
# no quarter), severity class, sessions completed/planned, rehab, expectations; then, indented,
# its NRS pain values (day:score) and other columns (column=value).
_COURSE_TABLE = """
# baseline 6, day 3 = 8 >= 6 + 1: flare by the NRS rise alone (no event); 4 of 4: continued;
# day 84 = 3: drop 3 = 50 %, responder; stays a responder at 182 and 370: censored at
# 370 - 84 = 286 days
flare_by_nrs_rise_only             P_A IA 2023-Q1 moderate   4/4 supervised_pt realistic
    0:6 3:8 14:5 28:4 84:3 182:3 370:3
# day 3 = baseline 7 (no rise) but a post_injection_flare event: flare by the event alone;
# day 84 = 6: drop 1, non-responder
flare_by_event_only                P_A IA 2023-Q1 moderate   4/4 home_program  realistic
    0:7 3:7 84:6
# day 7 = 6 = baseline 5 + exactly 1: a flare (the boundary is inclusive); responder at 84
# (drop 3 = 60 %); day 182 = 4.5 (drop 0.5): response lost after 182 - 84 = 98 days
flare_rise_exactly_1               P_A IA 2023-Q2 severe     3/3 none          unrealistic
    0:5 7:6 84:2 182:4.5
# day 2 = 6.5 < baseline 6 + 1: no flare; responder at 84 (drop 2 = 33 %); still at 182
# (drop 2), lost at 270 (drop 1): 186 days
rise_under_1_no_flare              P_A IA 2023-Q2 moderate   4/4 none          realistic
    0:6 2:6.5 84:4 182:4 270:5
# rise of 2 on day 11, one day after the flare window: no flare; non-responder
rise_on_day_11_no_flare            P_B PV 2023-Q3 moderate   4/4 supervised_pt unknown
    0:6 11:8 84:5
# flare (day 4 = 9 vs baseline 7), stopped after 1 of 4 planned: quit after flare
flare_quit_after_1_of_4            P_B PV 2023-Q3 severe     1/4 none          unrealistic
    0:7 4:9 84:7
# flare by NRS and by event, stopped after 2 of 5: quit; nothing in day 56..112: no
# follow-up; escalated on day 200 (within 365)
flare_quit_after_2_of_5            P_B IA 2023-Q4 end_stage  2/5 none          unrealistic
    0:8 6:9  escalated_day=200
# flare, 2 of 2 planned: stopped at 2 but nothing more was planned, so not a quit;
# responder (drop 2 = 40 %) with no later value: censored at 0 days
flare_2_of_2_planned_not_quit      P_B IA 2024-Q1 mild       2/2 home_program  realistic
    0:5 5:7 84:3
# no flare, stopped after 1 of 3: an early quit, but not "quit after flare"; escalated on
# day 150 although last seen on day 84 (escalation ends follow-up)
no_flare_quit_after_1_of_3         P_C IA 2024-Q1 moderate   1/3 none          realistic
    0:6 7:5 84:6  escalated_day=150
# flare (day 2 = 7 = 6 + 1), stopped at 3 of 6: not a quit (more than 2 sessions);
# responder at 84 (drop 3); day 120 = 4.5 (drop 1.5) loses the response after 36 days,
# whatever happens later (day 182 back to 3)
flare_3_of_6_lost_then_regained    P_C PV 2024-Q2 moderate   3/6 supervised_pt unknown
    0:6 2:7 84:3 120:4.5 182:3
# zero sessions: not in any flare denominator; eligible, non-responder
not_started                        P_C IA 2024-Q2 moderate   0/3 none          realistic
    0:6 84:6
# a soreness event is not a flare; responder (drop 4 = 50 %); day 370 = 5.5: drop 2.5 =
# 31 %, still a responder: censored at 286 days
soreness_event_no_flare            P_C IA 2024-Q3 none       4/4 home_program  realistic
    0:8 3:8 84:4 182:3 370:5.5
# day 182 = 7 vs baseline 10: drop 3 = exactly 30 %, still a responder: censored at 98
durable_exact_30_percent_later     P_A IA 2024-Q3 moderate   4/4 supervised_pt realistic
    0:10 84:5 182:7
# day 182 = 7.5 vs baseline 10: drop 2.5 >= 2 points but 25 % < 30 %: lost after 98 days.
# Starts in 2025-Q2, leaving 2024-Q4 and 2025-Q1 empty (n = 0 on the p-chart)
lost_by_percent_only               P_A IA 2025-Q2 moderate   4/4 home_program  realistic
    0:10 84:6 182:7.5 370:7.5
# no baseline, so no NRS flare, but a post_injection_flare event: flare; not eligible
no_baseline_flare_event            P_B IA 2025-Q2 unknown    3/3 none          realistic
    7:8 84:5
# escalated on day 400: an escalation, but not within 365 days; one serious event with no
# session number
escalated_day_400                  P_C PV 2023-Q4 end_stage  3/3 none          realistic
    0:7 84:6 370:6  escalated_day=400
# given without a contraindication screen (G6PD not tested)
not_screened                       P_B PV 2023-Q1 mild       3/3 none          realistic
    0:5 84:5  contraindication=not_screened g6pd_tested=false
# a contraindication (G6PD deficiency) and still treated
g6pd_deficiency_treated            P_C IA 2024-Q1 mild       2/2 none          realistic
    0:4 84:4  contraindication=g6pd_deficiency
# no start quarter (left out of a quarterly chart) and G6PD test unknown; responder with
# no later value: censored at 0
no_quarter_g6pd_unknown            P_A IA 2024    moderate   3/3 none          realistic
    0:6 84:2  g6pd_tested=
# three events, two of them serious; responder (drop 3 = 43 %), censored at 0
serious_infection_after_session_3  P_B IA 2024-Q3 severe     4/4 supervised_pt realistic
    0:7 84:4
# baseline 2 (+1 = 3 <= 4 on day 3): a flare, but not eligible for responder rates; still
# in the trajectory (every course with a baseline)
low_baseline_flare                 P_A IA 2024-Q2 mild       3/3 none          realistic
    0:2 3:4 84:1
# two values on day 3 (7 and 6) are averaged to 6.5 < 6 + 1: no flare (7 alone would be);
# responder (drop 2 = 33 %), censored at 0
same_day_duplicate_early           P_C IA 2023-Q2 moderate   4/4 home_program  realistic
    0:6 3:7 3:6 84:4
"""


def _course(columns: list[str], nrs: NRS, more: dict[str, str]) -> TimelineCourse:
    """A course of the table above."""
    name, provider, route, start, severity, sessions, rehab, expectations = columns
    year, _, quarter = start.partition("-Q")
    completed, planned = (int(n) for n in sessions.split("/"))
    return TimelineCourse(
        name,
        provider,
        {"IA": IA, "PV": PV}[route],
        int(year),
        quarter,
        severity,
        planned,
        completed,
        rehab,
        expectations,
        nrs,
        **more,
    )


COURSES = tuple(_course(*course) for course in course_table(_COURSE_TABLE))

# (course_id, session_number, day, event, seriousness)
ADVERSE_EVENTS = (
    ("flare_by_event_only", "1", "1", "post_injection_flare", "mild"),
    ("flare_quit_after_2_of_5", "1", "1", "post_injection_flare", "moderate"),
    ("soreness_event_no_flare", "2", "7", "soreness", "mild"),
    ("no_baseline_flare_event", "1", "1", "post_injection_flare", "mild"),
    ("escalated_day_400", "", "0", "vasovagal", "serious"),
    ("serious_infection_after_session_3", "4", "22", "other", "serious"),
    ("serious_infection_after_session_3", "2", "9", "swelling", "moderate"),
    ("serious_infection_after_session_3", "3", "16", "infection", "serious"),
)

# --- Hand-worked answers ----------------------------------------------------------------
# course -> (has_nrs_flare, has_flare_event, is_early_quit, flare_path, outcome);
# not_started (0 sessions) is in no flare table.
EXPECTED_FLARE = {
    "flare_by_nrs_rise_only": (True, False, False, "flare_continued", "responder"),
    "flare_by_event_only": (False, True, False, "flare_continued", "non_responder"),
    "flare_rise_exactly_1": (True, False, False, "flare_continued", "responder"),
    "rise_under_1_no_flare": (False, False, False, "no_flare", "responder"),
    "rise_on_day_11_no_flare": (False, False, False, "no_flare", "non_responder"),
    "flare_quit_after_1_of_4": (True, False, True, "flare_quit", "non_responder"),
    "flare_quit_after_2_of_5": (True, True, True, "flare_quit", "no_followup"),
    "flare_2_of_2_planned_not_quit": (True, False, False, "flare_continued", "responder"),
    "no_flare_quit_after_1_of_3": (False, False, True, "no_flare", "non_responder"),
    "flare_3_of_6_lost_then_regained": (True, False, False, "flare_continued", "responder"),
    "soreness_event_no_flare": (False, False, False, "no_flare", "responder"),
    "durable_exact_30_percent_later": (False, False, False, "no_flare", "responder"),
    "lost_by_percent_only": (False, False, False, "no_flare", "responder"),
    "no_baseline_flare_event": (False, True, False, "flare_continued", "not_eligible"),
    "escalated_day_400": (False, False, False, "no_flare", "non_responder"),
    "not_screened": (False, False, False, "no_flare", "non_responder"),
    "g6pd_deficiency_treated": (False, False, False, "no_flare", "non_responder"),
    "no_quarter_g6pd_unknown": (False, False, False, "no_flare", "responder"),
    "serious_infection_after_session_3": (False, False, False, "no_flare", "responder"),
    "low_baseline_flare": (True, False, False, "flare_continued", "not_eligible"),
    "same_day_duplicate_early": (False, False, False, "no_flare", "responder"),
}
# 21 courses with a session; 9 flares (6 by NRS only, 2 by event only, 1 both); 2 quit after
# a flare; 1 of the 12 without a flare stopped early.
EXPECTED_FLARE_TOTALS = {
    "n_started": 21,
    "n_flare": 9,
    "n_flare_nrs_only": 6,
    "n_flare_event_only": 2,
    "n_flare_both": 1,
    "n_quit_after_flare": 2,
    "n_no_flare": 12,
    "n_early_quit_no_flare": 1,
}
# path -> (n_courses, n_eligible, n_followup, n_responders)
EXPECTED_FLARE_OUTCOMES = {
    "flare_continued": (7, 5, 5, 4),
    "flare_quit": (2, 2, 1, 0),
    "no_flare": (12, 12, 12, 7),
}
# expectations -> (n_flare, n_quit_after_flare)
EXPECTED_QUIT_BY_EXPECTATIONS = {"realistic": (5, 0), "unrealistic": (3, 2), "unknown": (1, 0)}
EXPECTED_FLOW = {
    ("Courses with a session", "Flare"): 9,
    ("Courses with a session", "No flare"): 12,
    ("Flare", "Flare, continued"): 7,
    ("Flare", "Flare, quit"): 2,
    ("No flare", "No flare, continued"): 11,
    ("No flare", "No flare, quit"): 1,
    ("Flare, continued", "Responder"): 4,
    ("Flare, continued", "Non-responder"): 1,
    ("Flare, continued", "Not eligible"): 2,
    ("Flare, quit", "Non-responder"): 1,
    ("Flare, quit", "No follow-up"): 1,
    ("No flare, continued", "Responder"): 7,
    ("No flare, continued", "Non-responder"): 4,
    ("No flare, quit", "Non-responder"): 1,
}

# Durability: primary-window responder -> (rehab, duration_days, is_response_lost)
EXPECTED_DURABILITY = {
    "flare_by_nrs_rise_only": ("supervised_pt", 286, False),
    "flare_rise_exactly_1": ("none", 98, True),
    "rise_under_1_no_flare": ("none", 186, True),
    "flare_2_of_2_planned_not_quit": ("home_program", 0, False),
    "flare_3_of_6_lost_then_regained": ("supervised_pt", 36, True),
    "soreness_event_no_flare": ("home_program", 286, False),
    "durable_exact_30_percent_later": ("supervised_pt", 98, False),
    "lost_by_percent_only": ("home_program", 98, True),
    "no_quarter_g6pd_unknown": ("none", 0, False),
    "serious_infection_after_session_3": ("supervised_pt", 0, False),
    "same_day_duplicate_early": ("home_program", 0, False),
}
# rehab -> n_at_risk at days 0, 90, 180, 270 (duration >= day)
EXPECTED_DURABILITY_AT_RISK = {
    "none": (3, 2, 1, 0),
    "home_program": (4, 2, 1, 1),
    "supervised_pt": (4, 2, 1, 1),
}

# Escalation: course -> (severity_class, duration_days, is_escalated); duration = escalated
# day, else the last day seen (last assessment or session).
EXPECTED_ESCALATION = {
    "flare_by_nrs_rise_only": ("moderate", 370, False),
    "flare_by_event_only": ("moderate", 84, False),
    "flare_rise_exactly_1": ("severe", 182, False),
    "rise_under_1_no_flare": ("moderate", 270, False),
    "rise_on_day_11_no_flare": ("moderate", 84, False),
    "flare_quit_after_1_of_4": ("severe", 84, False),
    "flare_quit_after_2_of_5": ("end_stage", 200, True),
    "flare_2_of_2_planned_not_quit": ("mild", 84, False),
    "no_flare_quit_after_1_of_3": ("moderate", 150, True),
    "flare_3_of_6_lost_then_regained": ("moderate", 182, False),
    "not_started": ("moderate", 84, False),
    "soreness_event_no_flare": ("none", 370, False),
    "durable_exact_30_percent_later": ("moderate", 182, False),
    "lost_by_percent_only": ("moderate", 370, False),
    "no_baseline_flare_event": ("unknown", 84, False),
    "escalated_day_400": ("end_stage", 400, True),
    "not_screened": ("mild", 84, False),
    "g6pd_deficiency_treated": ("mild", 84, False),
    "no_quarter_g6pd_unknown": ("moderate", 84, False),
    "serious_infection_after_session_3": ("severe", 84, False),
    "low_baseline_flare": ("mild", 84, False),
    "same_day_duplicate_early": ("moderate", 84, False),
}
# severity -> (n_courses, n_escalated, n_escalated_within_365, cumulative incidence at 365 or
# None where follow-up ends before day 365). moderate: 6 at risk on day 150, 1 escalates ->
# 1/6; end_stage: 2 at risk on day 200, 1 escalates -> 1/2 (the day-400 one comes later).
EXPECTED_ESCALATION_BY_SEVERITY = {
    "none": (1, 0, 0, 0.0),
    "mild": (4, 0, 0, None),
    "moderate": (11, 1, 1, 1 / 6),
    "severe": (3, 0, 0, None),
    "end_stage": (2, 2, 1, 0.5),
    "unknown": (1, 0, 0, None),
}

# Safety by route: (n_courses, n_sessions, n_events, n_serious_events, n_courses_with_event)
EXPECTED_SAFETY_BY_ROUTE = {
    "intra_articular": (17, 51, 7, 2, 5),
    "paravertebral": (5, 14, 1, 1, 1),
}
EXPECTED_SAFETY_BY_PROVIDER = {
    "P_A": (8, 29, 1, 0, 1),
    "P_B": (7, 19, 5, 2, 3),
    "P_C": (7, 17, 2, 1, 2),
}
# Screening: 22 courses, 1 not screened, 1 contraindicated, G6PD 20 tested of 21 known, 1 unknown
EXPECTED_SCREENING = {
    "n_courses": 22,
    "n_not_screened": 1,
    "n_contraindicated": 1,
    "n_g6pd_tested": 20,
    "n_g6pd_known": 21,
    "n_g6pd_unknown": 1,
}
# (course_id, provider_id, contraindication, n_sessions_completed, g6pd_tested)
EXPECTED_SCREENING_EXCEPTIONS = (
    ("g6pd_deficiency_treated", "P_C", "g6pd_deficiency", 2, True),
    ("not_screened", "P_B", "not_screened", 3, False),
)

# p-charts (primary window): period -> (eligible, with follow-up, responders). The responder
# chart counts responders among the eligible with follow-up, the follow-up chart those with
# follow-up among the eligible: each period -> (n, events).
# 2024-Q4 and 2025-Q1 have no course (n = 0); no_quarter_g6pd_unknown is left out.
_PCHART_COUNTS = {
    "2023-Q1": (3, 3, 1),
    "2023-Q2": (3, 3, 3),
    "2023-Q3": (2, 2, 0),
    "2023-Q4": (2, 1, 0),
    "2024-Q1": (3, 3, 1),
    "2024-Q2": (2, 2, 1),
    "2024-Q3": (3, 3, 3),
    "2024-Q4": (0, 0, 0),
    "2025-Q1": (0, 0, 0),
    "2025-Q2": (1, 1, 1),
}
EXPECTED_PCHART_RESPONDER = {
    period: (followed, responders) for period, (_, followed, responders) in _PCHART_COUNTS.items()
}
EXPECTED_PCHART_FOLLOWUP = {
    period: (eligible, followed) for period, (eligible, followed, _) in _PCHART_COUNTS.items()
}
# With every start_quarter blanked (Safe Harbor): yearly periods, responder chart.
EXPECTED_PCHART_RESPONDER_YEARLY = {"2023": (9, 4), "2024": (9, 6), "2025": (1, 1)}


def _severity_columns(severity: str) -> tuple[str, str]:
    if severity == "none":
        return "kl", "1"
    if severity == "unknown":
        return "none", ""
    return "clinician", severity


def _course_row(c: TimelineCourse) -> dict[str, str]:
    scale, grade = _severity_columns(c.severity)
    indication = "knee_oa" if c.route == IA else "low_back_pain"
    return fixture_clinic.course_row(
        c, indication=indication, severity_scale=scale, severity_grade=grade
    )


def rows() -> dict[str, list[dict[str, str]]]:
    """The fixture as rows of text, keyed by contract file name."""
    return fixture_clinic.rows(COURSES, ADVERSE_EVENTS, _course_row)


def write(folder, data: dict[str, list[dict[str, str]]] | None = None):
    """Write the fixture (or a modified copy of its rows) as the four contract CSV files."""
    return write_rows(folder, rows() if data is None else data)
