"""The figures of the provider pages (issue 3; methods.md sections 4 and 6), in the app's look.

Palette, layout, labels and the shared rate chart come from :mod:`dashboard.charts`: one
Okabe-Ito palette, limits and targets drawn as lines (never as colours), every rate with its
interval and n, a title that says what the figure shows. Colour never judges a provider:
every provider's point has the same colour; in a provider's own view the peers are faint
points with no name and no hover, the provider a larger diamond.

No ranks anywhere: the caterpillar plot lists providers by id, not by rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from dashboard.charts import (
    HEATMAP_SCALE, OKABE_ITO, base_layout, category_label, level_text, rate_chart,
    rate_table_columns, tick_label,
)
from queries.stats.casemix import MISSING_LEVEL
from queries.data.contract import AGE_BANDS, INDICATIONS, ROUTES, SEVERITY_CLASSES
from queries.stats.funnel import FunnelResult
from queries.disclosure.gate import Policy, format_interval, format_percent, present
from queries.analytics.provider_views import CLINIC, FunnelView
from queries.analytics.providers import FACTOR_WORDS
from queries.core.settings import Settings
from queries.stats.intervals import level_suffix

CLINIC_LABEL = "Whole clinic"
PEER_COLOUR = "rgba(0, 0, 0, 0.28)"  # Okabe-Ito black, faint: peers without a name
POINT = dict(color=OKABE_ITO["blue"], size=10, symbol="circle")
SELF = dict(color=OKABE_ITO["orange"], size=16, symbol="diamond",
            line=dict(color=OKABE_ITO["black"], width=1))
LIMIT_STYLE = {"alert": dict(color=OKABE_ITO["sky_blue"], width=1.6, dash="dash"),
               "alarm": dict(color=OKABE_ITO["blue"], width=1.6, dash="solid")}
TARGET_LINE = dict(color=OKABE_ITO["black"], width=1.2, dash="dot")
FLAG_WORDS = {
    "within": "within the 95 % limits",
    "low_alert": "below the 95 % limit (alert)",
    "low_alarm": "below the 99.8 % limit (alarm)",
    "high_alert": "above the 95 % limit (alert)",
    "high_alarm": "above the 99.8 % limit (alarm)",
    "too_few": "not enough courses yet",
}
CASE_MIX_LEVELS = {"severity_class": SEVERITY_CLASSES, "indication": INDICATIONS,
                   "route": ROUTES, "age_band": AGE_BANDS}
CASE_MIX_NAMES = {"severity_class": "Severity", "indication": "Indication", "route": "Route",
                  "age_band": "Age band"}
ORDINAL_FACTORS = ("severity_class", "age_band")
NOMINAL_COLOURS = [OKABE_ITO[k] for k in ("blue", "orange", "sky_blue", "bluish_green",
                                          "reddish_purple", "vermillion", "yellow", "black")]


def group_label(group: object) -> str:
    return CLINIC_LABEL if group == CLINIC else str(group)


def _percent_axis(title: str) -> dict:
    return dict(title=title, range=[0, 1.02], tickformat=".0%")


def _limits_text(lo: float, hi: float, percent: bool) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return "–"
    return f"{lo:.0%}–{hi:.0%}".replace("%", " %") if percent else f"{lo:.2f}–{hi:.2f}"


# --- funnel ---------------------------------------------------------------------------------

def limits_text(result: FunnelResult) -> str:
    """'95 % and 99.8 % limits': the funnel's two levels."""
    return f"{result.alert_level * 100:g} % and {result.alarm_level * 100:g} % limits"


def overdispersion_note(result: FunnelResult) -> str:
    """Whether the limits were widened for overdispersion, with phi and tau² (methods.md 4)."""
    od = result.overdispersion
    numbers = f"phi = {od.phi:.2f}, tau² = {od.tau2:.4f}, from {od.n_units} providers"
    if od.applied:
        return (f"Overdispersion adjustment **applied** ({numbers}): the providers differ "
                "more than chance alone allows, so the limits are widened (additive random "
                "effects, Spiegelhalter 2012).")
    limits = "exact binomial" if result.data_type == "PR" else "exact Poisson"
    return (f"Overdispersion adjustment **not applied** ({numbers}): {limits} limits, "
            "unwidened.")


