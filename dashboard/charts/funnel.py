"""How providers compare: funnel plots and shrunken rates (issue 3; methods.md section 4).

Funnel plots after Spiegelhalter (2005) with the overdispersion adjustment of Spiegelhalter
et al. (2012); limits are lines at the levels of the result (``FunnelResult.alert_level``,
``alarm_level``, from the settings), never colours. Every provider's point has the same
colour; in a provider's own view the peers are faint points with no name and no hover, the
provider a larger diamond. No ranks anywhere: the caterpillar plot lists providers by id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from queries.analytics.providers import FunnelView
from queries.core.settings import Settings
from queries.disclosure.gate import format_interval, format_percent
from queries.stats.funnel import FunnelResult
from queries.stats.intervals import level_suffix

SELF = dict(
    color=base.series_style(1).colour,
    size=16,
    symbol=base.series_style(1).symbol,
    line=dict(color=base.OKABE_ITO["black"], width=1),
)
LIMIT_STYLE = {
    "alert": dict(color=base.OKABE_ITO["sky_blue"], width=1.6, dash="dash"),
    "alarm": dict(color=base.OKABE_ITO["blue"], width=1.6, dash="solid"),
}
NAME_ROOM = 1.12  # the x axis runs this far past the last point: room for the names
OE_AXIS_CAP = 3  # O/E axis ends at 3 (x 1.05) at most, so one outlier does not flatten it
OE_AXIS_FLOOR = 1.5  # and at 1.5 at least


# --- funnel ---------------------------------------------------------------------------------


def _levels(result: FunnelResult) -> tuple[str, str]:
    """'95 %', '99.8 %': the funnel's alert and alarm levels as the texts write them."""
    return base.percent_level(result.alert_level), base.percent_level(result.alarm_level)


def limits_text(result: FunnelResult) -> str:
    """'95 % and 99.8 % exact binomial limits': the funnel's two levels and the method."""
    alert, alarm = _levels(result)
    return f"{alert} and {alarm} {result.limit_method}"


def flag_words(result: FunnelResult) -> dict[str, str]:
    """Each flag of the funnel (``FunnelResult`` flags) in words, with the result's levels."""
    alert, alarm = _levels(result)
    return {
        "within": f"within the {alert} limits",
        "low_alert": f"below the {alert} limit (alert)",
        "low_alarm": f"below the {alarm} limit (alarm)",
        "high_alert": f"above the {alert} limit (alert)",
        "high_alarm": f"above the {alarm} limit (alarm)",
        "too_few": "not enough courses yet",
    }


def flags_caption(result: FunnelResult, min_n: int) -> str:
    """The flags of the provider table (``providers`` command columns) and their levels."""
    alert, alarm = _levels(result)
    return (
        f"Flags: within, low/high_alert (outside {alert}), "
        f"low/high_alarm (outside {alarm}), too_few (under "
        f"{min_n} courses with follow-up). cusum_signal: the highest signal of the "
        "provider's CUSUM over the courses in view (none, alert, alarm, or too_few). "
        "Listed by id."
    )


def overdispersion_note(result: FunnelResult) -> str:
    """What the spread of the providers shows and whether the limits were widened for it
    (methods.md section 4): excess variation is stated only when phi > 1, with how much."""
    od = result.overdispersion
    if not np.isfinite(od.phi) or od.n_units < 2:
        return (
            "**Overdispersion:** not estimated (fewer than two providers with enough "
            f"courses): {result.limit_method}, not widened."
        )
    numbers = f"phi = {od.phi:.2f}, the mean squared z-score of {od.n_units} providers"
    if od.phi <= 1:
        return (
            f"**Overdispersion: none.** The providers' spread is within what chance alone "
            f"gives ({numbers}; 1 = chance alone), so the limits are not widened: "
            f"{result.limit_method}."
        )
    if not od.applied:
        return (
            f"**Overdispersion:** the providers vary {od.phi:.1f} times as much as chance "
            f"alone allows ({numbers}); the limits are not widened: {result.limit_method}."
        )
    return (
        f"**Overdispersion:** the providers vary {od.phi:.1f} times as much as chance alone "
        f"allows ({numbers}; tau² = {od.tau2:.4f}), so the limits are widened by the "
        f"between-provider variance (additive random effects, Spiegelhalter 2012): "
        f"{result.limit_method}."
    )


