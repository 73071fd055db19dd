"""Each provider beside the clinic (issue 3; methods.md sections 4 and 6): case mix, baseline
pain and process, and the rates of similar courses. The case-mix model's calibration, the
non-responder profile and the odds ratios are in :mod:`dashboard.charts.associations`.

Colour never judges a provider; the clinic is a dotted line or the top bar; levels of a
factor in their natural order (:mod:`queries.core.factors`), ordinal ones on one sequential
scale. Labels and hover texts come only from the frame passed in, after the gate
(:func:`queries.disclosure.gate.present`): a count it hid reads "hidden", never a number; a
provider with too few courses to compare (``too_few_courses``, methods.md section 4) has no
point of its own and its label says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from dashboard.charts import base
from dashboard.charts.rates import (
    TOO_FEW_TEXT,
    count_or_hidden,
    n_or_hidden,
    rate_chart,
    rate_table_columns,
)
from queries.analytics.rates import TOO_FEW_COURSES
from queries.core.factors import Factor, factor
from queries.core.scope import CLINIC
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, format_percent, present
from queries.stats.intervals import level_suffix

CLINIC_LABEL = "Whole clinic"
# The case-mix factors drawn, one chart (or tab) each, in this order.
CASE_MIX_FACTORS: tuple[Factor, ...] = tuple(
    factor(c) for c in ("severity_class", "indication", "route", "age_band")
)
UNKNOWN_LEVEL = "unknown"  # last of an ordinal factor's levels, drawn pale, off the scale
SHARE_TEXT_MIN = 0.08  # a bar segment narrower than this carries no text


def group_label(group: object) -> str:
    """A group of a provider table as people read it: the clinic by name, providers by id."""
    return CLINIC_LABEL if group == CLINIC else str(group)


# --- case mix and process -------------------------------------------------------------------


def _level_colours(of: Factor, levels: list[str]) -> dict[str, str]:
    """An ordinal factor's levels on the sequential scale (unknown pale); a nominal factor's
    in the palette's series order."""
    if of.is_ordinal:
        known = [lv for lv in levels if lv != UNKNOWN_LEVEL]
        scale = sample_colorscale(base.HEATMAP_SCALE, max(len(known), 2))  # two at least
        colours = dict(zip(known, scale, strict=False))
        colours[UNKNOWN_LEVEL] = base.PALE
        return colours
    return {lv: base.SERIES_COLOURS[i % len(base.SERIES_COLOURS)] for i, lv in enumerate(levels)}


def case_mix_chart(mix: pd.DataFrame, column: str, policy: Policy, title: str) -> go.Figure:
    """Share of each group's courses per level of the factor ``column``, the clinic on top
    (100 % bars)."""
    rows = present(mix[mix["factor"] == column], ["group", "level", "n_courses", "share"], policy)
    groups = list(dict.fromkeys(rows["group"]))
    labels = [group_label(g) for g in groups]
    of = factor(column)
    levels = [str(lv) for lv in of.ordered(rows["level"])]
    colours = _level_colours(of, levels)
    fig = go.Figure()
    for level in levels:
        here = rows[rows["level"] == level]
        at = here.set_index("group").reindex(groups)
        share = at["share"].fillna(0.0)
        # no row: no course at this level (0); a row whose count is missing: hidden
        has_row = set(here["group"])
        courses = [count_or_hidden(n) if g in has_row else "0" for g, n in at["n_courses"].items()]
        fig.add_bar(
            x=share,
            y=labels,
            orientation="h",
            name=base.category_label(level),
            marker=dict(color=colours[level], line=dict(color="white", width=0.5)),
            text=[f"{s:.0%}" if s >= SHARE_TEXT_MIN else "" for s in share],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            customdata=courses,
            hovertemplate=(
                f"%{{y}} · {base.category_label(level)}: %{{x:.0%}} "
                "(%{customdata} courses)<extra></extra>"
            ),
        )
    fig.update_layout(
        barmode="stack",
        xaxis=dict(range=[0, 1.0001], tickformat=".0%"),
        yaxis=dict(type="category", categoryorder="array", categoryarray=labels[::-1]),
    )
    return base.base_layout(
        fig,
        title,
        "Share of courses · whole clinic on top",
        legend="right",
        height=max(300, 160 + 34 * len(labels)),
        top_margin=90,
    )