def not_enough_note(view: FunnelView, min_n: int) -> str | None:
    """The providers (or, in a provider's view, the provider) without a point of their own."""
    if view.too_few.empty:
        return None
    if view.self_too_few:
        n = int(view.too_few["n"].iloc[0])
        return (f"Not enough courses yet: {n:,} courses with follow-up, {min_n} needed "
                "before a point of your own is drawn.")
    names = ", ".join(f"{u} ({int(n):,})" for u, n in zip(view.too_few["unit_id"],
                                                       view.too_few["n"]))
    return (f"Not enough courses yet (fewer than {min_n} with follow-up, not drawn): "
            f"{names}.")


def _hover_rows(points: pd.DataFrame, result: FunnelResult, settings: Settings) -> list:
    sfx = level_suffix(settings.confidence_level)
    alert, alarm = level_suffix(result.alert_level), level_suffix(result.alarm_level)
    percent = result.data_type == "PR"
    rows = []
    for _, p in points.iterrows():
        limits = (f"95 % limits {_limits_text(p[f'lower_{alert}'], p[f'upper_{alert}'], percent)}"
                  f" · 99.8 % limits "
                  f"{_limits_text(p[f'lower_{alarm}'], p[f'upper_{alarm}'], percent)}")
        rate = (f"responder rate {format_percent(p['rate'], p['n'])} ({level_text(settings)} CI "
                f"{format_interval(p[f'rate_ci_lower_{sfx}'], p[f'rate_ci_upper_{sfx}'], p['n'])})")
        if percent:
            value = rate
        else:
            value = (f"O/E {p['oe_ratio']:.2f} ({int(p['observed']):,} observed, "
                     f"{p['expected']:.1f} expected) · adjusted rate "
                     f"{format_percent(p['adjusted_rate'], p['n'])}<br>crude {rate}")
        rows.append([str(p["unit_id"]), f"{int(p['n']):,}", value, limits,
                     FLAG_WORDS[p["flag"]]])
    return rows


def funnel_chart(view: FunnelView, settings: Settings, title: str, subtitle: str,
                 self_view: bool = False) -> go.Figure:
    """Responder rate against courses (or O/E against expected) with 95 % and 99.8 % limits.

    ``self_view``: a provider's own view; peers are faint points without names or hover.
    """
    result, curve, points = view.result, view.curve, view.points
    fig = go.Figure()
    for level, style in ((result.alert_level, "alert"), (result.alarm_level, "alarm")):
        sfx = level_suffix(level)
        name = f"{level * 100:g} % limit" if self_view else f"{level * 100:g} % limits"
        for side in ("lower", "upper"):
            fig.add_scatter(x=curve["x"], y=curve[f"{side}_{sfx}"], mode="lines",
                            line=LIMIT_STYLE[style], name=name, legendgroup=name,
                            showlegend=side == "lower", hoverinfo="skip",
                            meta=f"{side} {name}")
    target = "Clinic rate" if result.data_type == "PR" else "O/E = 1"
    fig.add_scatter(x=curve["x"], y=curve["target"], mode="lines", line=TARGET_LINE,
                    name=target, hoverinfo="skip")
    hover = ("<b>%{customdata[0]}</b><br>%{customdata[1]} courses with follow-up<br>"
             "%{customdata[2]}<br>%{customdata[3]}<br>%{customdata[4]}<extra></extra>")
    if self_view:
        peers, me = points[~points["is_self"]], points[points["is_self"]]
        fig.add_scatter(x=peers["x"], y=peers["y"], mode="markers", name="Others",
                        marker=dict(color=PEER_COLOUR, size=9), hoverinfo="skip")
        fig.add_scatter(x=me["x"], y=me["y"], mode="markers+text", name="You",
                        text=["you"] * len(me), textposition="top center", marker=SELF,
                        customdata=_hover_rows(me, result, settings), hovertemplate=hover)
    else:
        fig.add_scatter(x=points["x"], y=points["y"], mode="markers+text", name="Provider",
                        text=points["unit_id"], textposition="middle right",
                        textfont=dict(size=10), marker=POINT, cliponaxis=False,
                        customdata=_hover_rows(points, result, settings),
                        hovertemplate=hover)
    right = float(np.nanmax([points["x"].max(), curve["x"].max()])) * 1.12  # room for names
    if result.data_type == "PR":
        yaxis = _percent_axis("Responder rate (complete case)")
        xaxis = dict(title="Courses with follow-up (eligible)", range=[0, right])
    else:
        alarm_upper = curve[f"upper_{level_suffix(result.alarm_level)}"]
        top = float(np.nanmax([points["y"].max(), alarm_upper.max(), 1.5]))
        yaxis = dict(title="Observed / expected responders", range=[0, min(top, 3) * 1.05])
        xaxis = dict(title="Expected responders (case-mix model)", range=[0, right])
    fig.update_layout(xaxis=xaxis, yaxis=yaxis, legend=dict(
        orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, font=dict(size=11)))
    return base_layout(fig, title, subtitle)