def not_enough_note(view: FunnelView, min_n: int) -> str | None:
    """The providers (or, in a provider's view, the provider) without a point of their own."""
    if view.too_few.empty:
        return None
    if view.self_too_few:
        n = int(view.too_few["n"].iloc[0])
        return (
            f"Not enough courses yet: {n:,} courses with follow-up, {min_n} needed "
            "before a point of your own is drawn."
        )
    names = ", ".join(
        f"{u} ({int(n):,})" for u, n in zip(view.too_few["unit_id"], view.too_few["n"], strict=True)
    )
    return f"Not enough courses yet (fewer than {min_n} with follow-up, not drawn): {names}."


def _limits_text(lo: float, hi: float, percent: bool) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return "–"
    return f"{lo:.0%}–{hi:.0%}".replace("%", " %") if percent else f"{lo:.2f}–{hi:.2f}"


def _hover_rows(points: pd.DataFrame, result: FunnelResult, settings: Settings) -> list:
    sfx = level_suffix(settings.confidence_level)
    alert, alarm = level_suffix(result.alert_level), level_suffix(result.alarm_level)
    words = flag_words(result)
    percent = result.data_type == "PR"
    rows = []
    for _, p in points.iterrows():
        limits = (
            f"{base.percent_level(result.alert_level)} limits "
            f"{_limits_text(p[f'lower_{alert}'], p[f'upper_{alert}'], percent)}"
            f" · {base.percent_level(result.alarm_level)} limits "
            f"{_limits_text(p[f'lower_{alarm}'], p[f'upper_{alarm}'], percent)}"
        )
        rate = (
            f"responder rate {format_percent(p['rate'], p['n'])} ({base.level_text(settings)} CI "
            f"{format_interval(p[f'rate_ci_lower_{sfx}'], p[f'rate_ci_upper_{sfx}'], p['n'])})"
        )
        if percent:
            value = rate
        else:
            value = (
                f"O/E {p['oe_ratio']:.2f} ({int(p['observed']):,} observed, "
                f"{p['expected']:.1f} expected) · adjusted rate "
                f"{format_percent(p['adjusted_rate'], p['n'])}<br>crude {rate}"
            )
        rows.append([str(p["unit_id"]), f"{int(p['n']):,}", value, limits, words[p["flag"]]])
    return rows


def _limit_lines(
    fig: go.Figure, result: FunnelResult, curve: pd.DataFrame, self_view: bool
) -> None:
    """The alert and alarm limits (lower and upper) and the target, as lines."""
    for level, style in ((result.alert_level, "alert"), (result.alarm_level, "alarm")):
        sfx = level_suffix(level)
        name = f"{base.percent_level(level)} limit" + ("" if self_view else "s")
        for side in ("lower", "upper"):
            fig.add_scatter(
                x=curve["x"],
                y=curve[f"{side}_{sfx}"],
                mode="lines",
                line=LIMIT_STYLE[style],
                name=name,
                legendgroup=name,
                showlegend=side == "lower",
                hoverinfo="skip",
                meta=f"{side} {name}",
            )
    target = "Clinic rate" if result.data_type == "PR" else "O/E = 1"
    fig.add_scatter(
        x=curve["x"],
        y=curve["target"],
        mode="lines",
        line=base.TARGET_LINE,
        name=target,
        hoverinfo="skip",
    )


def funnel_chart(
    view: FunnelView, settings: Settings, title: str, subtitle: str, self_view: bool = False
) -> go.Figure:
    """Responder rate against courses (or O/E against expected) with the alert and alarm
    limits of the result.

    ``self_view``: a provider's own view; peers are faint points without names or hover.
    """
    result, curve, points = view.result, view.curve, view.points
    fig = go.Figure()
    _limit_lines(fig, result, curve, self_view)
    hover = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]} courses with follow-up<br>"
        "%{customdata[2]}<br>%{customdata[3]}<br>%{customdata[4]}<extra></extra>"
    )
    if self_view:
        peers, me = points[~points["is_self"]], points[points["is_self"]]
        fig.add_scatter(
            x=peers["x"],
            y=peers["y"],
            mode="markers",
            name="Others",
            marker=dict(color=base.rgba(base.OKABE_ITO["black"], base.PEER_ALPHA), size=9),
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=me["x"],
            y=me["y"],
            mode="markers+text",
            name="You",
            text=["you"] * len(me),
            textposition="top center",
            marker=SELF,
            customdata=_hover_rows(me, result, settings),
            hovertemplate=hover,
        )
    else:
        fig.add_scatter(
            x=points["x"],
            y=points["y"],
            mode="markers+text",
            name="Provider",
            text=points["unit_id"],
            textposition="middle right",
            textfont=dict(size=10),
            marker=base.POINT,
            cliponaxis=False,
            customdata=_hover_rows(points, result, settings),
            hovertemplate=hover,
        )
    right = float(np.nanmax([points["x"].max(), curve["x"].max()])) * NAME_ROOM
    if result.data_type == "PR":
        yaxis = base.percent_axis("Responder rate (complete case)")
        xaxis = dict(title="Courses with follow-up (eligible)", range=[0, right])
    else:
        alarm_upper = curve[f"upper_{level_suffix(result.alarm_level)}"]
        top = float(np.nanmax([points["y"].max(), alarm_upper.max(), OE_AXIS_FLOOR]))
        yaxis = dict(
            title="Observed / expected responders", range=[0, min(top, OE_AXIS_CAP) * 1.05]
        )
        xaxis = dict(title="Expected responders (case-mix model)", range=[0, right])
    fig.update_layout(xaxis=xaxis, yaxis=yaxis)
    return base.base_layout(fig, title, subtitle)


