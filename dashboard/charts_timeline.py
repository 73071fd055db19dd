"""Figures, tables and notes of the Timeline and Safety & screening pages (issue 4).

The house rules of :mod:`dashboard.charts` hold here too, and its helpers are reused: one
Okabe-Ito palette (series also differ by marker, dash or bar pattern, never by colour
alone, and colour never judges), categories in their natural order, every rate with its
interval and n, limits and reference values drawn as lines, every figure titled with what
it shows, every frame passed through :func:`queries.disclosure.gate.present` first.

Definitions: methods.md section 3 (intervals), section 4 "Trend" (p-chart), section 5
(trajectory, early flare, quitting, durability, escalation, safety, screening).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from dashboard.charts import (FIGURE_HEIGHT, OKABE_ITO, count_text, base_layout, category_label,
                              level_text, table, tick_label)
from dashboard.state import NO_MATCH, ROLE_PROVIDER
from queries.analytics.rates import GROUPINGS
from queries.core.errors import InsufficientData
from queries.core.scope import Scope
from queries.disclosure.gate import Policy, format_interval, format_percent, present
from queries.core.settings import Settings
from queries.stats.spc import SIGNAL_COLUMNS
from queries.stats.intervals import level_suffix
from queries.analytics.timeline import (
    FLOW_NODES,
    NODE_BY_OUTCOME,
    NODE_BY_PATH,
    NODE_FLARE,
    NODE_NO_FLARE,
    NODE_STARTED,
    Durability,
    FlareSummary,
    TrendPChart,
)
from queries.stats.trajectory import ALL_COURSES, TRAJECTORY_WEEKS

# Series in this order: blue and orange first (the pair charts.py uses), yellow last (weak
# on white). More groups than colours (providers) cycle the colours with other markers.
SERIES_COLOURS = ("blue", "orange", "bluish_green", "reddish_purple", "sky_blue",
                  "vermillion", "black", "yellow")
SERIES_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "cross", "star",
                  "hexagon", "triangle-down", "pentagon")
NEUTRAL = "#999999"  # a tint of Okabe-Ito black: "no follow-up", reference lines, shading
PALE = "#CCCCCC"
TEXT = "#333333"  # numbers written on a chart (coloured text is hard to read in yellow)
FLARE_SHADE = OKABE_ITO["reddish_purple"]


def series_style(i: int) -> tuple[str, str]:
    """Colour and marker of the i-th series."""
    colour = OKABE_ITO[SERIES_COLOURS[i % len(SERIES_COLOURS)]]
    return colour, SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _each(value, f):
    """``f`` of one value, or of each value of a list."""
    return [f(v) for v in value] if isinstance(value, list) else f(value)


def _list(values: pd.Series) -> list:
    """Plain values for a figure: NaN becomes None (a gap, not a zero)."""
    return [None if pd.isna(v) else v for v in values]


# --- sections, scope --------------------------------------------------------------------

@contextmanager
def section() -> Iterator[None]:
    """One section of a page: when the core finds nothing to show (``InsufficientData``),
    say so calmly in place and let the page's other sections draw."""
    try:
        yield
    except InsufficientData as exc:
        st.info(str(exc) or NO_MATCH, icon=":material/filter_alt_off:")