# --- caterpillar ----------------------------------------------------------------------------

def caterpillar_chart(rows: pd.DataFrame, settings: Settings, title: str) -> go.Figure:
    """Shrunken (empirical Bayes) rates with intervals, providers by id; crude rate hollow."""
    sfx = level_suffix(settings.confidence_level)
    labels = rows["unit_id"].astype(str).tolist()
    est = rows["shrunken_rate"]
    fig = go.Figure()
    fig.add_scatter(x=rows["rate"], y=labels, mode="markers", name="Crude rate",
                    marker=dict(color=OKABE_ITO["black"], size=8, symbol="circle-open"),
                    hovertemplate="%{y}: crude %{x:.0%}<extra></extra>")
    fig.add_scatter(
        x=est, y=labels, mode="markers+text", name="Shrunken rate", marker=POINT,
        text=[f"n={int(n):,}" for n in rows["n"]], textposition="top center",
        textfont=dict(size=10), cliponaxis=False,
        error_x=dict(type="data", symmetric=False, array=rows[f"ci_upper_{sfx}"] - est,
                     arrayminus=est - rows[f"ci_lower_{sfx}"], color=OKABE_ITO["blue"]),
        customdata=[[format_percent(r, n), format_interval(lo, hi, n), f"{int(n):,}",
                     f"{s:.0%}"] for r, lo, hi, n, s in
                    zip(est, rows[f"ci_lower_{sfx}"], rows[f"ci_upper_{sfx}"], rows["n"],
                        rows["shrinkage"])],
        hovertemplate=("<b>%{y}</b><br>shrunken rate %{customdata[0]} "
                       f"({level_text(settings)} interval %{{customdata[1]}})<br>"
                       "%{customdata[2]} courses with follow-up · pulled %{customdata[3]} "
                       "of the way to the clinic rate<extra></extra>"))
    if len(rows):
        fig.add_vline(x=float(rows["prior_mean"].iloc[0]), line=TARGET_LINE)
    fig.update_layout(
        xaxis=_percent_axis("Responder rate"),
        yaxis=dict(title="Provider", type="category", categoryorder="array",
                   categoryarray=labels[::-1]),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0))
    fig = base_layout(fig, title, f"Beta-binomial empirical Bayes · {level_text(settings)} "
                              "interval · dotted line = clinic rate")
    fig.update_layout(height=max(300, 150 + 38 * len(labels)))
    return fig


# --- case-mix model -------------------------------------------------------------------------

def calibration_chart(calibration: pd.DataFrame, settings: Settings) -> go.Figure:
    """Observed against expected responder rate by tenth of predicted risk (Hosmer-Lemeshow)."""
    sfx = level_suffix(settings.confidence_level)
    obs = calibration["observed_rate"]
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=TARGET_LINE,
                    name="Observed = expected", hoverinfo="skip")
    fig.add_scatter(
        x=calibration["expected_rate"], y=obs, mode="markers", name="Tenth of predicted risk",
        marker=POINT,
        error_y=dict(type="data", symmetric=False, color=OKABE_ITO["blue"],
                     array=calibration[f"observed_ci_upper_{sfx}"] - obs,
                     arrayminus=obs - calibration[f"observed_ci_lower_{sfx}"]),
        customdata=np.column_stack([calibration["group"], calibration["n"]]),
        hovertemplate=("tenth %{customdata[0]} (n=%{customdata[1]})<br>expected %{x:.0%}"
                       " · observed %{y:.0%}<extra></extra>"))
    fig.update_layout(xaxis=_percent_axis("Expected responder rate (model)"),
                      yaxis=_percent_axis("Observed responder rate"), showlegend=False)
    return base_layout(fig, "Calibration of the case-mix model",
                   f"Observed vs expected by tenth of predicted risk · {level_text(settings)}"
                   " Wilson CI")


