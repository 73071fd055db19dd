"""Every figure, metric and table the pages draw, in one look (docs/style.md "Charts").

- One palette for the whole app: Okabe-Ito (Okabe & Ito 2008), safe for colour-vision
  deficiency; series also differ by marker shape. Heat maps use cividis (Nuñez et al. 2018).
  No red/green as good/bad: colour never judges, it only tells series apart.
- Categories in their natural order (``analytics.order_groups`` sorts the frames; the axes
  keep that order).
- Every rate is drawn with its Wilson interval (methods.md section 3) and labelled with its
  n; every figure has a title saying what it shows; percentages carry the precision their
  denominator supports (``presentation.format_percent``).
- Every figure and table starts from :func:`queries.disclosure.gate.present`, so what the
  policy hides (roles, small cells: methods.md section 6) is hidden everywhere at once.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries.analytics.rates import GROUPINGS, order_groups
from queries.disclosure.gate import Policy, format_interval, format_percent, present, to_csv
from queries.core.settings import Settings
from queries.stats.intervals import ProportionInterval, level_suffix

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9",
    "bluish_green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
HEATMAP_SCALE = "Cividis"
TEMPLATE = "plotly_white"
FIGURE_HEIGHT = 420
PLOTLY_CONFIG = {"displaylogo": False}


# Groupings whose values are identifiers, shown exactly as stored (P_07 stays P_07).
ID_GROUPINGS = frozenset({"provider", "site"})


def category_label(value: object, by: str | None = None) -> str:
    """A code as people read it: ``lumbar_disc_herniation`` -> ``lumbar disc herniation``."""
    return str(value) if by in ID_GROUPINGS else str(value).replace("_", " ")


def tick_label(label: str, width: int = 10) -> str:
    """A long axis label on two or more lines, so ticks need not be tilted."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def level_text(settings: Settings) -> str:
    """'95 %': the confidence level of every interval, from the settings."""
    return f"{settings.confidence_level * 100:g} %"


def responder_definition(settings: Settings) -> str:
    """The primary outcome in one sentence (methods.md section 1)."""
    w = settings.window()
    return (f"Responder (IMMPACT, Dworkin 2008): NRS pain down ≥ "
            f"{settings.responder_min_drop_points:g} points and ≥ "
            f"{settings.responder_min_drop_fraction * 100:g} % from baseline at the {w.name} "
            f"follow-up (day {w.first_day}–{w.last_day}); eligible = baseline ≥ "
            f"{settings.min_baseline:g}. Complete case counts the courses with a follow-up "
            "value; ITT counts a missing follow-up as no response (a lower bound).")


# --- responder-rate charts ----------------------------------------------------------------

@dataclass(frozen=True)
class RateSeries:
    """One rate drawn on a chart: which columns hold it, its n and its look."""

    name: str
    rate: str
    lower: str
    upper: str
    successes: str
    n: str
    n_meaning: str
    colour: str
    symbol: str
    text_side: str  # complete case labels its left, ITT its right: the pair never collides


def rate_series(settings: Settings) -> tuple[RateSeries, ...]:
    """Complete-case and ITT responder rates, side by side (methods.md section 1)."""
    sfx = level_suffix(settings.confidence_level)
    return (
        RateSeries("Complete case", "responder_rate", f"ci_lower_{sfx}", f"ci_upper_{sfx}",
                   "n_responders", "n_followup", "eligible with follow-up",
                   OKABE_ITO["blue"], "circle", "middle left"),
        RateSeries("ITT (missing = no response)", "itt_rate", f"itt_ci_lower_{sfx}",
                   f"itt_ci_upper_{sfx}", "n_responders", "n_eligible", "eligible",
                   OKABE_ITO["orange"], "diamond", "middle right"),
    )


def _series_columns(settings: Settings) -> list[str]:
    names = [c for s in rate_series(settings)
             for c in (s.rate, s.lower, s.upper, s.successes, s.n)]
    return list(dict.fromkeys(names))


def _n_text(n: object) -> str:
    return "n=–" if pd.isna(n) else f"n={int(n):,}"


def _hover(frame: pd.DataFrame, s: RateSeries) -> list[list[str]]:
    return [[format_percent(r, n), format_interval(lo, hi, n), count_text(x), count_text(n)]
            for r, lo, hi, x, n in zip(frame[s.rate], frame[s.lower], frame[s.upper],
                                       frame[s.successes], frame[s.n])]


def count_text(value: object) -> str:
    return "–" if pd.isna(value) else f"{int(value):,}"


def base_layout(fig: go.Figure, title: str, subtitle: str) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, subtitle=dict(text=subtitle, font=dict(size=12)), x=0,
                   xanchor="left", y=0.98, yref="container", yanchor="top",
                   font=dict(size=15)),
        template=TEMPLATE, height=FIGURE_HEIGHT, margin=dict(l=10, r=10, t=105, b=10),
        font=dict(size=12), hoverlabel=dict(align="left"),
    )
    return fig