def require(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame, or ``InsufficientData`` when it has no rows (for :func:`section`)."""
    if frame.empty:
        raise InsufficientData(NO_MATCH)
    return frame


def scope_text(role: str, scope: Scope) -> str:
    """Whose courses a page shows."""
    if role == ROLE_PROVIDER:
        return (f"Your own courses only (provider {scope.provider_id}), in the sidebar's "
                "filters.")
    return "Every course of the clinic in the sidebar's filters."


# --- trajectory -----------------------------------------------------------------------

def _group_label(group: object, by: str | None) -> str:
    return "All courses" if by is None or group == ALL_COURSES else category_label(group, by)


def trajectory_title(by: str | None) -> str:
    """Title of the trajectory chart split ``by`` (None = all courses together)."""
    base = "Mean change in pain (NRS 0–10) by week since the first session"
    return base if by is None else f"{base}, by {GROUPINGS[by].lower()}"


def _week_position(day: float) -> float:
    """Where a day falls on the evenly spaced week axis (between the weeks' slots)."""
    return float(np.interp(day / 7, TRAJECTORY_WEEKS, range(len(TRAJECTORY_WEEKS))))


def _count_panel(fig: go.Figure, x: list, label: str, counts: list, row: int) -> None:
    """One row of the counts table drawn under a chart (n per week, numbers at risk)."""
    fig.add_scatter(x=x, y=[label] * len(x), mode="text", text=[count_text(n) for n in counts],
                    textfont=dict(size=11, color=TEXT), showlegend=False,
                    name=f"{label}: n", hoverinfo="skip", cliponaxis=False, row=row, col=1)


def _panel_height(n_rows: int) -> int:
    """Height of the counts table under a chart: one line per group."""
    return 26 * n_rows + 30


def _with_count_panel(n_rows: int, count_title: str) -> go.Figure:
    """A chart over a table of counts sharing its x axis (set the height after base_layout)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[FIGURE_HEIGHT, _panel_height(n_rows)])
    fig.update_yaxes(row=2, col=1, type="category", range=[n_rows - 0.3, -0.7], showgrid=False,
                     title=dict(text=count_title, font=dict(size=11)), tickfont=dict(size=11))
    return fig


def trajectory_chart(trajectory: pd.DataFrame, by: str | None, settings: Settings,
                     policy: Policy) -> go.Figure:
    """Mean change from baseline per week with a t-interval band per group, the early-flare
    window shaded, the baseline as a line and the n of every point in a table underneath.

    Weeks sit in evenly spaced slots (0, 1, 2, 3, 4, 6, 8, 12, 26, 52): not to scale, so the
    first weeks, where the flare and the early change happen, stay readable.
    """
    sfx = level_suffix(settings.confidence_level)
    lo, hi = f"ci_lower_{sfx}", f"ci_upper_{sfx}"
    frame = present(trajectory, ["group", "week", "n_courses", "mean_change", lo, hi], policy)
    groups = list(dict.fromkeys(frame["group"]))
    level = level_text(settings)
    fig = _with_count_panel(len(groups), "Courses (n)")
    for i, group in enumerate(groups):
        rows = frame[frame["group"] == group]
        label, (colour, symbol) = _group_label(group, by), series_style(i)
        band = rows[rows[lo].notna() & rows[hi].notna()]
        fig.add_scatter(x=[*band["week"], *band["week"][::-1]],
                        y=[*band[hi], *band[lo][::-1]], fill="toself",
                        fillcolor=_rgba(colour, 0.14), line=dict(width=0), hoverinfo="skip",
                        name=f"{label} {level} CI", legendgroup=label, showlegend=False,
                        row=1, col=1)
        fig.add_scatter(
            x=rows["week"].tolist(), y=_list(rows["mean_change"]), name=label,
            legendgroup=label, mode="lines+markers", line=dict(color=colour, width=2),
            marker=dict(color=colour, size=8, symbol=symbol),
            customdata=[[count_text(n), _points(m), _points(a), _points(b)] for n, m, a, b in
                        zip(rows["n_courses"], rows["mean_change"], rows[lo], rows[hi])],
            hovertemplate=(f"{label}, week %{{x}}<br>mean change %{{customdata[1]}} points "
                           f"({level} CI %{{customdata[2]}} to %{{customdata[3]}})"
                           "<br>n = %{customdata[0]} courses<extra></extra>"),
            row=1, col=1)
        _count_panel(fig, rows["week"].tolist(), label, rows["n_courses"].tolist(), 2)
    fig.add_vrect(x0=_week_position(settings.flare_first_day),
                  x1=_week_position(settings.flare_last_day), row=1, col=1,
                  fillcolor=_rgba(FLARE_SHADE, 0.12), line_width=0, layer="below",
                  annotation_text=(f"early-flare window<br>day {settings.flare_first_day}–"
                                   f"{settings.flare_last_day}"),
                  annotation_position="top left", annotation_font=dict(size=10))
    fig.add_hline(y=0, row=1, col=1, line=dict(color=NEUTRAL, width=1, dash="dot"),
                  annotation_text="baseline", annotation_position="bottom right",
                  annotation_font=dict(size=10, color=NEUTRAL))
    weeks = list(TRAJECTORY_WEEKS)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=weeks,
                     tickvals=weeks, ticktext=[f"wk {w}" for w in weeks], tickangle=0)
    fig.update_xaxes(row=2, col=1, title="Week since the first session (slots not to scale)")
    fig.update_yaxes(row=1, col=1, title="Change in NRS pain (points; below 0 = less pain)",
                     zeroline=False)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left",
                                  x=0, font=dict(size=11)))
    fig = base_layout(fig, trajectory_title(by),
                  f"{level} t interval (band) · baseline = last value on or before day 0 · "
                  "n = courses with a value that week")
    fig.update_layout(height=FIGURE_HEIGHT + _panel_height(len(groups)) + 60)
    return fig


def _points(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:+.1f}"


def trajectory_columns(by: str | None, settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {"group": GROUPINGS[by] if by else "Group", "week": "Week",
            "n_courses": "Courses with a value", "mean_change": "Mean change (points)",
            f"ci_lower_{sfx}": f"{level} CI lower", f"ci_upper_{sfx}": f"{level} CI upper"}


# --- rate bars (flare paths, expectations, escalation) ------------------------------------

@dataclass(frozen=True)
class Bars:
    """One series of a bar chart of rates: a bar per category, its interval and its n."""

    name: str
    x: list[str]
    rate: list
    lower: list
    upper: list
    successes: list
    n: list
    colour: str | list[str]  # one per series, or one per bar
    pattern: str | list[str] = ""
    text: list[str] | None = None


def _bars_from(frame: pd.DataFrame, name: str, x: list[str], cols: tuple[str, ...],
               colour: str | list[str], pattern: str | list[str] = "") -> Bars:
    rate, lower, upper, successes, n = (frame[c].tolist() for c in cols)
    return Bars(name, x, rate, lower, upper, successes, n, colour, pattern)


def _bar_chart(bars: Sequence[Bars], title: str, subtitle: str, x_title: str,
               y_title: str, n_meaning: str, settings: Settings) -> go.Figure:
    """Rates as bars with error bars (the interval) and the n written above each interval
    (a text trace in the bar's offset group, so it never sits on the error bar)."""
    level = level_text(settings)
    fig = go.Figure()
    top = max((u for b in bars for u in b.upper if pd.notna(u)), default=0.0)
    for b in bars:
        rate = pd.Series(b.rate, dtype=float)
        upper = pd.Series(b.upper, dtype=float)
        fig.add_bar(
            name=b.name, x=b.x, y=_list(rate), offsetgroup=b.name,
            marker=dict(color=_each(b.colour, lambda c: _rgba(c, 0.85)),
                        line=dict(color=b.colour, width=1),
                        pattern=dict(shape=b.pattern, fgcolor="white")),
            error_y=dict(type="data", symmetric=False, color=TEXT, thickness=1.4,
                         width=4, array=_list(upper - rate), arrayminus=_list(
                             rate - pd.Series(b.lower, dtype=float))),
            customdata=[[format_percent(r, n), format_interval(lo, hi, n), count_text(x), count_text(n)]
                        for r, lo, hi, x, n in zip(b.rate, b.lower, b.upper, b.successes, b.n)],
            hovertemplate=(f"%{{x}} · {b.name}<br>%{{customdata[0]}} ({level} CI "
                           f"%{{customdata[1]}})<br>%{{customdata[2]}} of %{{customdata[3]}} "
                           f"{n_meaning}<extra></extra>"))
        fig.add_scatter(
            x=b.x, y=(upper.fillna(0) + 0.02 * top).tolist(), offsetgroup=b.name, mode="text",
            text=b.text or [f"n={count_text(n)}" for n in b.n], textposition="top center",
            textfont=dict(size=10, color=TEXT), cliponaxis=False, showlegend=False,
            hoverinfo="skip", name=f"{b.name}: n")
    fig.update_layout(
        barmode="group", bargap=0.3, scattermode="group", scattergap=0.3,
        showlegend=len(bars) > 1,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0,
                    font=dict(size=11)),
        yaxis=dict(title=y_title, range=[0, max(top, 0.05) * 1.15], tickformat=".0%"),
        xaxis=dict(title=x_title, type="category", tickangle=0))
    return base_layout(fig, title, subtitle)


PATH_LABELS = {"flare_continued": "Flare, continued", "flare_quit": "Flare, quit",
               "no_flare": "No flare"}
PATH_COLOURS = {"flare_continued": OKABE_ITO["reddish_purple"],
                "flare_quit": OKABE_ITO["vermillion"], "no_flare": OKABE_ITO["sky_blue"]}
PATH_PATTERNS = {"flare_continued": "", "flare_quit": "/", "no_flare": "."}
RATE_COLS = ("responder_rate", "ci_lower_{sfx}", "ci_upper_{sfx}", "n_responders", "n_followup")


def _rate_cols(settings: Settings) -> tuple[str, ...]:
    sfx = level_suffix(settings.confidence_level)
    return tuple(c.format(sfx=sfx) for c in RATE_COLS)


def _responder_subtitle(settings: Settings) -> str:
    return (f"{settings.window().name} IMMPACT, complete case · {level_text(settings)} "
            "Wilson CI")


def flare_outcome_chart(summary: FlareSummary, settings: Settings, policy: Policy) -> go.Figure:
    """Responder rate of the three paths: flare and continued, flare and quit, no flare."""
    cols = _rate_cols(settings)
    frame = present(summary.outcomes, ["path", *cols], policy)
    paths = frame["path"].tolist()
    bars = _bars_from(frame, "Responders", [PATH_LABELS[p] for p in paths], cols,
                      [PATH_COLOURS[p] for p in paths], [PATH_PATTERNS[p] for p in paths])
    return _bar_chart([bars], "Responders by flare path", _responder_subtitle(settings),
                      "Path after the first sessions", "Responder rate",
                      "responders with follow-up", settings)


def flare_expectations_chart(summary: FlareSummary, settings: Settings,
                             policy: Policy) -> go.Figure:
    """Responder rate per path within each expectations group (realistic, unrealistic, ...)."""
    cols = _rate_cols(settings)
    frame = present(summary.outcomes_by_expectations, ["expectations", "path", *cols], policy)
    bars = []
    for path in PATH_LABELS:
        rows = frame[frame["path"] == path]
        bars.append(_bars_from(rows, PATH_LABELS[path],
                               [category_label(e) for e in rows["expectations"]], cols,
                               PATH_COLOURS[path], PATH_PATTERNS[path]))
    return _bar_chart(bars, "Responders by flare path and expectations",
                      _responder_subtitle(settings), "Expectations at the start",
                      "Responder rate", "responders with follow-up", settings)


def quit_expectations_chart(summary: FlareSummary, settings: Settings,
                            policy: Policy) -> go.Figure:
    """Share who stopped after 1-2 sessions with more planned: after a flare vs without."""
    sfx = level_suffix(settings.confidence_level)
    flare = ("quit_rate", f"quit_ci_lower_{sfx}", f"quit_ci_upper_{sfx}",
             "n_quit_after_flare", "n_flare")
    calm = ("no_flare_quit_rate", f"no_flare_quit_ci_lower_{sfx}",
            f"no_flare_quit_ci_upper_{sfx}", "n_early_quit_no_flare", "n_no_flare")
    frame = present(summary.quit_by_expectations, ["expectations", *flare, *calm], policy)
    x = [category_label(e) for e in frame["expectations"]]
    bars = [_bars_from(frame, "After a flare", x, flare, PATH_COLOURS["flare_quit"], "/"),
            _bars_from(frame, "Without a flare", x, calm, PATH_COLOURS["no_flare"], ".")]
    return _bar_chart(bars, "Early stopping by expectations",
                      f"{level_text(settings)} Wilson CI · n = courses",
                      "Expectations at the start", "Stopped after 1–2 sessions", "courses",
                      settings)


FLOW_COLOURS = {
    NODE_STARTED: OKABE_ITO["black"], NODE_FLARE: PATH_COLOURS["flare_continued"],
    NODE_NO_FLARE: PATH_COLOURS["no_flare"],
    NODE_BY_PATH[("flare", False)]: PATH_COLOURS["flare_continued"],
    NODE_BY_PATH[("flare", True)]: PATH_COLOURS["flare_quit"],
    NODE_BY_PATH[("no_flare", False)]: PATH_COLOURS["no_flare"],
    NODE_BY_PATH[("no_flare", True)]: OKABE_ITO["orange"],
    NODE_BY_OUTCOME["responder"]: OKABE_ITO["blue"],
    NODE_BY_OUTCOME["non_responder"]: OKABE_ITO["orange"],
    NODE_BY_OUTCOME["no_followup"]: NEUTRAL, NODE_BY_OUTCOME["not_eligible"]: PALE,
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
    share = [n / out_total[s] for s, n in zip(frame["source"], frame["n_courses"])]
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",d",
        node=dict(label=[f"{n}: {t:,}" for n, t in zip(nodes, totals)], pad=18,
                  thickness=16, color=[FLOW_COLOURS[n] for n in nodes],
                  line=dict(color=TEXT, width=0.5),
                  hovertemplate="%{label} courses<extra></extra>"),
        link=dict(source=[index[s] for s in frame["source"]],
                  target=[index[t] for t in frame["target"]],
                  value=frame["n_courses"].tolist(),
                  color=[_rgba(FLOW_COLOURS[t], 0.35) for t in frame["target"]],
                  customdata=[format_percent(s, n) for s, n in zip(share, frame["n_courses"])],
                  hovertemplate=("%{source.label} → %{target.label}<br>%{value:,} courses "
                                 "(%{customdata} of the left node)<extra></extra>")),
    ))
    w = settings.window()
    return base_layout(fig, "What followed an early flare: continued or quit, then the outcome",
                   f"courses with a session · outcome at {w.name} (day {w.first_day}–"
                   f"{w.last_day}), IMMPACT · width = number of courses")


def flare_outcome_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {"expectations": "Expectations", "path": "Path", "n_courses": "Courses",
            "n_eligible": "Eligible", "n_followup": "With follow-up",
            "n_responders": "Responders", "responder_rate": "Responder rate (complete case)",
            f"ci_lower_{sfx}": f"{level} CI lower", f"ci_upper_{sfx}": f"{level} CI upper"}


def quit_table_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {"expectations": "Expectations", "n_flare": "Flares",
            "n_quit_after_flare": "Quit after a flare", "quit_rate": "Quit rate after a flare",
            f"quit_ci_lower_{sfx}": f"{level} CI lower",
            f"quit_ci_upper_{sfx}": f"{level} CI upper",
            "n_no_flare": "Courses without a flare",
            "n_early_quit_no_flare": "Stopped early without a flare",
            "no_flare_quit_rate": "Early-stop rate without a flare",
            f"no_flare_quit_ci_lower_{sfx}": f"without a flare {level} CI lower",
            f"no_flare_quit_ci_upper_{sfx}": f"without a flare {level} CI upper"}


# --- durability and escalation ----------------------------------------------------------

def durability_title(by: str) -> str:
    return f"How long a response lasts, by {GROUPINGS[by].lower()}"


def durability_chart(durability: Durability, settings: Settings, policy: Policy) -> go.Figure:
    """Kaplan-Meier step curves of 'still a responder' per group with log(-log) bands,
    censoring ticks, and the numbers at risk under the curves."""
    sfx = level_suffix(settings.confidence_level)
    lo, hi = f"ci_lower_{sfx}", f"ci_upper_{sfx}"
    km = present(durability.km, ["group", "time", "n_at_risk", "n_events", "n_censored",
                                 "survival", lo, hi], policy)
    risk = present(durability.at_risk, ["group", "time", "n_at_risk"], policy)
    groups = list(dict.fromkeys(km["group"]))
    level, by = level_text(settings), durability.by
    fig = _with_count_panel(len(groups), "At risk")
    for i, group in enumerate(groups):
        rows = km[km["group"] == group]
        label, (colour, _symbol) = category_label(group, by), series_style(i)
        dash = ("solid", "dash", "dot", "dashdot")[i % 4]
        for bound, fill in ((hi, None), (lo, "tonexty")):
            fig.add_scatter(x=rows["time"].tolist(), y=_list(rows[bound]), mode="lines",
                            line=dict(width=0, shape="hv"), fill=fill,
                            fillcolor=_rgba(colour, 0.12), hoverinfo="skip",
                            showlegend=False, legendgroup=label,
                            name=f"{label} {level} CI", row=1, col=1)
        fig.add_scatter(
            x=rows["time"].tolist(), y=rows["survival"].tolist(), name=label,
            legendgroup=label, mode="lines", line=dict(color=colour, width=2, shape="hv",
                                                       dash=dash),
            customdata=[[count_text(n), format_percent(s, n), format_interval(a, b, n)]
                        for n, s, a, b in zip(rows["n_at_risk"], rows["survival"],
                                              rows[lo], rows[hi])],
            hovertemplate=(f"{label}, day %{{x}}<br>still responding %{{customdata[1]}} "
                           f"({level} CI %{{customdata[2]}})<br>%{{customdata[0]}} at risk"
                           "<extra></extra>"), row=1, col=1)
        censored = rows[rows["n_censored"] > 0]
        fig.add_scatter(x=censored["time"].tolist(), y=censored["survival"].tolist(),
                        mode="markers", name=f"{label}: censored", legendgroup=label,
                        showlegend=False, hoverinfo="skip",
                        marker=dict(symbol="line-ns-open", size=10, color=colour,
                                    line=dict(width=1.5, color=colour)), row=1, col=1)
        at = risk[risk["group"] == group]
        _count_panel(fig, at["time"].tolist(), label, at["n_at_risk"].tolist(), 2)
    steps = np.diff(durability.at_risk_days)
    fig.update_xaxes(tick0=0, dtick=int(steps[0]) if steps.size else None)
    fig.update_xaxes(row=2, col=1, title=f"Days since the {settings.window().name} follow-up")
    fig.update_yaxes(row=1, col=1, title="Still a responder", range=[0, 1.05],
                     tickformat=".0%")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left",
                                  x=0, font=dict(size=11)))
    fig = base_layout(fig, durability_title(by),
                  f"Kaplan-Meier among {durability.n_responders:,} responders · band = "
                  f"{level} CI (log-log) · | = censored (last value, response kept)")
    fig.update_layout(height=FIGURE_HEIGHT + _panel_height(len(groups)) + 60)
    return fig


