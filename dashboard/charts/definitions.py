"""The words around the responder-definition switch of Patterns and the day-21 landmark view:
the switch's choices, each definition in a sentence, the titles, captions and table columns
(methods.md section 1: IMMPACT, ODI, OMERACT-OARSI; section 2: the landmark view). The
figures themselves are :func:`dashboard.charts.rates.rate_chart` and ``rate_heatmap``, told
which definition they draw.
"""

from __future__ import annotations

from dashboard.charts.rates import rate_chart_title, rate_columns
from queries.analytics.landmark import Landmark
from queries.core import responders
from queries.core.factors import factor
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, count_text

SHORT_NAMES = {
    responders.IMMPACT: "IMMPACT",
    responders.ODI: "ODI",
    responders.OMERACT_OARSI: "OMERACT-OARSI",
}
PRIMARY_LABEL = "NRS pain (IMMPACT)"
# The switch: label (what the page address holds, ?definition=ODI) -> definition key.
DEFINITION_CHOICES: dict[str, str] = {
    PRIMARY_LABEL: responders.IMMPACT,
    **{SHORT_NAMES[d.key]: d.key for d in responders.SECONDARY},
}
# Columns of the primary's tables that a secondary definition does not have.
PRIMARY_ONLY_COLUMNS = ("n_substantial_responders", "substantial_rate")


def short_name(definition: str) -> str:
    """How a chart's subtitle names the definition: IMMPACT, ODI, OMERACT-OARSI."""
    return SHORT_NAMES[definition]


def definition_caption(definition: str, settings: Settings) -> str:
    """A secondary definition in one sentence (the primary's is
    :func:`dashboard.widgets.responder_definition`)."""
    d = responders.secondary(definition)
    w = settings.window()
    return (
        f"Responder ({d.label}): {d.rule}, at the {w.name} follow-up (day "
        f"{w.first_day}–{w.last_day}, the value nearest day {w.target_day}); eligible = "
        f"{d.eligible}. Only the courses measured with it ({', '.join(d.instruments)}) are "
        "counted. Complete case counts the courses with a follow-up value; ITT counts a "
        "missing follow-up as no response (a lower bound). A secondary definition: NRS pain "
        "(IMMPACT) is the primary."
    )


def rate_title(by: str, definition: str) -> str:
    """The one-way chart's title: the primary's as it is, a secondary's naming it."""
    title = rate_chart_title(by)
    return title if definition == responders.IMMPACT else f"{title} ({short_name(definition)})"


def heatmap_title(rows: str, cols: str, definition: str) -> str | None:
    """A secondary heat map's title naming its definition (None: the primary's own title)."""
    if definition == responders.IMMPACT:
        return None
    return f"Responders by {factor(rows).words} × {factor(cols).words} ({short_name(definition)})"


def _columns(settings: Settings, definition: str, substantial: bool = True) -> dict[str, str]:
    """The rate columns of a table by ``definition``: the primary's (with substantial
    responders where ``substantial``), or a secondary's (none; "low baseline" meaning no
    room to improve)."""
    columns = rate_columns(settings)
    if definition != responders.IMMPACT:
        columns["n_low_baseline"] = "Low baseline (no room to improve)"
    if definition != responders.IMMPACT or not substantial:
        columns = {k: v for k, v in columns.items() if k not in PRIMARY_ONLY_COLUMNS}
    return columns


def table_columns(by: str, definition: str, settings: Settings) -> dict[str, str]:
    """Columns (name -> label) of a one-way table by ``definition``."""
    return {"group": factor(by).label, **_columns(settings, definition)}


def table_2d_columns(rows: str, cols: str, definition: str, settings: Settings) -> dict[str, str]:
    """Columns of a two-way table by ``definition``."""
    return {
        "row_group": factor(rows).label,
        "col_group": factor(cols).label,
        **_columns(settings, definition),
    }


# --- the landmark view (methods.md section 2) ---------------------------------------------


def landmark_title(landmark: Landmark) -> str:
    return f"Responders by sessions reached by day {landmark.landmark_day} (landmark)"


def landmark_caption(landmark: Landmark, policy: Policy | None = None) -> str:
    """How to read the landmark view, which definition it uses and what it leaves out (how
    many through ``policy``: a count under its threshold reads "fewer than N")."""
    day = landmark.landmark_day
    left = landmark.n_eligible_left_out
    shown = f"{left:,}" if policy is None else count_text(left, policy)
    one = shown == "1"
    left_out = (
        f"{shown} eligible course{'' if one else 's'} no longer in care by then "
        f"{'is' if one else 'are'} left out."
        if left
        else "No eligible course was lost before then."
    )
    return (
        f"Landmark view (methods.md section 2), responder rate ({short_name(landmark.definition)}"
        f"): only the eligible courses still in care on day {day} (a session or an assessment "
        f"on or after it), by the sessions given on day 0–{day} against planned. {left_out} "
        "It sets aside the courses whose quitting was itself an early result; still "
        "descriptive: who stays in care differs."
    )


def landmark_columns(landmark: Landmark, settings: Settings) -> dict[str, str]:
    """Columns of the landmark table: the adherence reached, then the rate columns."""
    return {
        "group": f"Sessions by day {landmark.landmark_day} vs planned",
        **_columns(settings, landmark.definition, substantial=False),
    }