# How a grouping is named in a chart title (short enough for a narrow column).
TITLE_NAMES = {"severity": "degeneration severity", "adherence": "sessions completed",
               "rehab": "rehab pairing", "provider": "provider (crude rates)"}


def _title_name(by: str) -> str:
    return TITLE_NAMES.get(by, GROUPINGS[by].lower())


def rate_chart_title(by: str) -> str:
    """The title of the one-way responder chart of ``by``: what the figure shows."""
    return f"Responders by {_title_name(by)}"


def rate_chart(rates: pd.DataFrame, by: str, settings: Settings, policy: Policy,
               title: str | None = None) -> go.Figure:
    """Responder rate per group with Wilson error bars, complete case next to ITT.

    Each point is labelled with its n (the rate's denominator); each category's tick says
    how many courses it holds, so a group with no eligible course still shows.
    """
    frame = present(rates, ["group", "n_courses", *_series_columns(settings)], policy)
    labels = [category_label(v, by) for v in frame["group"]]
    ticks = [f"{tick_label(label)}<br><span style='font-size:10px'>{count_text(n)} courses</span>"
             for label, n in zip(labels, frame["n_courses"])]
    level = level_text(settings)
    fig = go.Figure()
    for s in rate_series(settings):
        rate = frame[s.rate]
        fig.add_scatter(
            name=s.name, x=labels, y=rate.tolist(), offsetgroup=s.name,
            mode="markers+text", text=[_n_text(n) for n in frame[s.n]], cliponaxis=False,
            textposition=s.text_side, textfont=dict(size=10, color=s.colour),
            marker=dict(color=s.colour, size=11, symbol=s.symbol),
            error_y=dict(type="data", symmetric=False, color=s.colour, thickness=1.6,
                         width=5, array=(frame[s.upper] - rate).tolist(),
                         arrayminus=(rate - frame[s.lower]).tolist()),
            customdata=_hover(frame, s),
            hovertemplate=(f"%{{x}}<br>{s.name}: %{{customdata[0]}} ({level} CI "
                           "%{customdata[1]})<br>%{customdata[2]} responders of "
                           f"%{{customdata[3]}} {s.n_meaning}<extra></extra>"),
        )
    fig.update_layout(
        scattermode="group", scattergap=0.45,
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0,
                    font=dict(size=11)),
        yaxis=dict(title="Responder rate", range=[0, 1.05], tickformat=".0%"),
        xaxis=dict(title=GROUPINGS[by], type="category", categoryorder="array",
                   categoryarray=labels, tickvals=labels, ticktext=ticks,
                   tickangle=0, range=[-0.8, len(labels) - 0.2]),  # room for outer n labels
    )
    return base_layout(fig, title or rate_chart_title(by),
                   f"{settings.window().name}, IMMPACT · {level} Wilson CI · n = denominator")


def rate_heatmap(rates_2d: pd.DataFrame, rows: str, cols: str, settings: Settings,
                 policy: Policy, title: str | None = None) -> go.Figure:
    """Complete-case responder rate per cell; every cell shows its rate and its n."""
    sfx = level_suffix(settings.confidence_level)
    frame = present(rates_2d, ["row_group", "col_group", "n_courses", "n_eligible",
                               "n_followup", "n_responders", "responder_rate",
                               f"ci_lower_{sfx}", f"ci_upper_{sfx}"], policy)
    row_order = _natural(frame["row_group"], rows)
    col_order = _natural(frame["col_group"], cols)
    frame = frame.assign(
        cell=[f"{format_percent(r, n)}<br>{_n_text(n)}"
              for r, n in zip(frame["responder_rate"], frame["n_followup"])],
        interval=[format_interval(lo, hi, n) for lo, hi, n in
                  zip(frame[f"ci_lower_{sfx}"], frame[f"ci_upper_{sfx}"], frame["n_followup"])],
        courses=[count_text(n) for n in frame["n_courses"]],
    )
    grid = frame.set_index(["row_group", "col_group"])
    full = pd.MultiIndex.from_product([row_order, col_order], names=["row_group", "col_group"])
    grid = grid.reindex(full)

    def matrix(column: str, empty: object) -> list[list[object]]:
        values = grid[column].astype(object).where(grid[column].notna(), empty)
        return values.unstack("col_group").loc[row_order, col_order].values.tolist()

    level = level_text(settings)
    fig = go.Figure(go.Heatmap(
        z=matrix("responder_rate", None), x=[category_label(c, cols) for c in col_order],
        y=[category_label(r, rows) for r in row_order], zmin=0, zmax=1,
        colorscale=HEATMAP_SCALE, xgap=2, ygap=2,
        text=matrix("cell", "no courses<br>n=0"), texttemplate="%{text}",
        textfont=dict(size=12),
        customdata=[[[i, c] for i, c in zip(ri, rc)] for ri, rc in
                    zip(matrix("interval", "–"), matrix("courses", "0"))],
        hovertemplate=(f"%{{y}} × %{{x}}<br>complete case %{{text}}<br>{level} CI "
                       "%{customdata[0]}<br>%{customdata[1]} courses<extra></extra>"),
        colorbar=dict(title=dict(text="Responder<br>rate"), tickformat=".0%"),
    ))
    fig.update_layout(
        xaxis=dict(title=GROUPINGS[cols], type="category", tickangle=0,
                   tickvals=[category_label(c, cols) for c in col_order],
                   ticktext=[tick_label(category_label(c, cols)) for c in col_order]),
        yaxis=dict(title=GROUPINGS[rows], type="category", autorange="reversed"),
    )
    heading = title or f"Responders by {_title_name(rows)} × {_title_name(cols)}"
    return base_layout(fig, heading, f"{settings.window().name}, IMMPACT, complete case · "
                                 "n = courses with follow-up in the cell")