def escalation_chart(escalation: pd.DataFrame, settings: Settings, policy: Policy) -> go.Figure:
    """Cumulative incidence of escalation by the horizon per group, with its interval; a
    group whose follow-up ends before the horizon gets no bar and says why."""
    sfx = level_suffix(settings.confidence_level)
    cols = ("cumulative_incidence", f"ci_lower_{sfx}", f"ci_upper_{sfx}",
            "n_escalated_within_horizon", "n_courses")
    frame = present(escalation, ["group", *cols, "horizon_days"], policy)
    x = [tick_label(category_label(g, "severity")) for g in frame["group"]]
    text = [f"n={count_text(n)}" if pd.notna(r) else f"n={count_text(n)}<br>follow-up<br>too short"
            for r, n in zip(frame["cumulative_incidence"], frame["n_courses"])]
    bars = _bars_from(frame, "Escalated", x, cols, OKABE_ITO["blue"])
    days = int(frame["horizon_days"].iloc[0])
    fig = _bar_chart([replace(bars, text=text)],
                     "Escalation to surgery within 12 months, by degeneration severity",
                     f"1 − Kaplan-Meier at day {days} · {level_text(settings)} CI (log-log) · "
                     "n = courses", GROUPINGS["severity"], f"Escalated by day {days}",
                     "courses escalated by the horizon", settings)
    return fig


