"""The report, gathered: every section in order, in one scope, through one gate.

:func:`build_report` takes a runner (``run(core_function, **options)`` -> the result through
the gate in the report's scope and filters): in the app, ``PageContext.run`` (cached, the
viewer's policy); from the command line, :func:`core_runner` over a connection. A director's
report has the Providers section, a provider's (``Scope.provider``, ``Policy`` of the
provider's audience) their My practice section instead and nothing of another provider
(methods.md section 6). The "What was suppressed" section comes last, built from the notes
the gate left on everything before it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from dashboard.report import about, practice, sections
from dashboard.report.model import NO_MATCH, Context, Report, Runner, Section, Writer
from queries.analytics import rates
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import factor
from queries.core.scope import Filters, Scope
from queries.core.settings import ROLES, Settings
from queries.disclosure.gate import Policy, disclose

DIRECTOR, PROVIDER = ROLES
TITLE = "Ozone Outcomes: report for the quality meeting"
SYNTHETIC_NOTE = (
    "Synthetic data: a made-up clinic with planted effects, generated to show what the app "
    "does. No real patients: do not quote these numbers."
)
FILTER_NAMES = {"site_ids": "site", "indications": "indication", "routes": "route"}


def core_runner(
    con: duckdb.DuckDBPyConnection, scope: Scope, filters: Filters, settings: Settings
) -> Runner:
    """A runner straight over the core (no cache): ``function(Query(...), **options)``
    through :func:`~queries.disclosure.gate.disclose` with the scope's audience."""
    policy = Policy.for_audience(PROVIDER if scope.provider_id else DIRECTOR, settings)
    query = Query(con, scope, filters, settings)

    def run(function: Any, **options: Any) -> Any:
        return disclose(function(query, **options), policy)

    return run


def filters_text(filters: Filters) -> str:
    """The sidebar filters in words ("every course" when none restricts anything)."""
    parts = []
    if filters.year_min is not None or filters.year_max is not None:
        low, high = filters.year_min or "the first year", filters.year_max or "the last year"
        parts.append(f"courses started {low}–{high}")
    for name, words in FILTER_NAMES.items():
        chosen = getattr(filters, name)
        if chosen:
            parts.append(f"{factor(words).label.lower()}: {', '.join(chosen)}")
    return "; ".join(parts) if parts else "none (every course)"


def nothing_in_view(ctx: Context, built: Section) -> Section:
    """``built`` (a section written with no course in view) as one calm sentence."""
    writer = Writer(ctx, built.key, built.title)
    writer.say(NO_MATCH, "calm")
    return writer.section


def built_line(user: str, at: datetime) -> str:
    """When the report was built, and for whom (the audit log names them too)."""
    return f"Built {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" + (f" for {user}." if user else ".")


def about_lines(
    scope: Scope, filters: Filters, synthetic: bool, user: str, at: datetime
) -> tuple[str, ...]:
    whose = (
        "the whole clinic, every provider"
        if scope.provider_id is None
        else f"provider {scope.provider_id}'s own courses, beside the clinic as a whole"
    )
    lines = [
        f"Whose courses: {whose}.",
        f"Filters: {filters_text(filters)}.",
        built_line(user, at),
    ]
    if synthetic:
        lines.append(SYNTHETIC_NOTE)
    return tuple(lines)


def build_report(
    run: Runner,
    *,
    settings: Settings,
    scope: Scope,
    filters: Filters,
    load_history: pd.DataFrame,
    synthetic: bool,
    user: str = "",
    at: datetime | None = None,
) -> Report:
    """Every section of the report (module doc); ``load_history`` as the Data page reads it
    (``queries.analytics.checks.load_history``)."""
    role = PROVIDER if scope.provider_id else DIRECTOR
    ctx = Context(run, settings, Policy.for_audience(role, settings), scope, filters)
    comparison = practice.providers_section if role == DIRECTOR else practice.my_practice_section
    on_courses = (
        sections.overview,
        sections.patterns,
        comparison,
        sections.timeline,
        sections.safety_and_screening,
    )
    try:
        ctx.ask(rates.overview)  # raises when no course is in view at all
        built = [section(ctx) for section in on_courses]
    except InsufficientData:  # one sentence a section, as the app says it on each page
        built = [nothing_in_view(ctx, section(ctx)) for section in on_courses]
    built += [about.definitions(ctx), about.data(ctx, load_history)]
    built.append(about.suppressed(ctx))  # last: the notes of every section before it
    when = at or datetime.now(UTC)
    return Report(TITLE, about_lines(scope, filters, synthetic, user, when), tuple(built))