def calibration_columns(settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of the calibration table and its CSV download."""
    sfx = level_suffix(settings.confidence_level)
    level = level_text(settings)
    return {"group": "Tenth of predicted risk", "n": "Courses",
            "observed": "Observed responders", "expected": "Expected responders",
            "observed_rate": "Observed rate", "expected_rate": "Expected rate",
            f"observed_ci_lower_{sfx}": f"Observed {level} CI lower",
            f"observed_ci_upper_{sfx}": f"Observed {level} CI upper"}


# --- case mix and process -------------------------------------------------------------------

def _level_colours(factor: str, levels: list[str]) -> dict[str, str]:
    if factor in ORDINAL_FACTORS:
        known = [lv for lv in levels if lv != "unknown"]
        scale = sample_colorscale(HEATMAP_SCALE, max(len(known), 2))
        colours = dict(zip(known, scale))
        colours["unknown"] = "rgb(200, 200, 200)"
        return colours
    return {lv: NOMINAL_COLOURS[i % len(NOMINAL_COLOURS)] for i, lv in enumerate(levels)}


def case_mix_chart(mix: pd.DataFrame, factor: str, policy: Policy, title: str) -> go.Figure:
    """Share of each group's courses per level of ``factor``, the clinic on top (100 % bars)."""
    rows = present(mix[mix["factor"] == factor], ["group", "level", "n_courses", "share"],
                   policy)
    groups = list(dict.fromkeys(rows["group"]))
    labels = [group_label(g) for g in groups]
    natural = CASE_MIX_LEVELS.get(factor, ())
    levels = [lv for lv in natural if lv in set(rows["level"])] + \
        sorted(set(rows["level"]) - set(natural))
    colours = _level_colours(factor, levels)
    fig = go.Figure()
    for level in levels:
        at = rows[rows["level"] == level].set_index("group").reindex(groups)
        share = at["share"].fillna(0.0)
        fig.add_bar(
            x=share, y=labels, orientation="h", name=category_label(level),
            marker=dict(color=colours[level], line=dict(color="white", width=0.5)),
            text=[f"{s:.0%}" if s >= 0.08 else "" for s in share], textposition="inside",
            insidetextanchor="middle", textangle=0,
            customdata=at["n_courses"].fillna(0).astype(int),
            hovertemplate=(f"%{{y}} · {category_label(level)}: %{{x:.0%}} "
                           "(%{customdata:,} courses)<extra></extra>"))
    fig.update_layout(barmode="stack", xaxis=dict(range=[0, 1.0001], tickformat=".0%"),
                      yaxis=dict(type="category", categoryorder="array",
                                 categoryarray=labels[::-1]),
                      legend=dict(orientation="v", yanchor="top", y=1, xanchor="left",
                                  x=1.02, font=dict(size=11), traceorder="normal"))
    fig = base_layout(fig, title, "Share of courses · whole clinic on top")
    fig.update_layout(height=max(300, 160 + 34 * len(labels)), margin=dict(t=90))
    return fig


def _dot_interval(fig, rows: pd.DataFrame, value: str, lower: str, upper: str, n: str,
                  labels: list[str], fmt, row: int | None = None, col: int | None = None,
                  n_meaning: str = "courses") -> None:
    """One point with its interval per group; the n goes to the hover (and the tick)."""
    v = rows[value].astype(float)
    fig.add_scatter(
        x=v, y=labels, mode="markers", marker=POINT, showlegend=False,
        error_x=dict(type="data", symmetric=False, color=OKABE_ITO["blue"],
                     array=rows[upper].astype(float) - v,
                     arrayminus=v - rows[lower].astype(float)),
        customdata=[[fmt(x, k), fmt(lo, k), fmt(hi, k), "–" if pd.isna(k) else f"{int(k):,}"]
                    for x, lo, hi, k in zip(v, rows[lower], rows[upper], rows[n])],
        hovertemplate=("%{y}: %{customdata[0]} (interval %{customdata[1]} to "
                       f"%{{customdata[2]}}) · n = %{{customdata[3]}} {n_meaning}"
                       "<extra></extra>"),
        row=row, col=col)


def _n_labels(rows: pd.DataFrame, n: str) -> list[str]:
    """Group names with their n, for the y axis of a dot-and-interval chart."""
    return [f"{group_label(g)} · n={'–' if pd.isna(k) else f'{int(k):,}'}"
            for g, k in zip(rows["group"], rows[n])]


def baseline_pain_chart(pain: pd.DataFrame, settings: Settings, policy: Policy,
                        title: str = "Baseline pain of each provider's courses") -> go.Figure:
    """Mean baseline NRS pain per group with a t interval; the clinic's mean as a line."""
    sfx = level_suffix(settings.confidence_level)
    cols = ["group", "n_with_baseline", "mean_baseline_score", f"baseline_ci_lower_{sfx}",
            f"baseline_ci_upper_{sfx}"]
    rows = present(pain, cols, policy)
    labels = _n_labels(rows, "n_with_baseline")
    fig = go.Figure()
    _dot_interval(fig, rows, "mean_baseline_score", f"baseline_ci_lower_{sfx}",
                  f"baseline_ci_upper_{sfx}", "n_with_baseline", labels,
                  lambda x, _n: "–" if pd.isna(x) else f"{x:.1f}",
                  n_meaning="courses with a baseline")
    clinic = rows.loc[rows["group"] == CLINIC, "mean_baseline_score"]
    if len(clinic):
        fig.add_vline(x=float(clinic.iloc[0]), line=TARGET_LINE)
    fig.update_layout(xaxis=dict(title="Mean baseline NRS pain (0–10)", range=[0, 10]),
                      yaxis=dict(type="category", categoryorder="array",
                                 categoryarray=labels[::-1]))
    fig = base_layout(fig, title,
                  f"Mean NRS · {level_text(settings)} t interval · dotted = whole clinic")
    fig.update_layout(height=max(300, 150 + 34 * len(labels)))
    return fig


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
        f"{k}_{part}" for k, *_ in PROCESS_INDICATORS
        for part in ("rate", f"ci_lower_{sfx}", f"ci_upper_{sfx}")]
    rows = present(process, cols, policy)
    labels = _n_labels(rows, "n_courses")
    fig = make_subplots(rows=1, cols=len(PROCESS_INDICATORS), shared_yaxes=True,
                        horizontal_spacing=0.05,
                        subplot_titles=[t for _, t, *_ in PROCESS_INDICATORS])
    clinic = rows["group"] == CLINIC
    for i, (key, _title, n, meaning) in enumerate(PROCESS_INDICATORS, start=1):
        _dot_interval(fig, rows, f"{key}_rate", f"{key}_ci_lower_{sfx}",
                      f"{key}_ci_upper_{sfx}", n, labels, format_percent, row=1, col=i,
                      n_meaning=meaning)
        if clinic.any():
            fig.add_vline(x=float(rows.loc[clinic, f"{key}_rate"].iloc[0]), line=TARGET_LINE,
                          row=1, col=i)
        fig.update_xaxes(range=[0, 1.05], tickvals=[0, 0.5, 1], ticktext=["0", "50%", "100%"],
                         row=1, col=i)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels[::-1])
    fig.update_annotations(font=dict(size=12))
    fig = base_layout(fig, "Process: sessions, rehab, follow-up and screening",
                  f"Share of courses · {level_text(settings)} Wilson CI · dotted = whole "
                  "clinic")
    fig.update_layout(height=max(320, 170 + 34 * len(labels)), margin=dict(t=125))
    return fig