def short_followup_note(escalation: pd.DataFrame) -> None:
    """One calm sentence naming the groups with no estimate at the horizon, if any."""
    short = escalation.loc[escalation["cumulative_incidence"].isna(), "group"]
    if short.empty:
        return
    names = ", ".join(category_label(g, "severity") for g in short)
    days = int(escalation["horizon_days"].iloc[0])
    st.caption(f"No estimate yet for {names}: no course there has been followed to day "
               f"{days}, and a course seen for a shorter time is not counted as 'not "
               "escalated'.")


AT_RISK_TABLE = {"group": "Group", "time": "Day", "n_at_risk": "At risk",
                 "n_events_so_far": "Responses lost so far",
                 "n_censored_so_far": "Censored so far"}


def km_table_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {"group": "Group", "time": "Day", "n_at_risk": "At risk",
            "n_events": "Responses lost", "n_censored": "Censored",
            "survival": "Still a responder", f"ci_lower_{sfx}": f"{level} CI lower",
            f"ci_upper_{sfx}": f"{level} CI upper"}


def escalation_table_columns(settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {"group": GROUPINGS["severity"], "n_courses": "Courses",
            "n_escalated": "Escalated (any time)",
            "n_escalated_within_horizon": "Escalated within the horizon",
            "horizon_days": "Horizon (days)", "n_at_risk_at_horizon": "Followed to the horizon",
            "cumulative_incidence": "Escalated by the horizon (1 − KM)",
            f"ci_lower_{sfx}": f"{level} CI lower", f"ci_upper_{sfx}": f"{level} CI upper"}


# --- adverse events ---------------------------------------------------------------------

# panel -> (rate column, n column, n meaning, axis title)
EVENT_PANELS = {
    "events_per_100_sessions": ("n_sessions", "sessions", "Events per 100 sessions"),
    "events_per_course": ("n_courses", "courses", "Events per course"),
}


def adverse_event_title(by: str) -> str:
    return f"Adverse events by {GROUPINGS[by].lower()}"


def adverse_event_chart(rates: pd.DataFrame, overall: pd.DataFrame, by: str,
                        settings: Settings, policy: Policy) -> go.Figure:
    """Dot plot per group: events per 100 sessions and per course with exact Poisson
    intervals; a dashed line marks the whole clinic's rate (same filters)."""
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    cols = ["group", "n_courses", "n_sessions", "n_events"]
    for rate in EVENT_PANELS:
        cols += [rate, f"{rate}_ci_lower_{sfx}", f"{rate}_ci_upper_{sfx}"]
    frame, total = present(rates, cols, policy), present(overall, cols, policy)
    labels = [category_label(g, by) for g in frame["group"]]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04)
    for col, (rate, (n_col, n_meaning, axis)) in enumerate(EVENT_PANELS.items(), start=1):
        colour = OKABE_ITO[SERIES_COLOURS[col - 1]]
        lower, upper = frame[f"{rate}_ci_lower_{sfx}"], frame[f"{rate}_ci_upper_{sfx}"]
        fig.add_scatter(
            x=_list(frame[rate]), y=labels, mode="markers+text", name=axis,
            text=[f"n={count_text(n)}" for n in frame[n_col]], cliponaxis=False,
            textposition="top right", textfont=dict(size=10, color=colour),
            marker=dict(color=colour, size=10, symbol=SERIES_SYMBOLS[col - 1]),
            error_x=dict(type="data", symmetric=False, color=colour, thickness=1.6, width=4,
                         array=_list(upper - frame[rate]), arrayminus=_list(frame[rate] - lower)),
            customdata=[[_rate(r), _rate(a), _rate(b), count_text(e), count_text(n)] for r, a, b, e, n
                        in zip(frame[rate], lower, upper, frame["n_events"], frame[n_col])],
            hovertemplate=(f"%{{y}}: %{{customdata[0]}} {axis.lower()} ({level} CI "
                           "%{customdata[1]}–%{customdata[2]})<br>%{customdata[3]} events in "
                           f"%{{customdata[4]}} {n_meaning}<extra></extra>"),
            showlegend=False, row=1, col=col)
        if not total.empty and pd.notna(total[rate].iloc[0]):
            fig.add_vline(x=float(total[rate].iloc[0]), row=1, col=col,
                          line=dict(color=NEUTRAL, dash="dash", width=1.2),
                          annotation_text=f"whole clinic {_rate(total[rate].iloc[0])}",
                          annotation_position="top right", annotation_font=dict(size=10))
        fig.update_xaxes(title=axis, rangemode="tozero", row=1, col=col)
    # first group on top; an empty slot above it holds the labels of the dashed lines
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels,
                     range=[len(labels) - 0.5, -1.2], title=GROUPINGS[by],
                     ticklabelstandoff=10, row=1, col=1)  # room for a dot at 0
    fig = base_layout(fig, adverse_event_title(by),
                  f"all seriousness grades · {level} exact Poisson CI (Garwood) · n = "
                  "sessions (left), courses (right) · dashed = every course in view")
    fig.update_layout(height=max(FIGURE_HEIGHT, 150 + 55 * len(labels)))
    return fig