# --- caterpillar ----------------------------------------------------------------------------


def shrinkage_note(shrunken: pd.DataFrame) -> str:
    """What the between-provider variance estimate is, and what the intervals allow for
    (:func:`queries.stats.shrinkage.shrunken_rates`; methods.md section 4)."""
    variance = float(shrunken["between_variance"].iloc[0]) if len(shrunken) else float("nan")
    carried = (
        "the intervals still carry the uncertainty of the clinic rate and of that variance "
        "(hierarchical beta-binomial, Gelman et al. 2013 section 5.3)"
    )
    if not np.isfinite(variance):
        return f"Between-provider variance not estimated; {carried}."
    if variance == 0:
        return (
            "The between-provider variance is estimated at 0: the rates differ no more than "
            f"chance would make them, so every rate is pulled close to the clinic's; {carried}."
        )
    return (
        f"Between-provider variance estimated at {variance:.4f} (an SD of "
        f"{np.sqrt(variance) * 100:.1f} percentage points); {carried}."
    )


def caterpillar_chart(rows: pd.DataFrame, settings: Settings, title: str) -> go.Figure:
    """Shrunken (empirical Bayes, beta-binomial) rates with intervals, providers by id; the
    crude rate hollow, the clinic rate (the prior mean) a dotted line."""
    sfx = level_suffix(settings.confidence_level)
    labels = rows["unit_id"].astype(str).tolist()
    est = rows["shrunken_rate"]
    fig = go.Figure()
    fig.add_scatter(
        x=rows["rate"],
        y=labels,
        mode="markers",
        name="Crude rate",
        marker=dict(color=base.OKABE_ITO["black"], size=8, symbol="circle-open"),
        hovertemplate="%{y}: crude %{x:.0%}<extra></extra>",
    )
    fig.add_scatter(
        x=est,
        y=labels,
        mode="markers+text",
        name="Shrunken rate",
        marker=base.POINT,
        text=[f"n={int(n):,}" for n in rows["n"]],
        textposition="top center",
        textfont=dict(size=10),
        cliponaxis=False,
        error_x=base.error_bars(
            rows[f"ci_upper_{sfx}"] - est, est - rows[f"ci_lower_{sfx}"], base.POINT["color"]
        ),
        customdata=[
            [format_percent(r, n), format_interval(lo, hi, n), f"{int(n):,}", f"{s:.0%}"]
            for r, lo, hi, n, s in zip(
                est,
                rows[f"ci_lower_{sfx}"],
                rows[f"ci_upper_{sfx}"],
                rows["n"],
                rows["shrinkage"],
                strict=True,
            )
        ],
        hovertemplate=(
            "<b>%{y}</b><br>shrunken rate %{customdata[0]} "
            f"({base.level_text(settings)} interval %{{customdata[1]}})<br>"
            "%{customdata[2]} courses with follow-up · pulled %{customdata[3]} "
            "of the way to the clinic rate<extra></extra>"
        ),
    )
    if len(rows):
        fig.add_vline(x=float(rows["prior_mean"].iloc[0]), line=base.TARGET_LINE)
    fig.update_layout(
        xaxis=base.percent_axis("Responder rate"),
        yaxis=dict(
            title="Provider", type="category", categoryorder="array", categoryarray=labels[::-1]
        ),
    )
    return base.base_layout(
        fig,
        title,
        f"Hierarchical beta-binomial · {base.level_text(settings)} "
        "interval · dotted line = clinic rate",
        height=max(300, 150 + 38 * len(labels)),
    )