# --- rates beside the clinic ----------------------------------------------------------------

RATES_KEPT = ("n_courses", "n_eligible", "n_followup", "n_responders", "responder_rate",
              "itt_rate")


def rates_columns(settings: Settings) -> dict[str, str]:
    """Columns of a clinic-and-groups rate table (``providers.cases_like_this`` after
    :func:`queries.analytics.provider_views.hide_small_groups`), with the note of a hidden group."""
    sfx = level_suffix(settings.confidence_level)
    labels = rate_table_columns("provider", settings)
    kept = [c for c in labels
            if c in RATES_KEPT or c.endswith((f"ci_lower_{sfx}", f"ci_upper_{sfx}"))]
    return {"group": "Group", "note": "Note", **{c: labels[c] for c in kept}}


def rates_beside_clinic(rates: pd.DataFrame, settings: Settings, policy: Policy,
                        title: str) -> go.Figure:
    """The shared responder-rate chart (complete case and ITT) of the clinic and its groups;
    a hidden group (:func:`queries.analytics.provider_views.hide_small_groups`) says so on the chart."""
    frame = rates.assign(group=[group_label(g) for g in rates["group"]])
    fig = rate_chart(frame, "provider", settings, policy, title=title)
    for label, note in zip(frame.loc[frame["is_hidden"], "group"],
                           frame.loc[frame["is_hidden"], "note"]):
        fig.add_annotation(x=label, y=0.5, text=tick_label(note, 16), showarrow=False,
                           font=dict(size=11, color=OKABE_ITO["black"]))
    fig.update_layout(xaxis_title=None)
    return fig


