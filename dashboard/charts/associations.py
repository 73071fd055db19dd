"""What goes with response (issue 3; methods.md section 4): the case-mix model's calibration,
what non-responders have in common (standardised differences, Austin 2009) and the adjusted
odds ratios of response (association, not effect), on the Providers and My practice pages.

Every point is the palette's first series; reference values (observed = expected, no
difference, odds ratio 1, the common marks of imbalance) are lines. Labels and hover texts
come only from the frame passed in (after the gate): a count or share it hid (missing) reads
"hidden", never a number, and no chart here names a provider.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from dashboard.charts.rates import HIDDEN, count_or_hidden
from queries.core.factors import BY_COLUMN
from queries.core.settings import Settings
from queries.stats.design import MISSING_LEVEL
from queries.stats.intervals import level_suffix

IMBALANCE_MARK = 0.1  # |standardised difference| above it: a common mark of imbalance (Austin)
ODDS_TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20)


# --- case-mix model -------------------------------------------------------------------------


def calibration_chart(calibration: pd.DataFrame, settings: Settings) -> go.Figure:
    """Observed against expected responder rate by tenth of predicted risk (Hosmer-Lemeshow)."""
    sfx = level_suffix(settings.confidence_level)
    obs = calibration["observed_rate"]
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1],
        y=[0, 1],
        mode="lines",
        line=base.TARGET_LINE,
        name="Observed = expected",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=calibration["expected_rate"],
        y=obs,
        mode="markers",
        name="Tenth of predicted risk",
        marker=base.POINT,
        error_y=base.error_bars(
            calibration[f"observed_ci_upper_{sfx}"] - obs,
            obs - calibration[f"observed_ci_lower_{sfx}"],
            base.POINT["color"],
        ),
        customdata=base.per_row(
            calibration, ["group", "n"], lambda g, n: [str(g), count_or_hidden(n)]
        ),
        hovertemplate=(
            "tenth %{customdata[0]} (n=%{customdata[1]})<br>expected %{x:.0%}"
            " · observed %{y:.0%}<extra></extra>"
        ),
    )
    fig.update_layout(
        xaxis=base.percent_axis("Expected responder rate (model)"),
        yaxis=base.percent_axis("Observed responder rate"),
    )
    return base.base_layout(
        fig,
        "Calibration of the case-mix model",
        f"Observed vs expected by tenth of predicted risk · {base.level_text(settings)} Wilson CI",
        legend=None,
    )


def calibration_columns(settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of the calibration table and its CSV download."""
    return {
        "group": "Tenth of predicted risk",
        "n": "Courses",
        "observed": "Observed responders",
        "expected": "Expected responders",
        "observed_rate": "Observed rate",
        "expected_rate": "Expected rate",
        **base.interval_columns(settings, "observed_", "Observed "),
    }


# --- non-responders and associations --------------------------------------------------------


def _factor_label(column: str, level: str) -> str:
    """A factor level of the profile or the model as a label: 'degeneration severity: mild'."""
    described = BY_COLUMN.get(column)
    words = described.words if described else column.replace("_", " ")
    if level in ("(mean)", "", "yes"):
        return words
    if level == MISSING_LEVEL:
        return f"{words}: not recorded"
    return f"{words}: {base.category_label(level)}"


def _shares(a: object, b: object, level: object) -> str:
    """'40 % vs 12 %' (or 'mean 6.1 vs 5.8'): what the two groups have; "hidden" where the
    gate hid either."""
    if pd.isna(a) or pd.isna(b):
        return HIDDEN
    if level == "(mean)":
        return f"mean {a:.1f} vs {b:.1f}"
    return f"{a:.0%} vs {b:.0%}".replace("%", " %")


def std_difference_chart(differences: pd.DataFrame, title: str, top: int = 15) -> go.Figure:
    """Standardised differences, non-responders vs responders, largest first (Austin 2009)."""
    rows = differences.head(top).iloc[::-1]
    labels = [_factor_label(f, lv) for f, lv in zip(rows["factor"], rows["level"], strict=True)]
    shares = base.per_row(rows, ["share_group_a", "share_group_b", "level"], _shares)
    fig = go.Figure()
    sides = ["middle right" if d >= 0 else "middle left" for d in rows["std_difference"]]
    fig.add_scatter(
        x=rows["std_difference"],
        y=labels,
        mode="markers+text",
        marker=base.POINT,
        text=shares,
        textposition=sides,
        textfont=dict(size=10),
        cliponaxis=False,
        hovertemplate=(
            "%{y}<br>non-responders vs responders %{text}<br>"
            "standardised difference %{x:+.2f}<extra></extra>"
        ),
    )
    fig.add_vline(x=0, line=dict(color=base.OKABE_ITO["black"], width=1))
    for edge in (-IMBALANCE_MARK, IMBALANCE_MARK):
        fig.add_vline(x=edge, line=base.TARGET_LINE)
    differences_shown = rows["std_difference"].abs().dropna()
    span = float(differences_shown.max()) if len(differences_shown) else 0.5
    fig.update_layout(
        xaxis=dict(
            title="Standardised difference (non-responders − responders)",
            range=[-span * 1.9 - 0.05, span * 1.9 + 0.05],
            zeroline=False,
        ),
        yaxis=dict(type="category", categoryorder="array", categoryarray=labels),
    )
    return base.base_layout(
        fig,
        title,
        "Right of 0: commoner among non-responders · dotted lines "
        f"at ±{IMBALANCE_MARK:g}, a common mark of a real imbalance",
        legend=None,
        height=max(320, 140 + 26 * len(labels)),
    )


def forest_chart(odds: pd.DataFrame, settings: Settings) -> go.Figure:
    """Adjusted odds ratios with Wald intervals on a log axis, reference line at 1."""
    sfx = level_suffix(settings.confidence_level)
    rows = odds.iloc[::-1]
    labels = [
        (_factor_label(f, lv) + (f" (vs {base.category_label(ref)})" if ref else " (per point)"))
        for f, lv, ref in zip(rows["factor"], rows["level"], rows["reference"], strict=True)
    ]
    lower, upper = rows[f"ci_lower_{sfx}"], rows[f"ci_upper_{sfx}"]
    fig = go.Figure()
    fig.add_vline(x=1, line=base.TARGET_LINE)
    base.add_dot_interval(
        fig,
        rows["odds_ratio"],
        labels,
        lower,
        upper,
        [
            [f"{lo:.2f}", f"{hi:.2f}", count_or_hidden(k)]
            for lo, hi, k in zip(lower, upper, rows["n_with_level"], strict=True)
        ],
        f"%{{y}}<br>odds ratio %{{x:.2f}} ({base.level_text(settings)} CI "
        "%{customdata[0]}–%{customdata[1]})<br>%{customdata[2]} courses at "
        "this level<extra></extra>",
    )
    fig.update_layout(
        xaxis=dict(
            title="Adjusted odds ratio of response (log scale)",
            type="log",
            tickvals=list(ODDS_TICKS),
            ticktext=[f"{t:g}" for t in ODDS_TICKS],
        ),
        yaxis=dict(type="category", categoryorder="array", categoryarray=labels),
    )
    n = count_or_hidden(odds["n"].iloc[0]) if len(odds) else "0"
    return base.base_layout(
        fig,
        "What goes with response: adjusted odds ratios (association, not effect)",
        f"One logistic model, {n} courses with follow-up · "
        f"{base.level_text(settings)} Wald CI · right of 1 = more often a responder",
        height=max(360, 140 + 24 * len(labels)),
    )
