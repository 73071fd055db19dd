"""The report's provider comparison: the Providers section of a director's report, or the My
practice section of a provider's. Both call what their page calls (dashboard/views/
providers.py and my_practice.py) through the gate and draw it with the same builders; a
provider's section holds their own courses and the clinic as a whole, every peer an
unlabelled point (the core masks them, the gate refuses a frame naming one: methods.md
section 6). Definitions: methods.md section 4. No rank numbers anywhere.
"""

from __future__ import annotations

from dashboard.charts import funnel
from dashboard.charts import monitoring as cm
from dashboard.charts import providers as cp
from dashboard.report.model import Context, Section, Writer
from dashboard.report.sections import compact
from queries.analytics import cases, monitoring, providers
from queries.analytics.providers import PROVIDER_TABLE_COLUMNS
from queries.stats import casemix

CUSUM_SUBTITLE = (
    "Risk-adjusted Bernoulli CUSUM (Steiner 2000), OR = 2 · dashed = alert, solid = alarm"
)
SELF_FUNNELS = (
    "My responder rate among all providers, crude",
    "My O/E among all providers, adjusted for case mix",
)


def providers_section(ctx: Context) -> Section:
    """A director's Providers section: both funnels with the overdispersion note, the
    provider table (the ``providers`` command's columns), shrunken rates, every provider's
    CUSUM with its signals."""
    w = Writer(ctx, "providers", "Providers")
    s, min_n = ctx.settings, ctx.settings.min_provider_courses
    with w.part("Provider comparison"):
        comparison = w.get(providers.compare_providers)
        allows_for = casemix.covariate_sentence(comparison.model)
        views = (comparison.crude_view, comparison.adjusted_view)
        for view, (title, subtitle, caption) in zip(views, funnel.DIRECTOR_FUNNELS, strict=True):
            subtitle = f"{subtitle} · {funnel.limits_text(view.result)}"
            w.chart(funnel.funnel_chart(view, s, title, subtitle))
            w.caption(caption if view is comparison.crude_view else f"{caption} {allows_for}")
            w.say(funnel.overdispersion_note(view.result))
        w.say(funnel.not_enough_note(comparison.crude_view, min_n))
        w.table(comparison.table, {c: c for c in PROVIDER_TABLE_COLUMNS}, "Provider table")
        w.caption(funnel.flags_caption(comparison.crude, min_n))
        title = "Responder rate per provider, shrunken"
        w.chart(
            funnel.caterpillar_chart(providers.shrunken_view(comparison.shrunken, min_n), s, title)
        )
        w.caption(funnel.shrinkage_note(comparison.shrunken))
    with w.part("Each provider over time"):
        watch = w.get(providers.compare_providers).monitoring
        w.chart(
            cm.cusum_chart(
                watch,
                "CUSUM of non-response per provider",
                CUSUM_SUBTITLE,
                monitoring.lines_to_draw(watch),
            )
        )
        w.caption(cm.method_text(watch))
        w.say(cm.signal_list(watch))
        w.table(watch.summary, cm.SUMMARY_LABELS, "CUSUM signals")
    return w.section


def my_practice_section(ctx: Context) -> Section:
    """A provider's My practice section: their outcomes beside the clinic's, their place on
    the funnels among unlabelled peers, their own CUSUM (never a peer's)."""
    w = Writer(ctx, "my_practice", "My practice")
    s, policy = ctx.settings, ctx.policy
    with w.part("My outcomes beside the clinic"):
        found = w.get(cases.cases_like_this, profile=cases.CaseProfile()).groups
        w.chart(
            cp.rates_beside_clinic(found, s, policy, "My responder rate beside the whole clinic")
        )
        w.table(found, compact(cp.rates_columns(s)), "My outcomes")
    with w.part("Where I sit on the funnel"):
        comparison = w.get(providers.compare_providers)
        views = (comparison.crude_view, comparison.adjusted_view)
        for view, title in zip(views, SELF_FUNNELS, strict=True):
            subtitle = f"Other providers unnamed · {funnel.limits_text(view.result)}"
            w.chart(funnel.funnel_chart(view, s, title, subtitle, self_view=True))
            w.say(funnel.overdispersion_note(view.result))
            w.caption(funnel.peer_note(view))
            w.say(funnel.not_enough_note(view, s.min_provider_courses))
        w.caption(
            "Left: crude responder rate against courses with follow-up. Right: observed over "
            "expected responders given the patients' case mix (1 = as expected). "
            + casemix.covariate_sentence(comparison.model)
        )
    with w.part("My courses over time"):
        watch = w.get(providers.compare_providers).monitoring  # my own line, never a peer's
        w.say(cm.signal_list(watch, own=True))
        w.chart(
            cm.cusum_chart(
                watch, "My CUSUM of non-response", CUSUM_SUBTITLE, monitoring.lines_to_draw(watch)
            )
        )
        w.caption(cm.method_text(watch))
    return w.section