def _rate(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:.2f}" if value < 1 else f"{value:.1f}"


def adverse_event_columns(by: str, settings: Settings) -> dict[str, str]:
    sfx, level = level_suffix(settings.confidence_level), level_text(settings)
    return {
        "group": GROUPINGS[by], "n_courses": "Courses", "n_sessions": "Sessions",
        "n_events": "Events", "n_serious_events": "Serious events",
        "events_per_100_sessions": "Events per 100 sessions",
        f"events_per_100_sessions_ci_lower_{sfx}": f"per 100 sessions {level} CI lower",
        f"events_per_100_sessions_ci_upper_{sfx}": f"per 100 sessions {level} CI upper",
        "serious_events_per_100_sessions": "Serious events per 100 sessions",
        f"serious_events_per_100_sessions_ci_lower_{sfx}": f"serious {level} CI lower",
        f"serious_events_per_100_sessions_ci_upper_{sfx}": f"serious {level} CI upper",
        "events_per_course": "Events per course",
        f"events_per_course_ci_lower_{sfx}": f"per course {level} CI lower",
        f"events_per_course_ci_upper_{sfx}": f"per course {level} CI upper",
        "n_courses_with_event": "Courses with an event",
        "course_event_rate": "Share of courses with an event",
        f"course_event_ci_lower_{sfx}": f"share {level} CI lower",
        f"course_event_ci_upper_{sfx}": f"share {level} CI upper",
    }


