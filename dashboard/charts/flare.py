"""What follows an early flare (issue 4; methods.md section 5): responder rate of each path
(flare and continued, flare and quit, no flare), the same within each expectations group,
early stopping with and without a flare, and the flow from first session to outcome.

The three paths keep one colour and one bar pattern each on every chart, so a path is
recognised without its colour too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from dashboard.charts.bars import BarAxes, bars_from, rate_bars
from dashboard.charts.rates import rate_columns
from queries.analytics.flare import (
    FLOW_NODES,
    NODE_BY_OUTCOME,
    NODE_BY_PATH,
    NODE_FLARE,
    NODE_NO_FLARE,
    NODE_STARTED,
    FlareSummary,
)
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, format_percent, present
from queries.stats.intervals import level_suffix

PATH_LABELS = {
    "flare_continued": "Flare, continued",
    "flare_quit": "Flare, quit",
    "no_flare": "No flare",
}
PATH_COLOURS = {
    "flare_continued": base.OKABE_ITO["reddish_purple"],
    "flare_quit": base.OKABE_ITO["vermillion"],
    "no_flare": base.OKABE_ITO["sky_blue"],
}
PATH_PATTERNS = {"flare_continued": "", "flare_quit": "/", "no_flare": "."}
# The path table's counts and rate, labelled as in every responder table (rate_columns).
PATH_TABLE_RATES = ("n_courses", "n_eligible", "n_followup", "n_responders", "responder_rate")
RATE_COLS = ("responder_rate", "ci_lower_{sfx}", "ci_upper_{sfx}", "n_responders", "n_followup")
LINK_ALPHA = 0.35  # a flow's links, paler than the node they lead to
RESPONDER_AXES = BarAxes(
    "Path after the first sessions", "Responder rate", "responders with follow-up"
)
EXPECTATION_AXES = BarAxes(
    "Expectations at the start", "Responder rate", "responders with follow-up"
)


@dataclass(frozen=True)
class EarlyStop:
    """One series of the early-stopping chart (after a flare, or without one): its columns
    and their labels in the table."""

    name: str
    path: str  # whose colour and bar pattern it takes
    prefix: str  # of its rate and interval columns
    n_stopped: str
    n: str
    labels: tuple[str, str, str]  # of n, n_stopped and the rate in the table
    interval_label: str = ""  # before '95 % CI lower' in the table

    def bar_columns(self, sfx: str) -> tuple[str, ...]:
        """Rate, lower, upper, successes, n: the columns of its bars (:func:`bars_from`)."""
        p = self.prefix
        return (f"{p}rate", f"{p}ci_lower_{sfx}", f"{p}ci_upper_{sfx}", self.n_stopped, self.n)


EARLY_STOPS = (
    EarlyStop(
        "After a flare",
        "flare_quit",
        "quit_",
        "n_quit_after_flare",
        "n_flare",
        ("Flares", "Quit after a flare", "Quit rate after a flare"),
    ),
    EarlyStop(
        "Without a flare",
        "no_flare",
        "no_flare_quit_",
        "n_early_quit_no_flare",
        "n_no_flare",
        (
            "Courses without a flare",
            "Stopped early without a flare",
            "Early-stop rate without a flare",
        ),
        "without a flare ",
    ),
)


def _rate_cols(settings: Settings) -> tuple[str, ...]:
    sfx = level_suffix(settings.confidence_level)
    return tuple(c.format(sfx=sfx) for c in RATE_COLS)


def _responder_subtitle(settings: Settings) -> str:
    return (
        f"{settings.window().name} IMMPACT, complete case · {base.level_text(settings)} Wilson CI"
    )


def flare_outcome_chart(summary: FlareSummary, settings: Settings, policy: Policy) -> go.Figure:
    """Responder rate of the three paths: flare and continued, flare and quit, no flare."""
    cols = _rate_cols(settings)
    frame = present(summary.outcomes, ["path", *cols], policy)
    paths = frame["path"].tolist()
    bars = bars_from(
        frame,
        "Responders",
        [PATH_LABELS[p] for p in paths],
        cols,
        [PATH_COLOURS[p] for p in paths],
        [PATH_PATTERNS[p] for p in paths],
    )
    return rate_bars(
        [bars], "Responders by flare path", _responder_subtitle(settings), RESPONDER_AXES, settings
    )


def flare_expectations_chart(
    summary: FlareSummary, settings: Settings, policy: Policy
) -> go.Figure:
    """Responder rate per path within each expectations group (realistic, unrealistic, ...)."""
    cols = _rate_cols(settings)
    frame = present(summary.outcomes_by_expectations, ["expectations", "path", *cols], policy)
    bars = []
    for path in PATH_LABELS:
        rows = frame[frame["path"] == path]
        bars.append(
            bars_from(
                rows,
                PATH_LABELS[path],
                [base.category_label(e) for e in rows["expectations"]],
                cols,
                PATH_COLOURS[path],
                PATH_PATTERNS[path],
            )
        )
    return rate_bars(
        bars,
        "Responders by flare path and expectations",
        _responder_subtitle(settings),
        EXPECTATION_AXES,
        settings,
    )


def quit_expectations_chart(summary: FlareSummary, settings: Settings, policy: Policy) -> go.Figure:
    """Share who stopped after 1-2 sessions with more planned: after a flare vs without."""
    sfx = level_suffix(settings.confidence_level)
    columns = [c for stop in EARLY_STOPS for c in stop.bar_columns(sfx)]
    frame = present(summary.quit_by_expectations, ["expectations", *columns], policy)
    x = [base.category_label(e) for e in frame["expectations"]]
    bars = [
        bars_from(
            frame,
            stop.name,
            x,
            stop.bar_columns(sfx),
            PATH_COLOURS[stop.path],
            PATH_PATTERNS[stop.path],
        )
        for stop in EARLY_STOPS
    ]
    return rate_bars(
        bars,
        "Early stopping by expectations",
        f"{base.level_text(settings)} Wilson CI · n = courses",
        BarAxes("Expectations at the start", "Stopped after 1–2 sessions", "courses"),
        settings,
    )


FLOW_COLOURS = {
    NODE_STARTED: base.OKABE_ITO["black"],
    NODE_FLARE: PATH_COLOURS["flare_continued"],
    NODE_NO_FLARE: PATH_COLOURS["no_flare"],
    NODE_BY_PATH[("flare", False)]: PATH_COLOURS["flare_continued"],
    NODE_BY_PATH[("flare", True)]: PATH_COLOURS["flare_quit"],
    NODE_BY_PATH[("no_flare", False)]: PATH_COLOURS["no_flare"],
    NODE_BY_PATH[("no_flare", True)]: base.OKABE_ITO["orange"],
    NODE_BY_OUTCOME["responder"]: base.OKABE_ITO["blue"],
    NODE_BY_OUTCOME["non_responder"]: base.OKABE_ITO["orange"],
    NODE_BY_OUTCOME["no_followup"]: base.NEUTRAL,
    NODE_BY_OUTCOME["not_eligible"]: base.PALE,
}


def flare_flow_chart(flow: pd.DataFrame, settings: Settings, policy: Policy) -> go.Figure:
    """Sankey: courses with a session -> flare or not -> continued or quit -> outcome.

    Every node says how many courses it holds; every link's hover says what share of its
    source it carries. Links take the colour of where they lead. A flow the gate hid is not
    drawn, and a node total or a share that it is part of is not shown either (the others
    would give it back; methods.md section 6).
    """
    frame = present(flow, ["source", "target", "n_courses"], policy)
    used = set(frame["source"]) | set(frame["target"])
    nodes = [n for n in FLOW_NODES if n in used]
    index = {n: i for i, n in enumerate(nodes)}
    flows = pd.to_numeric(frame["n_courses"], errors="coerce").astype(float)
    count = _hide_recoverable(frame, flows)
    out_total = count.groupby(frame["source"]).agg(_total)
    in_total = count.groupby(frame["target"]).agg(_total)
    totals = [in_total.get(n, out_total.get(n)) for n in nodes]
    share = [n / out_total[s] for s, n in zip(frame["source"], count, strict=True)]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",d",
            node=dict(
                label=[f"{n}: {base.count_text(t)}" for n, t in zip(nodes, totals, strict=True)],
                pad=18,
                thickness=16,
                color=[FLOW_COLOURS[n] for n in nodes],
                line=dict(color=base.TEXT, width=0.5),
                hovertemplate="%{label} courses<extra></extra>",
            ),
            link=dict(
                source=[index[s] for s in frame["source"]],
                target=[index[t] for t in frame["target"]],
                value=base.plain(count),
                color=[base.rgba(FLOW_COLOURS[t], LINK_ALPHA) for t in frame["target"]],
                customdata=[format_percent(s, n) for s, n in zip(share, count, strict=True)],
                hovertemplate=(
                    "%{source.label} → %{target.label}<br>%{value:,} courses "
                    "(%{customdata} of the left node)<extra></extra>"
                ),
            ),
        )
    )
    w = settings.window()
    return base.base_layout(
        fig,
        "What followed an early flare: continued or quit, then the outcome",
        f"courses with a session · outcome at {w.name} (day {w.first_day}–"
        f"{w.last_day}), IMMPACT · width = number of courses",
        legend=None,
    )


def _hide_recoverable(frame: pd.DataFrame, count: pd.Series) -> pd.Series:
    """The flows with more hidden where one hidden flow could be worked out from the others
    through the same node (what enters a node leaves it): while a node has exactly one
    hidden flow, its smallest shown flow is hidden too (complementary hiding)."""
    count = count.copy()
    inner = set(frame["source"]) & set(frame["target"])
    changed = True
    while changed:
        changed = False
        for node in sorted(inner):
            links = count[(frame["source"] == node) | (frame["target"] == node)]
            if links.isna().sum() == 1 and links.notna().any():
                count[links.dropna().idxmin()] = float("nan")
                changed = True
    return count


def _total(counts: pd.Series) -> float:
    """A node's total: the sum of its flows, or none when the gate hid any of them."""
    return float("nan") if counts.isna().any() else float(counts.sum())


def flare_outcome_columns(settings: Settings) -> dict[str, str]:
    """Columns of the path table: the counts and the complete-case rate as every responder
    table labels them (:func:`dashboard.charts.rates.rate_columns`), then the interval."""
    rates = rate_columns(settings)
    return {
        "expectations": "Expectations",
        "path": "Path",
        **{c: rates[c] for c in PATH_TABLE_RATES},
        **base.interval_columns(settings),
    }


def quit_table_columns(settings: Settings) -> dict[str, str]:
    """Columns of the early-stopping table: each series' n, stops, rate and interval."""
    columns = {"expectations": "Expectations"}
    for stop in EARLY_STOPS:
        n, stopped, rate = stop.labels
        columns |= {
            stop.n: n,
            stop.n_stopped: stopped,
            f"{stop.prefix}rate": rate,
            **base.interval_columns(settings, stop.prefix, stop.interval_label),
        }
    return columns


# The three bar charts under the flow, left to right, with their captions' keys (captions).
FLARE_BARS = (
    (flare_outcome_chart, "outcome"),
    (flare_expectations_chart, "expectations"),
    (quit_expectations_chart, "quit"),
)