# --- non-responders and associations --------------------------------------------------------

def _factor_label(factor: str, level: str) -> str:
    words = FACTOR_WORDS.get(factor, factor.replace("_", " "))
    if level in ("(mean)", ""):
        return words
    if level == "yes":
        return words
    if level == MISSING_LEVEL:
        return f"{words}: not recorded"
    return f"{words}: {category_label(level)}"


def std_difference_chart(differences: pd.DataFrame, title: str, top: int = 15) -> go.Figure:
    """Standardised differences, non-responders vs responders, largest first (Austin 2009)."""
    rows = differences.head(top).iloc[::-1]
    labels = [_factor_label(f, lv) for f, lv in zip(rows["factor"], rows["level"])]
    shares = [(f"mean {a:.1f} vs {b:.1f}" if lv == "(mean)" else
               f"{a:.0%} vs {b:.0%}".replace("%", " %"))
              for a, b, lv in zip(rows["share_group_a"], rows["share_group_b"], rows["level"])]
    fig = go.Figure()
    sides = ["middle right" if d >= 0 else "middle left" for d in rows["std_difference"]]
    fig.add_scatter(x=rows["std_difference"], y=labels, mode="markers+text", marker=POINT,
                    text=shares, textposition=sides, textfont=dict(size=10),
                    cliponaxis=False,
                    hovertemplate=("%{y}<br>non-responders vs responders %{text}<br>"
                                   "standardised difference %{x:+.2f}<extra></extra>"))
    fig.add_vline(x=0, line=dict(color=OKABE_ITO["black"], width=1))
    for edge in (-0.1, 0.1):
        fig.add_vline(x=edge, line=TARGET_LINE)
    span = float(np.nanmax(np.abs(rows["std_difference"]))) if len(rows) else 0.5
    fig.update_layout(xaxis=dict(title="Standardised difference (non-responders − responders)",
                                 range=[-span * 1.9 - 0.05, span * 1.9 + 0.05],
                                 zeroline=False),
                      yaxis=dict(type="category", categoryorder="array", categoryarray=labels),
                      showlegend=False)
    fig = base_layout(fig, title, "Right of 0: commoner among non-responders · dotted lines at "
                              "±0.1, a common mark of a real imbalance")
    fig.update_layout(height=max(320, 140 + 26 * len(labels)))
    return fig


def forest_chart(odds: pd.DataFrame, settings: Settings) -> go.Figure:
    """Adjusted odds ratios with intervals on a log axis, reference line at 1."""
    sfx = level_suffix(settings.confidence_level)
    rows = odds.iloc[::-1]
    labels = [(_factor_label(f, lv) + (f" (vs {category_label(ref)})" if ref else
                                        " (per point)"))
              for f, lv, ref in zip(rows["factor"], rows["level"], rows["reference"])]
    ratio = rows["odds_ratio"]
    fig = go.Figure()
    fig.add_vline(x=1, line=TARGET_LINE)
    fig.add_scatter(
        x=ratio, y=labels, mode="markers", marker=POINT, showlegend=False,
        error_x=dict(type="data", symmetric=False, color=OKABE_ITO["blue"],
                     array=rows[f"ci_upper_{sfx}"] - ratio,
                     arrayminus=ratio - rows[f"ci_lower_{sfx}"]),
        customdata=[[f"{lo:.2f}", f"{hi:.2f}", "–" if pd.isna(k) else f"{int(k):,}"]
                    for lo, hi, k in zip(rows[f"ci_lower_{sfx}"], rows[f"ci_upper_{sfx}"],
                                         rows["n_with_level"])],
        hovertemplate=(f"%{{y}}<br>odds ratio %{{x:.2f}} ({level_text(settings)} CI "
                       "%{customdata[0]}–%{customdata[1]})<br>%{customdata[2]} courses at "
                       "this level<extra></extra>"))
    ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
    fig.update_layout(xaxis=dict(title="Adjusted odds ratio of response (log scale)",
                                 type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks]),
                      yaxis=dict(type="category", categoryorder="array", categoryarray=labels))
    n = int(odds["n"].iloc[0]) if len(odds) else 0
    fig = base_layout(fig, "What goes with response: adjusted odds ratios (association, not "
                       "effect)",
                  f"One logistic model, {n:,} courses with follow-up · {level_text(settings)}"
                  " Wald CI · right of 1 = more often a responder")
    fig.update_layout(height=max(360, 140 + 24 * len(labels)))
    return fig