def _dot_interval(
    fig: go.Figure,
    rows: pd.DataFrame,
    value: str,
    lower: str,
    upper: str,
    n: str,
    labels: list[str],
    fmt: Callable[[object, object], str],
    row: int | None = None,
    col: int | None = None,
    n_meaning: str = "courses",
) -> None:
    """One point with its interval per group; the n goes to the hover (and the tick)."""
    v = rows[value].astype(float)
    base.add_dot_interval(
        fig,
        v,
        labels,
        rows[lower].astype(float),
        rows[upper].astype(float),
        [
            [fmt(x, s), fmt(lo, s), fmt(hi, s), count_or_hidden(k)]
            for x, lo, hi, k in zip(v, rows[lower], rows[upper], rows[n], strict=True)
            for s in [0 if pd.isna(k) else k]  # a hidden n: the precision of none
        ],
        "%{y}: %{customdata[0]} (interval %{customdata[1]} to "
        f"%{{customdata[2]}}) · n = %{{customdata[3]}} {n_meaning}"
        "<extra></extra>",
        row=row,
        col=col,
    )


def _n_labels(rows: pd.DataFrame, n: str) -> list[str]:
    """Group names with their n, for the y axis of a dot-and-interval chart; a provider with
    too few courses to compare says so (it has no point)."""
    few = rows[TOO_FEW_COURSES] if TOO_FEW_COURSES in rows.columns else [False] * len(rows)
    return [
        f"{group_label(g)} · {n_or_hidden(k)}" + (f" · {TOO_FEW_TEXT}" if f else "")
        for g, k, f in zip(rows["group"], rows[n], few, strict=True)
    ]


def _with_flag(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """``columns`` and ``too_few_courses`` when ``frame`` has it."""
    return columns + ([TOO_FEW_COURSES] if TOO_FEW_COURSES in frame.columns else [])


def _one_decimal(x: object, _n: object) -> str:
    return "–" if pd.isna(x) else f"{x:.1f}"


def baseline_pain_chart(
    pain: pd.DataFrame,
    settings: Settings,
    policy: Policy,
    title: str = "Baseline pain of each provider's courses",
) -> go.Figure:
    """Mean baseline NRS pain per group with a t interval; the clinic's mean as a line."""
    sfx = level_suffix(settings.confidence_level)
    cols = [
        "group",
        "n_with_baseline",
        "mean_baseline_score",
        f"baseline_ci_lower_{sfx}",
        f"baseline_ci_upper_{sfx}",
    ]
    rows = present(pain, _with_flag(pain, cols), policy)
    labels = _n_labels(rows, "n_with_baseline")
    fig = go.Figure()
    _dot_interval(
        fig,
        rows,
        "mean_baseline_score",
        f"baseline_ci_lower_{sfx}",
        f"baseline_ci_upper_{sfx}",
        "n_with_baseline",
        labels,
        _one_decimal,
        n_meaning="courses with a baseline",
    )
    clinic = rows.loc[rows["group"] == CLINIC, "mean_baseline_score"]
    if len(clinic):
        fig.add_vline(x=float(clinic.iloc[0]), line=base.TARGET_LINE)
    fig.update_layout(
        xaxis=dict(title="Mean baseline NRS pain (0–10)", range=[0, 10]),
        yaxis=dict(type="category", categoryorder="array", categoryarray=labels[::-1]),
    )
    return base.base_layout(
        fig,
        title,
        f"Mean NRS · {base.level_text(settings)} t interval · dotted = whole clinic",
        height=max(300, 150 + 34 * len(labels)),
    )


PROCESS_INDICATORS = (
    ("full_protocol", "All sessions done", "n_courses", "courses"),
    ("rehab_paired", "Rehab paired", "n_courses", "courses"),
    ("followup", "Follow-up complete", "n_eligible", "eligible courses"),
    ("screening", "Screening documented", "n_courses", "courses"),
)


def process_chart(process: pd.DataFrame, settings: Settings, policy: Policy) -> go.Figure:
    """Four process indicators side by side, per group with Wilson intervals."""
    sfx = level_suffix(settings.confidence_level)
    cols = ["group", "n_courses", "n_eligible"] + [
        f"{k}_{part}"
        for k, *_ in PROCESS_INDICATORS
        for part in ("rate", f"ci_lower_{sfx}", f"ci_upper_{sfx}")
    ]
    rows = present(process, _with_flag(process, cols), policy)
    labels = _n_labels(rows, "n_courses")
    fig = make_subplots(
        rows=1,
        cols=len(PROCESS_INDICATORS),
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=[t for _, t, *_ in PROCESS_INDICATORS],
    )
    clinic = rows["group"] == CLINIC
    for i, (key, _title, n, meaning) in enumerate(PROCESS_INDICATORS, start=1):
        _dot_interval(
            fig,
            rows,
            f"{key}_rate",
            f"{key}_ci_lower_{sfx}",
            f"{key}_ci_upper_{sfx}",
            n,
            labels,
            format_percent,
            row=1,
            col=i,
            n_meaning=meaning,
        )
        if clinic.any():
            fig.add_vline(
                x=float(rows.loc[clinic, f"{key}_rate"].iloc[0]),
                line=base.TARGET_LINE,
                row=1,
                col=i,
            )
        fig.update_xaxes(
            range=[0, 1.05], tickvals=[0, 0.5, 1], ticktext=["0", "50%", "100%"], row=1, col=i
        )
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels[::-1])
    fig.update_annotations(font=dict(size=12))
    return base.base_layout(
        fig,
        "Process: sessions, rehab, follow-up and screening",
        f"Share of courses · {base.level_text(settings)} Wilson CI · dotted = whole clinic",
        height=max(320, 170 + 34 * len(labels)),
        top_margin=125,
    )


