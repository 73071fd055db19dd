"""What follows an early flare (issue 4; methods.md section 5): responder rate of each path
(flare and continued, flare and quit, no flare), the same within each expectations group,
early stopping with and without a flare, and the flow from first session to outcome.

The three paths keep one colour and one bar pattern each on every chart, so a path is
recognised without its colour too.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.base import (
    NEUTRAL,
    OKABE_ITO,
    PALE,
    TEXT,
    base_layout,
    category_label,
    level_text,
    rgba,
)
from dashboard.charts.rates import BarAxes, bars_from, rate_bars
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
    "flare_continued": OKABE_ITO["reddish_purple"],
    "flare_quit": OKABE_ITO["vermillion"],
    "no_flare": OKABE_ITO["sky_blue"],
}
PATH_PATTERNS = {"flare_continued": "", "flare_quit": "/", "no_flare": "."}
RATE_COLS = ("responder_rate", "ci_lower_{sfx}", "ci_upper_{sfx}", "n_responders", "n_followup")
LINK_ALPHA = 0.35  # a flow's links, paler than the node they lead to
RESPONDER_AXES = BarAxes(
    "Path after the first sessions", "Responder rate", "responders with follow-up"
)
EXPECTATION_AXES = BarAxes(
    "Expectations at the start", "Responder rate", "responders with follow-up"
)


def _rate_cols(settings: Settings) -> tuple[str, ...]:
    sfx = level_suffix(settings.confidence_level)
    return tuple(c.format(sfx=sfx) for c in RATE_COLS)


def _responder_subtitle(settings: Settings) -> str:
    return f"{settings.window().name} IMMPACT, complete case · {level_text(settings)} Wilson CI"


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
                [category_label(e) for e in rows["expectations"]],
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
    flare = (
        "quit_rate",
        f"quit_ci_lower_{sfx}",
        f"quit_ci_upper_{sfx}",
        "n_quit_after_flare",
        "n_flare",
    )
    calm = (
        "no_flare_quit_rate",
        f"no_flare_quit_ci_lower_{sfx}",
        f"no_flare_quit_ci_upper_{sfx}",
        "n_early_quit_no_flare",
        "n_no_flare",
    )
    frame = present(summary.quit_by_expectations, ["expectations", *flare, *calm], policy)
    x = [category_label(e) for e in frame["expectations"]]
    bars = [
        bars_from(
            frame,
            "After a flare",
            x,
            flare,
            PATH_COLOURS["flare_quit"],
            PATH_PATTERNS["flare_quit"],
        ),
        bars_from(
            frame, "Without a flare", x, calm, PATH_COLOURS["no_flare"], PATH_PATTERNS["no_flare"]
        ),
    ]
    return rate_bars(
        bars,
        "Early stopping by expectations",
        f"{level_text(settings)} Wilson CI · n = courses",
        BarAxes("Expectations at the start", "Stopped after 1–2 sessions", "courses"),
        settings,
    )


FLOW_COLOURS = {
    NODE_STARTED: OKABE_ITO["black"],
    NODE_FLARE: PATH_COLOURS["flare_continued"],
    NODE_NO_FLARE: PATH_COLOURS["no_flare"],
    NODE_BY_PATH[("flare", False)]: PATH_COLOURS["flare_continued"],
    NODE_BY_PATH[("flare", True)]: PATH_COLOURS["flare_quit"],
    NODE_BY_PATH[("no_flare", False)]: PATH_COLOURS["no_flare"],
    NODE_BY_PATH[("no_flare", True)]: OKABE_ITO["orange"],
    NODE_BY_OUTCOME["responder"]: OKABE_ITO["blue"],
    NODE_BY_OUTCOME["non_responder"]: OKABE_ITO["orange"],
    NODE_BY_OUTCOME["no_followup"]: NEUTRAL,
    NODE_BY_OUTCOME["not_eligible"]: PALE,
}


def flare_flow_chart(flow: pd.DataFrame, settings: Settings, policy: Policy) -> go.Figure:
    """Sankey: courses with a session -> flare or not -> continued or quit -> outcome.

    Every node says how many courses it holds; every link's hover says what share of its
    source it carries. Links take the colour of where they lead.
    """
    frame = present(flow, ["source", "target", "n_courses"], policy)
    used = set(frame["source"]) | set(frame["target"])
    nodes = [n for n in FLOW_NODES if n in used]
    index = {n: i for i, n in enumerate(nodes)}
    out_total = frame.groupby("source")["n_courses"].sum()
    in_total = frame.groupby("target")["n_courses"].sum()
    totals = [int(in_total.get(n, out_total.get(n, 0))) for n in nodes]
    share = [n / out_total[s] for s, n in zip(frame["source"], frame["n_courses"], strict=True)]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",d",
            node=dict(
                label=[f"{n}: {t:,}" for n, t in zip(nodes, totals, strict=True)],
                pad=18,
                thickness=16,
                color=[FLOW_COLOURS[n] for n in nodes],
                line=dict(color=TEXT, width=0.5),
                hovertemplate="%{label} courses<extra></extra>",
            ),
            link=dict(
                source=[index[s] for s in frame["source"]],
                target=[index[t] for t in frame["target"]],
                value=frame["n_courses"].tolist(),
                color=[rgba(FLOW_COLOURS[t], LINK_ALPHA) for t in frame["target"]],
                customdata=[
                    format_percent(s, n) for s, n in zip(share, frame["n_courses"], strict=True)
                ],
                hovertemplate=(
                    "%{source.label} → %{target.label}<br>%{value:,} courses "
                    "(%{customdata} of the left node)<extra></extra>"
                ),
            ),
        )
    )
    w = settings.window()
    return base_layout(
        fig,
        "What followed an early flare: continued or quit, then the outcome",
        f"courses with a session · outcome at {w.name} (day {w.first_day}–"
        f"{w.last_day}), IMMPACT · width = number of courses",
        legend=None,
    )


def flare_outcome_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {
        "expectations": "Expectations",
        "path": "Path",
        "n_courses": "Courses",
        "n_eligible": "Eligible",
        "n_followup": "With follow-up",
        "n_responders": "Responders",
        "responder_rate": "Responder rate (complete case)",
        f"ci_lower_{sfx}": f"{level} CI lower",
        f"ci_upper_{sfx}": f"{level} CI upper",
    }


def quit_table_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {
        "expectations": "Expectations",
        "n_flare": "Flares",
        "n_quit_after_flare": "Quit after a flare",
        "quit_rate": "Quit rate after a flare",
        f"quit_ci_lower_{sfx}": f"{level} CI lower",
        f"quit_ci_upper_{sfx}": f"{level} CI upper",
        "n_no_flare": "Courses without a flare",
        "n_early_quit_no_flare": "Stopped early without a flare",
        "no_flare_quit_rate": "Early-stop rate without a flare",
        f"no_flare_quit_ci_lower_{sfx}": f"without a flare {level} CI lower",
        f"no_flare_quit_ci_upper_{sfx}": f"without a flare {level} CI upper",
    }