def _natural(values: pd.Series, by: str) -> list[str]:
    """The distinct values in their natural order (unknown last)."""
    return order_groups(pd.DataFrame({"group": values.drop_duplicates()}), by)["group"].tolist()


def plot(fig: go.Figure) -> None:
    """Draw a figure at the width of its column, with the app's own look."""
    st.plotly_chart(fig, theme=None, config=PLOTLY_CONFIG)


# --- metrics ------------------------------------------------------------------------------

def count_metric(label: str, value: int, note: str | None = None,
                 help: str | None = None) -> None:
    with st.container(border=True):
        st.metric(label, f"{value:,}", help=help)
        if note:
            st.caption(note)


def rate_metric(label: str, interval: ProportionInterval, n_meaning: str, settings: Settings,
                help: str | None = None) -> None:
    """A rate, its interval and its n: '67 %' / '95 % CI 35–88 % · 6 of 9 with follow-up'."""
    with st.container(border=True):
        st.metric(label, format_percent(interval.rate, interval.n), help=help)
        st.caption(f"{level_text(settings)} CI "
                   f"{format_interval(interval.lower, interval.upper, interval.n)} · "
                   f"{interval.successes:,} of {interval.n:,} {n_meaning}")


def event_rate_metric(label: str, rate: float, lower: float, upper: float, note: str,
                      settings: Settings, help: str | None = None) -> None:
    """An event rate per 100 units with its (exact Poisson) interval."""
    with st.container(border=True):
        st.metric(label, "–" if pd.isna(rate) else f"{rate:.1f}", help=help)
        interval = "–" if pd.isna(lower) else f"{lower:.1f}–{upper:.1f}"
        st.caption(f"{level_text(settings)} CI {interval} · {note}")


# --- tables -------------------------------------------------------------------------------

def rate_table_columns(by: str, settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of a responder-rate table and its CSV download."""
    sfx = level_suffix(settings.confidence_level)
    level = level_text(settings)
    return {
        "group": GROUPINGS[by],
        "n_courses": "Courses",
        "n_no_baseline": "No baseline",
        "n_low_baseline": f"Low baseline (< {settings.min_baseline:g})",
        "n_eligible": "Eligible",
        "n_followup": "With follow-up",
        "followup_rate": "Follow-up completeness",
        "n_responders": "Responders",
        "responder_rate": "Responder rate (complete case)",
        f"ci_lower_{sfx}": f"Complete case {level} CI lower",
        f"ci_upper_{sfx}": f"Complete case {level} CI upper",
        "itt_rate": "Responder rate (ITT)",
        f"itt_ci_lower_{sfx}": f"ITT {level} CI lower",
        f"itt_ci_upper_{sfx}": f"ITT {level} CI upper",
        "n_substantial_responders": "Substantial responders (≥ 50 %)",
        "substantial_rate": "Substantial responder rate (complete case)",
    }


def rate_table_2d_columns(rows: str, cols: str, settings: Settings) -> dict[str, str]:
    """Columns of a two-way responder-rate table: both groupings, then the one-way columns."""
    one_way = rate_table_columns(rows, settings)
    del one_way["group"]
    return {"row_group": GROUPINGS[rows], "col_group": GROUPINGS[cols], **one_way}


def table(frame: pd.DataFrame, columns: dict[str, str], policy: Policy, file_name: str,
          percent: tuple[str, ...] = ("_rate", "ci_lower", "ci_upper")) -> None:
    """Show ``frame`` through ``present`` and offer the same table as a CSV download.

    Columns whose name contains one of ``percent`` are shown as whole percentages (the CSV
    keeps the fractions at full precision).
    """
    shown = present(frame, columns, policy)
    config = {label: st.column_config.NumberColumn(format="percent", step=0.01)
              for name, label in columns.items() if any(p in name for p in percent)}
    st.dataframe(shown, hide_index=True, column_config=config)
    st.download_button("Download CSV", data=lambda: to_csv(shown), file_name=file_name,
                       mime="text/csv", key=f"download_{file_name}", on_click="ignore",
                       icon=":material/download:")