# --- rates beside the clinic ----------------------------------------------------------------

RATES_KEPT = ("n_courses", "n_eligible", "n_followup", "n_responders", "responder_rate", "itt_rate")


def rates_columns(settings: Settings) -> dict[str, str]:
    """Columns of a clinic-and-groups rate table (``providers.cases_like_this`` after
    :func:`queries.disclosure.small_cells.hide_small_groups`), with the note of a hidden
    group."""
    sfx = level_suffix(settings.confidence_level)
    labels = rate_table_columns("provider", settings)
    kept = [
        c for c in labels if c in RATES_KEPT or c.endswith((f"ci_lower_{sfx}", f"ci_upper_{sfx}"))
    ]
    return {"group": "Group", "note": "Note", **{c: labels[c] for c in kept}}


def rates_beside_clinic(
    rates: pd.DataFrame, settings: Settings, policy: Policy, title: str
) -> go.Figure:
    """The shared responder-rate chart (complete case and ITT) of the clinic and its groups;
    a hidden group (:func:`queries.disclosure.small_cells.hide_small_groups`) says so on
    the chart, and a provider with too few courses to compare (no point of its own) too."""
    frame = rates.assign(group=[group_label(g) for g in rates["group"]])
    if TOO_FEW_COURSES in frame.columns:  # a hidden group says why once: the gate's note
        hidden = frame["is_hidden"].astype(bool) if "is_hidden" in frame.columns else False
        frame[TOO_FEW_COURSES] = frame[TOO_FEW_COURSES].astype(bool) & ~hidden
    fig = rate_chart(frame, "provider", settings, policy, title=title)
    for label, note in zip(
        frame.loc[frame["is_hidden"], "group"], frame.loc[frame["is_hidden"], "note"], strict=True
    ):
        fig.add_annotation(
            x=label,
            y=0.5,
            text=base.tick_label(note, 16),
            showarrow=False,
            font=dict(size=11, color=base.OKABE_ITO["black"]),
        )
    fig.update_layout(xaxis_title=None)
    return fig


# --- what the Providers page says under its figures (methods.md section 4) ------------------

C_STATISTIC_HELP = (
    "Chance that a responder got a higher predicted probability than a non-responder: "
    "0.5 = no better than a coin, 1 = perfect."
)
C_STATISTIC_NOTE = "Measured on the same courses the model was fitted on, so a little optimistic."
CALIBRATION_CAPTION = (
    "Each point is a tenth of the courses by predicted chance of response; on the dotted "
    "diagonal the model's expectation matches what happened. Measured on the data the model "
    "was fitted on."
)
SHRUNKEN_CAPTION = (
    "Each provider's rate pulled towards the clinic rate, the more the fewer its courses "
    "(empirical Bayes), with its interval; hollow = crude rate. Listed by id, not by rate: "
    "overlapping intervals mean an order would mislead. "
)
BASELINE_PAIN_CAPTION = (
    "Mean baseline NRS pain of each provider's courses with a t interval; the case-mix model "
    "allows for it (more pain: more room to improve, harder cases)."
)
NONRESPONDER_CAPTION = (
    "{split} with follow-up; each factor level's standardised difference (Austin 2009), "
    "largest first. Description, not cause."
)
ODDS_RATIO_CAPTION = (
    "Association, not effect: odds ratios from one model of all these factors together; "
    "sessions and rehab follow early response and who is referred, so they describe, they do "
    "not prove what works."
)


def case_mix_caption(name: str) -> str:
    """Under a provider-by-provider case-mix chart of factor ``name``."""
    return (
        f"Share of each provider's courses by {name.lower()}; compare each bar with the whole "
        "clinic's on top. Case mix explains part of a crude rate."
    )


def process_caption(settings: Settings) -> str:
    """Under the process chart: what each indicator counts."""
    return (
        "Sessions: courses completing all planned sessions; rehab: any rehab plan; "
        f"follow-up: eligible courses with a {settings.window().name} value; screening: "
        "contraindication screening documented. Each with its Wilson interval; n in the "
        "axis and the hover."
    )