# Which table columns are shares (shown as %); the Poisson rates are not.
ADVERSE_EVENT_PERCENT = ("course_event_",)

SERIOUS_EVENT_TABLE = {"course_id": "Course", "day": "Day", "event": "Event",
                       "provider_id": "Provider", "session_number": "Session"}


def serious_event_list(events: pd.DataFrame, policy: Policy) -> None:
    """How many serious events in how many courses, then every one of them (with a CSV
    download); a calm sentence instead when there is none."""
    if events.empty:
        st.info("No serious adverse event is recorded for the courses in view.",
                icon=":material/check:")
        return
    st.markdown(f"**{len(events):,}** serious events in **{events['course_id'].nunique():,}** "
                "courses.")
    table(events, SERIOUS_EVENT_TABLE, policy, "serious_events.csv", percent=())


SCREENING_EXCEPTION_TABLE = {"course_id": "Course", "provider_id": "Provider",
                             "contraindication": "Screening result",
                             "sessions_completed": "Sessions given",
                             "g6pd_tested": "G6PD tested"}


# --- p-charts ---------------------------------------------------------------------------

MEASURE_TITLES = {"responder": "Responder rate", "followup": "Follow-up completeness"}


def pchart_title(chart: TrendPChart) -> str:
    return f"{MEASURE_TITLES[chart.measure]} by start {chart.period_kind} (p-chart)"


