"""How providers compare: funnel plots and shrunken rates (issue 3; methods.md section 4).

Funnel plots after Spiegelhalter (2005) with the overdispersion adjustment of Spiegelhalter
et al. (2012); limits are lines at the levels of the result (``FunnelResult.alert_level``,
``alarm_level``, from the settings), never colours. Every provider's point has the same
colour; in a provider's own view the peers are faint points with no name and no hover, where
the core put them (:func:`queries.analytics.providers.funnel_view`; :func:`peer_note`), the
provider a larger diamond. No ranks anywhere: the caterpillar plot lists providers by id.
Labels and hovers come from the frame passed in, after the gate: a count it hid reads
"hidden", never a number; sentences about providers without a point give no count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from dashboard.charts.rates import count_or_hidden, n_or_hidden
from queries.analytics.providers import MIN_PEERS, FunnelView
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


def _own_view(result: FunnelResult) -> bool:
    """Whether ``result`` is a provider's own view (its units hold the provider's row)."""
    units = result.units
    return "is_self" in units.columns and bool(units["is_self"].fillna(False).astype(bool).any())


def overdispersion_note(result: FunnelResult) -> str:
    """What the spread of the providers shows and whether the limits were widened for it
    (methods.md section 4): excess variation is stated only when phi > 1, with how much. In
    a provider's own view phi is given to one decimal and tau² not at all: exact values are
    sums over the peers' exact volumes (methods.md section 6)."""
    od = result.overdispersion
    if not np.isfinite(od.phi) or od.n_units < 2:
        return (
            "**Overdispersion:** not estimated (fewer than two providers with enough "
            f"courses): {result.limit_method}, not widened."
        )
    if _own_view(result):
        spread = "no more than chance" if od.phi <= 1 else f"about {od.phi:.1f} times chance"
        widened = "widened for it" if od.applied else "not widened"
        return (
            f"**Overdispersion:** the providers vary {spread} alone allows; the limits are "
            f"{widened}: {result.limit_method}."
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
    """The providers without a point of their own (methods.md section 4), by id for a
    director and none of their counts; in a provider's view, one calm sentence that their
    own point needs ``min_n`` courses, and why the peers are not drawn when they are not."""
    sentences = []
    if view.self_too_few:
        sentences.append(
            f"Not enough courses yet for a point of your own: it needs {min_n} eligible "
            "courses with follow-up."
        )
    elif not view.too_few.empty:
        names = ", ".join(str(u) for u in view.too_few["unit_id"])
        sentences.append(
            f"Not enough courses yet (fewer than {min_n} eligible courses with follow-up, "
            f"so no point of their own): {names}."
        )
    points = view.points  # units with enough courses whose point the gate hid
    lost = points.loc[points[["x", "y"]].isna().any(axis=1) & (points["flag"] != "too_few")]
    if len(lost) and lost["is_self"].astype(bool).any():
        sentences.append("Your own point is not drawn, so that no small count can be worked out.")
    elif names := ", ".join(sorted(str(u) for u in lost["unit_id"] if u)):
        sentences.append(f"Not drawn, so that no small count can be worked out: {names}.")
    if view.peers_withheld:
        sentences.append(
            f"Other providers are not drawn: with fewer than {MIN_PEERS} of them, the "
            "clinic's totals would give their numbers away."
        )
    return " ".join(sentences) or None


def peer_note(view: FunnelView) -> str | None:
    """How the unnamed peers of a provider's view are drawn (methods.md section 6), for the
    funnel's caption; None in a director's view or when no peer is drawn."""
    peers = view.points[~view.points["is_self"].astype(bool)]
    if not _own_view(view.result) or peers.empty:
        return None
    bands = ", ".join(dict.fromkeys(peers.sort_values("x")["volume_band"].astype(str)))
    if view.result.data_type == "PR":
        where, value = "at the middle of their volume band", "their rates to a whole percent"
    else:
        where = "at the expected responders of the middle of their volume band at the clinic's rate"
        value = "their O/E to 0.01"
    return (
        f"Other providers are unnamed and drawn {where} (here {bands} courses with "
        f"follow-up), {value}, so that no one's volume can be read off; your own point is "
        "exact."
    )


def _limits_text(lo: float, hi: float, percent: bool) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return "–"
    return f"{lo:.0%}–{hi:.0%}".replace("%", " %") if percent else f"{lo:.2f}–{hi:.2f}"


def _size(n: object) -> float:
    """The denominator a percentage's precision follows; 0 where the gate hid it."""
    return 0.0 if pd.isna(n) else float(n)


def _hover_rows(points: pd.DataFrame, result: FunnelResult, settings: Settings) -> list:
    """Each point's hover cells, from its row only (``n_followup`` and ``n_responders`` as the
    gate left them): id, courses, value, the limits at its x, its flag in words."""
    sfx = level_suffix(settings.confidence_level)
    alert, alarm = level_suffix(result.alert_level), level_suffix(result.alarm_level)
    words = flag_words(result)
    percent = result.data_type == "PR"
    rows = []
    for _, p in points.iterrows():
        n = _size(p["n_followup"])
        limits = (
            f"{base.percent_level(result.alert_level)} limits "
            f"{_limits_text(p[f'lower_{alert}'], p[f'upper_{alert}'], percent)}"
            f" · {base.percent_level(result.alarm_level)} limits "
            f"{_limits_text(p[f'lower_{alarm}'], p[f'upper_{alarm}'], percent)}"
        )
        rate = (
            f"responder rate {format_percent(p['rate'], n)} ({base.level_text(settings)} CI "
            f"{format_interval(p[f'rate_ci_lower_{sfx}'], p[f'rate_ci_upper_{sfx}'], n)})"
        )
        if percent:
            value = rate
        else:
            oe = "–" if pd.isna(p["oe_ratio"]) else f"{p['oe_ratio']:.2f}"
            value = (
                f"O/E {oe} ({count_or_hidden(p['n_responders'])} observed, "
                f"{p['expected']:.1f} expected) · adjusted rate "
                f"{format_percent(p['adjusted_rate'], n)}<br>crude {rate}"
            )
        flag = words.get(str(p["flag"]), "")
        rows.append([str(p["unit_id"]), count_or_hidden(p["n_followup"]), value, limits, flag])
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

    ``self_view``: a provider's own view; peers are faint points without names, hover or
    any value but their (coarsened) x and y, the x axis says where they are drawn.
    """
    result, curve = view.result, view.curve
    points = view.points[view.points["x"].notna() & view.points["y"].notna()]  # drawn ones
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
    peers_drawn = self_view and not points["is_self"].astype(bool).all()
    others = " · others at the middle of their volume band" if peers_drawn else ""
    if result.data_type == "PR":
        yaxis = base.percent_axis("Responder rate (complete case)")
        xaxis = dict(title=f"Courses with follow-up (eligible){others}", range=[0, right])
    else:
        alarm_upper = curve[f"upper_{level_suffix(result.alarm_level)}"]
        top = float(np.nanmax([points["y"].max(), alarm_upper.max(), OE_AXIS_FLOOR]))
        yaxis = dict(
            title="Observed / expected responders", range=[0, min(top, OE_AXIS_CAP) * 1.05]
        )
        xaxis = dict(title=f"Expected responders (case-mix model){others}", range=[0, right])
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


def _shrunk(rate: float, lower: float, upper: float, n: object, pulled: float) -> list[str]:
    """A caterpillar point's hover cells: rate, interval, courses (or "hidden"), pull."""
    size = _size(n)
    shown = [format_percent(rate, size), format_interval(lower, upper, size)]
    return [*shown, count_or_hidden(n), "–" if pd.isna(pulled) else f"{pulled:.0%}"]


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
        text=[n_or_hidden(n) for n in rows["n"]],
        textposition="top center",
        textfont=dict(size=10),
        cliponaxis=False,
        error_x=base.error_bars(
            rows[f"ci_upper_{sfx}"] - est, est - rows[f"ci_lower_{sfx}"], base.POINT["color"]
        ),
        customdata=base.per_row(
            rows, ["shrunken_rate", f"ci_lower_{sfx}", f"ci_upper_{sfx}", "n", "shrinkage"], _shrunk
        ),
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


# The Providers page's two funnels (methods.md section 4): title, subtitle, caption.
DIRECTOR_FUNNELS = (
    (
        "Responder rate by provider, crude",
        "Responder rate vs courses with follow-up",
        (
            "Each point is a provider: its complete-case responder rate (IMMPACT) against its "
            "courses with follow-up. Crude: a provider taking harder cases sits lower here. Inside "
            "the limits = consistent with the clinic rate (dotted) by chance. Limits: exact "
            "binomial, widened when the providers vary more than chance (note below)."
        ),
    ),
    (
        "Responders by provider, adjusted for case mix",
        "Observed / expected vs expected",
        (
            "Observed over expected responders (O/E), the expected count from a logistic model of "
            "the patients' case mix, never of the provider's own choices. 1 = as expected. "
            "Limits: exact, from the Poisson-binomial distribution of O given each course's "
            "predicted chance (variance Σp(1−p), not Poisson); widened when the providers "
            "vary more than chance (note below)."
        ),
    ),
)
