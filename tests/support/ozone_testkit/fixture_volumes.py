"""A hand-built clinic for the 20-course rule and a provider's view of their peers' volumes
(methods.md sections 4 and 6; issue 8).

Every course is eligible and has follow-up, with the same case mix (the usual course of
fixture_clinic.py: moderate severity, baseline NRS 6, a woman of 50-59 with knee OA for a
year), so the case-mix model is the intercept alone and every course's p is the clinic rate.
A responder's NRS falls to 3 at day 84 (a drop of 3 = 50 %), a non-responder's stays at 6;
each course has ODI 40 at baseline and 20 (a responder's, a drop of 20 points) or 40 at day
84, so the ODI responders are the NRS ones.

    provider  courses with follow-up  responders   rate       volume band   drawn at x
    V_19      19                      10           10/19      (too few: no point anywhere)
    V_20      20                      12           12/20=0.60 20-49         35 (own: 20)
    V_31      31                      22           0.7097     20-49         35
    V_57      57                      29           0.5088     50-99         75
    V_83      83                      50           0.6024     50-99         75
    V_127     127                     60           0.4724     100-199       150

Clinic: 337 courses with follow-up, 183 responders (p = 183/337). The peers' volumes and
responder counts are all above 20, so that no course number of a provider's own CUSUM
(1..20) equals one of them by chance.
"""

from __future__ import annotations

from pathlib import Path

from ozone_testkit import fixture_clinic
from ozone_testkit.fixture_clinic import FixtureCourse

# provider -> (courses with follow-up, responders)
VOLUMES: dict[str, tuple[int, int]] = {
    "V_19": (19, 10),
    "V_20": (20, 12),
    "V_31": (31, 22),
    "V_57": (57, 29),
    "V_83": (83, 50),
    "V_127": (127, 60),
}
TOO_FEW, ENOUGH = "V_19", "V_20"  # 19 and 20 eligible courses with follow-up
PEERS_OF_ENOUGH = ("V_31", "V_57", "V_83", "V_127")  # V_20's peers with a point
N_COURSES = sum(n for n, _ in VOLUMES.values())  # 337
N_RESPONDERS = sum(r for _, r in VOLUMES.values())  # 183
NRS = {True: ((0, 6.0), (84, 3.0)), False: ((0, 6.0), (84, 6.0))}
ODI = {True: ((0, 40.0), (84, 20.0)), False: ((0, 40.0), (84, 40.0))}


def courses() -> list[tuple[FixtureCourse, bool]]:
    """Every course with whether it is a responder: each provider's responders first."""
    out = []
    for provider, (n, responders) in VOLUMES.items():
        for k in range(n):
            responder = k < responders
            course = FixtureCourse(
                f"{provider.lower()}_{k:03d}", provider, "S1", 2023, "kl", "3", 4, 4, "none",
                NRS[responder],
            )  # fmt: skip
            out.append((course, responder))
    return out


def write(folder: Path) -> Path:
    """The clinic as contract CSV files (NRS and ODI assessments)."""
    listed = courses()
    data = fixture_clinic.rows(courses=[c for c, _ in listed], adverse_events=())
    for course, responder in listed:
        for day, score in ODI[responder]:
            data["assessments"].append(
                {
                    "course_id": course.course_id,
                    "day": str(day),
                    "instrument": "odi",
                    "score": f"{score:g}",
                }
            )
    return fixture_clinic.write(folder, data)