def signal_styles(chart: TrendPChart) -> dict[str, tuple[str, str, int]]:
    """Signal rule -> (legend name, open marker, size): nested sizes so that a point flagged
    by two rules shows both marks."""
    return {
        "signal_beyond_limits": ("Signal: beyond a limit", "circle-open", 22),
        "signal_shift": (f"Signal: shift ({chart.shift_run}+ on one side)", "square-open", 18),
        "signal_trend": (f"Signal: trend ({chart.trend_run}+ rising or falling)",
                         "triangle-up-open", 15),
        "signal_two_of_three": ("Signal: 2 of 3 close to a limit", "diamond-open", 13),
    }


def pchart_chart(chart: TrendPChart, settings: Settings, policy: Policy) -> go.Figure:
    """Proportion per period with the centre line and the 3-sigma limits as lines; points
    flagged by a Making Data Count rule carry an extra marker with its own legend entry."""
    pts = present(chart.points, ["period", "n", "events", "proportion", "centre",
                                 "lower_limit", "upper_limit", *SIGNAL_COLUMNS], policy)
    x = pts["period"].astype(str).tolist()
    fig = go.Figure()
    for name, col in (("Limits (3σ)", "upper_limit"), ("Limits (3σ)", "lower_limit"),
                      ("Centre (overall rate)", "centre")):
        centre = col == "centre"
        fig.add_scatter(x=x, y=_list(pts[col]), name=name, mode="lines",
                        line=dict(color=OKABE_ITO["black"] if centre else NEUTRAL,
                                  width=1.6 if centre else 1.2, shape="hvh"),
                        hoverinfo="skip", legendgroup=name,
                        showlegend=col != "lower_limit")
    fig.add_scatter(
        x=x, y=_list(pts["proportion"]), name=MEASURE_TITLES[chart.measure],
        mode="lines+markers", line=dict(color=OKABE_ITO["blue"], width=1.5),
        marker=dict(color=OKABE_ITO["blue"], size=7),
        customdata=[[format_percent(p, n), count_text(e), count_text(n)]
                    for p, e, n in zip(pts["proportion"], pts["events"], pts["n"])],
        hovertemplate=("%{x}: %{customdata[0]}<br>%{customdata[1]} of %{customdata[2]}"
                       "<extra></extra>"))
    for rule, (name, symbol, size) in signal_styles(chart).items():
        flagged = pts[pts[rule]]
        if flagged.empty:
            continue
        fig.add_scatter(x=flagged["period"].astype(str).tolist(),
                        y=flagged["proportion"].tolist(), name=name, mode="markers",
                        marker=dict(symbol=symbol, size=size, color=OKABE_ITO["vermillion"],
                                    line=dict(width=2, color=OKABE_ITO["vermillion"])),
                        hovertemplate=f"%{{x}}: {name}<extra></extra>")
    fig.update_layout(
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0,
                    font=dict(size=10)),
        yaxis=dict(title=MEASURE_TITLES[chart.measure], range=[-0.04, 1.06], tickformat=".0%"),
        xaxis=dict(title=f"Start {chart.period_kind}", type="category",
                   categoryorder="array", categoryarray=x, tickangle=0,
                   tickvals=_period_ticks(x, chart.period_kind)))
    return base_layout(fig, pchart_title(chart),
                   f"{chart.description} · limits p̄ ± {chart.limit_sigmas:g}σ · "
                   f"n = {chart.n_total:,}")


