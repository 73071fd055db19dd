"""The report's sections on the courses: headline figures (the Overview), patterns, timeline
and trends, safety and screening. Each calls the core functions its page calls
(dashboard/views/*.py), through the runner and so through the gate, and draws them with the
same figure builders (dashboard/charts/); no statistic is computed here. Definitions:
methods.md sections 1-5; what may be shown: section 6.
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts import definitions as dc
from dashboard.charts import durability as dur
from dashboard.charts import flare as fc
from dashboard.charts import safety as sc
from dashboard.charts import timeline as ct
from dashboard.charts import trends as tc
from dashboard.charts.rates import rate_chart, rate_heatmap
from dashboard.report.boxes import count_box, event_rate_box, rate_box
from dashboard.report.model import NO_MATCH, Context, Section, Writer
from queries.analytics import (
    durability,
    flare,
    landmark,
    rates,
    safety,
    secondary,
    trajectories,
    trends,
)
from queries.core.errors import InsufficientData
from queries.core.factors import factor
from queries.core.responders import IMMPACT
from queries.disclosure.gate import count_text, disclose, hidden_note, shown_count

COURSE_BOXES = (  # the Overview's boxes: field, label, note
    ("n_courses", "Courses", "every course in view"),
    ("n_patients", "Patients", ""),
    ("n_sessions", "Sessions delivered", ""),
    ("n_eligible", "Eligible", "baseline NRS pain ≥ the eligibility threshold"),
    ("n_no_baseline", "No baseline", "no pain score on or before day 0"),
    ("n_low_baseline", "Low baseline", "baseline below the threshold: no room to improve"),
    ("n_not_yet_due", "Not yet due", "follow-up window not closed by the extract"),
)
ONE_WAY = ("severity", "adherence", "rehab", "provider")
TWO_WAY = (("severity", "adherence"), ("severity", "rehab"))
PATTERN_CAPTIONS = {
    "severity": "Crude rates by degeneration severity; 'unknown' = none recorded. Descriptive.",
    "adherence": "Descriptive: people who felt worse early may have quit, so few sessions can "
    "follow a poor early response as well as cause one (the day-21 landmark view below).",
    "rehab": "Association, not effect: who is referred to rehab differs.",
    "provider": "Crude, not adjusted for case mix; overlapping intervals are no evidence of a "
    "difference.",
}


# Columns of the pages' rate tables a printed page has no room for (the app's CSV has them).
WIDE_ONLY = ("no_baseline", "low_baseline", "not_yet_due", "substantial", "itt_ci", "followup_rate")


def compact(columns: dict[str, str]) -> dict[str, str]:
    """A rate table's columns without :data:`WIDE_ONLY` (showing fewer cells of a gated
    frame hides more, never less)."""
    return {k: v for k, v in columns.items() if not any(w in k for w in WIDE_ONLY)}


def require(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        raise InsufficientData(NO_MATCH)
    return frame


def overview(ctx: Context) -> Section:
    """Headline figures: the Overview page's boxes, its counts through the gate as one row
    (none can be worked out from the others: methods.md section 6)."""
    w = Writer(ctx, "overview", "Headline figures")
    s, policy = ctx.settings, ctx.policy
    with w.part("Headline figures"):
        ov = w.get(rates.overview)
        gated = disclose(pd.DataFrame([ov.counts()]), policy)
        row = gated.iloc[0]
        shown = {n: None if pd.isna(row[n]) else int(row[n]) for n in gated.columns}
        ctx.keep_notes("Headline figures: the counts", gated)
        w.metrics(
            "Courses", [count_box(lbl, shown[n], note, policy) for n, lbl, note in COURSE_BOXES]
        )
        w.caption(hidden_note(gated))
        window = s.window()
        w.metrics(
            f"Response at {window.name} (day {window.first_day}–{window.last_day})",
            [
                rate_box(
                    "Follow-up completeness",
                    ov.followup,
                    "eligible with a follow-up value",
                    s,
                    policy,
                    (shown["n_followup"], shown["n_eligible"]),
                ),
                rate_box(
                    "Responders, complete case",
                    ov.responder_complete_case,
                    "eligible with follow-up",
                    s,
                    policy,
                    (shown["n_responders"], shown["n_followup"]),
                ),
                rate_box(
                    "Responders, ITT",
                    ov.responder_itt,
                    "eligible",
                    s,
                    policy,
                    (shown["n_responders"], shown["n_eligible"]),
                ),
                rate_box(
                    "Substantial responders",
                    ov.substantial,
                    "eligible with follow-up",
                    s,
                    policy,
                    (shown["n_substantial_responders"], shown["n_followup"]),
                ),
            ],
        )
        events, sessions = shown["n_adverse_events"], shown["n_sessions"]
        small = bool(ov.n_adverse_events) and shown_count(ov.n_adverse_events, policy) is None
        hide = events is None or sessions is None or small
        w.metrics(
            "Safety",
            [
                event_rate_box(
                    "Adverse events per 100 sessions",
                    ov.adverse_events_per_100_sessions,
                    (
                        ov.adverse_events_per_100_sessions_lower,
                        ov.adverse_events_per_100_sessions_upper,
                    ),
                    "exact Poisson interval (Garwood)",
                    s,
                    hide,
                ),
                count_box(
                    "Serious adverse events",
                    shown["n_serious_adverse_events"],
                    "included in the events per 100 sessions",
                    policy,
                ),
            ],
        )
    return w.section


def patterns(ctx: Context) -> Section:
    """Patterns: responder rates (IMMPACT, the primary definition) by severity, adherence,
    rehab and provider, the two heat maps and the day-21 landmark view (methods.md 1-3)."""
    w = Writer(ctx, "patterns", "Patterns")
    s, policy, name = ctx.settings, ctx.policy, dc.short_name(IMMPACT)
    for by in ONE_WAY:
        with w.part(f"Responder rate by {factor(by).label.lower()}"):
            found = require(w.get(secondary.definition_rates, definition=IMMPACT, by=by))
            w.chart(rate_chart(found, by, s, policy, dc.rate_title(by, IMMPACT), name))
            w.caption(PATTERN_CAPTIONS[by])
            if by == "provider":
                w.say(rates.too_few_sentence(found, s.min_provider_courses))
            w.table(found, compact(dc.table_columns(by, IMMPACT, s)))
    for rows, cols in TWO_WAY:
        with w.part(f"{factor(rows).label} by {factor(cols).label.lower()}"):
            cells = require(
                w.get(secondary.definition_rates_2d, definition=IMMPACT, rows=rows, cols=cols)
            )
            title = dc.heatmap_title(rows, cols, IMMPACT)
            w.chart(rate_heatmap(cells, rows, cols, s, policy, title, name))
            w.caption("Complete-case responder rate per cell with its n. Descriptive.")
    with w.part("Landmark view at day 21"):
        view = w.get(landmark.landmark_rates, definition=IMMPACT)
        w.chart(
            rate_chart(view.rates, "landmark_adherence", s, policy, dc.landmark_title(view), name)
        )
        w.caption(dc.landmark_caption(view, policy))
    return w.section


def timeline(ctx: Context) -> Section:
    """Timeline and trends: the pain trajectory, early flares, durability, escalation and the
    quarterly p (or Laney p′) charts with their signals (methods.md sections 4 and 5)."""
    w = Writer(ctx, "timeline", "Timeline and trends")
    s, policy = ctx.settings, ctx.policy
    captions = ct.captions(s)
    with w.part("Pain trajectory"):
        weekly = require(w.get(trajectories.nrs_trajectory, by=None))
        w.chart(ct.trajectory_chart(weekly, None, s, policy))
        w.caption(captions["trajectory"])
    with w.part("Early flare"):
        summary = w.get(flare.flare_summary)
        w.metrics(
            "Early flare and quitting",
            [
                rate_box("Early flare", summary.incidence, "courses with a session", s, policy),
                rate_box("Quit after a flare", summary.quit_after_flare, "flares", s, policy),
                rate_box(
                    "Stopped early without a flare",
                    summary.early_quit_without_flare,
                    "courses without a flare",
                    s,
                    policy,
                ),
            ],
        )
        w.caption(captions["flare"])
        w.chart(fc.flare_flow_chart(summary.flow, s, policy))
        w.caption(captions["flow"])
    with w.part("Durability of response"):
        w.chart(dur.durability_chart(w.get(durability.durability_km, by="rehab"), s, policy))
        w.caption(captions["durability"])
    with w.part("Escalation to surgery"):
        escalation = w.get(durability.escalation_by_severity)
        w.chart(dur.escalation_chart(escalation, s, policy))
        w.caption(dur.short_followup_text(escalation))
        w.caption(captions["escalation"])
    for measure, title in (("responder", "Responder rate"), ("followup", "Follow-up")):
        with w.part(f"{title} by quarter"):
            pchart = w.get(trends.quarterly_pchart, measure=measure)
            w.chart(tc.pchart_chart(pchart, s, policy))
            w.say(tc.pchart_caption(pchart))
            w.table(
                tc.shown_points(pchart, policy),
                tc.pchart_columns(pchart),
                percent=tc.PCHART_PERCENT,
            )
    return w.section


def safety_and_screening(ctx: Context) -> Section:
    """Safety and screening: adverse events per 100 sessions and per course by route and
    provider, every serious event, screening as a quality indicator (methods.md section 5)."""
    w = Writer(ctx, "safety", "Safety and screening")
    s, policy = ctx.settings, ctx.policy
    for by in ("route", "provider"):
        with w.part(f"Adverse events by {by}"):
            found = require(w.get(safety.adverse_event_rates, by=by))
            overall = w.get(safety.clinic_adverse_event_rates)
            w.chart(sc.adverse_event_chart(found, overall, by, s, policy))
            w.caption(
                "Adverse events of every grade per 100 sessions and per course, exact Poisson "
                "intervals; the dashed line is the whole clinic's rate under the same filters."
            )
            w.table(found, sc.adverse_event_columns(by, s), percent=sc.ADVERSE_EVENT_PERCENT)
    with w.part("Serious adverse events"):
        events = w.get(safety.serious_events)
        if events.empty:
            w.say("No serious adverse event is recorded for the courses in view.")
        else:
            n_events = count_text(len(events), policy)
            n_courses = count_text(events["course_id"].nunique(), policy)
            w.say(f"{n_events} serious events in {n_courses} courses, each as recorded:")
            w.table(events, sc.SERIOUS_EVENT_TABLE, percent=())
    with w.part("Screening"):
        screening = w.get(safety.screening_summary)
        w.metrics(
            "Screening",
            [
                rate_box("Given without a screen", screening.not_screened, "courses", s, policy),
                rate_box(
                    "Given despite a contraindication",
                    screening.contraindicated,
                    "courses",
                    s,
                    policy,
                ),
                rate_box(
                    "G6PD tested",
                    screening.g6pd_tested,
                    "courses with the field filled in",
                    s,
                    policy,
                ),
            ],
        )
        w.caption(
            "Quality indicator (methods.md section 5): courses given without a contraindication "
            "screen, or despite a contraindication, with Wilson intervals."
        )
        exceptions = w.get(safety.screening_exceptions)
        if not exceptions.empty:
            w.say("Courses to review (not screened, or a contraindication):")
            w.table(exceptions, sc.SCREENING_EXCEPTION_TABLE, percent=())
    return w.section