def _period_ticks(periods: list[str], kind: str) -> list[str]:
    """Every period when they fit; otherwise the first quarter of each year."""
    if kind != "quarter" or len(periods) <= 12:
        return periods
    return [p for p in periods if p.endswith("Q1")] or periods


def pchart_caption(chart: TrendPChart) -> str:
    """How to read a p-chart, its rules, and how its periods were made."""
    found = ("Marked points are special-cause variation worth a look, not a verdict."
             if chart.has_signal else "No rule fires: only common-cause variation.")
    periods = ("Most courses have no start quarter (Safe Harbor extracts), so the periods "
               "fell back to start years." if chart.period_kind == "year" else
               f"Left out: {_courses(chart.n_courses_without_period)} without a start "
               "quarter." if chart.n_courses_without_period else "")
    return (f"Signal rules of NHS \"Making Data Count\": a point beyond a limit; a shift of "
            f"{chart.shift_run}+ points on one side of the centre; a trend of "
            f"{chart.trend_run}+ points rising or falling; 2 of 3 points close to a limit "
            f"(beyond 2σ). {found} {periods}").strip()


def _courses(n: int) -> str:
    return f"{n:,} course" if n == 1 else f"{n:,} courses"


def pchart_columns(chart: TrendPChart) -> dict[str, str]:
    return {"period": f"Start {chart.period_kind}", "n": "n", "events": "Events",
            "proportion": "Rate", "centre": "Centre", "lower_limit": "Lower limit",
            "upper_limit": "Upper limit", "signal_beyond_limits": "Beyond a limit",
            "signal_shift": "Shift", "signal_trend": "Trend",
            "signal_two_of_three": "2 of 3 close to a limit"}


PCHART_PERCENT = ("proportion", "centre", "_limit")
