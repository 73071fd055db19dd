"""The one gate every table, figure, sentence and download passes through.

Every result a page draws leaves the core through :func:`disclose` with the viewer's
:class:`Policy` (``dashboard.state.PageContext.run``), and every table, figure and download
the dashboard builds starts from :func:`present`, which passes its frame through the same
gate; the CLI presents its tables here too. The rules about what may be shown (roles, small
cells: methods.md section 6) therefore live in one place and reach every output at once:

- every frame gets the full small-cell rule (:func:`queries.disclosure.cells.suppress`):
  counts 1..threshold-1 hidden in every count column, rates only where the denominator
  reaches the threshold and the numerator is shown, complementary suppression against
  totals, differences within a row and the other cells of a column, shown counts rounded
  to ``Policy.round_to``. A frame a result declares subject to a rule of its own
  (:mod:`queries.disclosure.small_cells`: whole groups or rows) gets that rule first; a
  frame that is not data about people (a funnel's limit curve, :data:`EXEMPT`) passes;
- every sentence of a result (a str field, a tuple of them) goes through :func:`redact`;
- for a provider's audience, no frame may name more than one provider (:func:`check_audience`:
  the core masks the peers, the gate refuses a frame that would give one away).

A threshold of 1 (``OUTCOMES_MIN_CELL=1``) turns the cell rule and :func:`redact` off: frames
and sentences come back as they are (a declared rule still adds its ``is_hidden`` column).

What the dashboard uses:

- ``frame.attrs["disclosure_note"]`` (:data:`NOTE`), read with :func:`hidden_note`: one calm
  sentence saying what was hidden ("Counts under 11 are hidden (4 cells), and 2 more so
  that they cannot be worked out from the totals or the other counts."), None when nothing
  was; every table showing a gated frame shows it. ``frame.attrs["disclosure"]`` holds the
  numbers (threshold, rounding, cells hidden). A hidden cell is missing (NA).
- :func:`redact` for every sentence the dashboard builds with a count in it;
  :func:`count_text`, :func:`shown_count` and :func:`rate_shown` for single numbers
  (metrics, captions): the same rule for one count or one rate.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pandas as pd

from queries.core.settings import ROLES, Settings
from queries.disclosure.cells import ATTRS_NOTE, ATTRS_SUMMARY, suppress
from queries.disclosure.small_cells import Rule, ShowAll, declared_rule
from queries.disclosure.text import redact_counts, rounded_count

DIRECTOR, PROVIDER = ROLES
NOTE = ATTRS_NOTE  # frame.attrs key of the sentence saying what the gate hid
SUMMARY = ATTRS_SUMMARY  # frame.attrs key of what the gate did (threshold, cells hidden)
ID_COLUMNS = ("provider_id", "unit_id")  # columns that name providers (blank = a masked peer)
LARGE_N = 1000  # from this many cases a percentage gets one decimal
# Frames of results that are not data about people: (result class, field) -> passes as it is.
EXEMPT = frozenset({("FunnelView", "curve")})  # the limit curve: a grid of volumes, not data

Result = TypeVar("Result")


class PeerIdentified(RuntimeError):
    """A frame for a provider's audience names another provider (a bug in the core)."""


@dataclass(frozen=True)
class Policy:
    """What the audience of an output may see (methods.md section 6).

    ``audience``: "director" (every provider by id) or "provider" (their own courses and the
    clinic as a whole; :func:`disclose` refuses a frame naming any other provider);
    ``min_cell_size``: the small-cell threshold (1 = nothing hidden); ``round_to``: shown
    counts rounded to a multiple of this (1 = not rounded; 5 = OpenSAFELY's rule).
    """

    audience: str = DIRECTOR
    min_cell_size: int = Settings.min_cell_size
    round_to: int = Settings.round_to

    def __post_init__(self) -> None:
        if self.audience not in ROLES:
            raise ValueError(f"no audience {self.audience!r}; use one of {', '.join(ROLES)}")
        if self.min_cell_size < 1:
            raise ValueError("the small-cell threshold is at least 1 (1 = off)")
        if self.round_to < 1:
            raise ValueError("counts are rounded to a multiple of at least 1 (1 = off)")

    @classmethod
    def for_audience(cls, audience: str, settings: Settings) -> Policy:
        """The policy of ``audience`` with the settings' threshold and rounding."""
        return cls(
            audience=audience, min_cell_size=settings.min_cell_size, round_to=settings.round_to
        )


def check_audience(frame: pd.DataFrame, policy: Policy) -> None:
    """Refuse a frame that names more than one provider to a provider's audience."""
    if policy.audience != PROVIDER:
        return
    for column in ID_COLUMNS:
        if column in frame.columns:
            named = set(frame[column].dropna().astype(str)) - {""}
            if len(named) > 1:
                raise PeerIdentified(
                    f"column {column} names {len(named)} providers in a provider's view"
                )


def _table(frame: pd.DataFrame, rule: Rule | None, policy: Policy) -> pd.DataFrame:
    check_audience(frame, policy)
    if isinstance(rule, ShowAll):
        return frame
    declared = rule.apply(frame, policy.min_cell_size) if rule is not None else frame
    # the true counts of the cells a declared rule hid, unless the rule rewrites the counts
    # it shows (SurvivalSteps rounds them): then its output is the truth there is
    rewrites = getattr(rule, "rewrites_counts", False)
    truth = frame if declared is not frame and not rewrites else None
    return suppress(declared, policy.min_cell_size, policy.round_to, truth=truth)


def redact(text: str, policy: Policy) -> str:
    """``text`` with every count from 1 to threshold-1 replaced by "fewer than N" (N the
    threshold) and the other counts rounded as the policy rounds (:mod:`queries.disclosure.
    text` says what counts as a count); unchanged for a threshold of 1."""
    return redact_counts(text, policy.min_cell_size, policy.round_to)


def _sentence(text: str, policy: Policy) -> str:
    """A sentence of the core (a finding), its counts redacted; the same object when none is."""
    shown = redact(text, policy)
    return text if shown == text else shown


def hidden_note(frame: pd.DataFrame) -> str | None:
    """The sentence saying what the gate hid in ``frame`` (``frame.attrs["disclosure_note"]``),
    or None when it hid nothing."""
    note = frame.attrs.get(NOTE)
    return note if isinstance(note, str) and note else None


def shown_count(n: int | float | None, policy: Policy) -> int | None:
    """One count as the policy shows it: None when hidden (1..threshold-1) or missing, else
    rounded like a table's counts."""
    if n is None or (isinstance(n, float) and math.isnan(n)) or pd.isna(n):
        return None
    value = int(n)
    if policy.min_cell_size > 1 and 1 <= value < policy.min_cell_size:
        return None
    if policy.min_cell_size <= 1:
        return value
    return rounded_count(value, policy.min_cell_size, policy.round_to)


def count_text(n: int | float | None, policy: Policy) -> str:
    """One count as text: '1,240', 'fewer than 11' when hidden, '–' when missing."""
    if n is None or pd.isna(n):
        return "–"
    shown = shown_count(n, policy)
    return f"fewer than {policy.min_cell_size}" if shown is None else f"{shown:,}"


def rate_shown(
    numerator: int | float | None, denominator: int | float | None, policy: Policy
) -> bool:
    """Whether a rate of ``numerator`` / ``denominator`` may be shown: the denominator
    reaches the threshold and neither the numerator nor the rest (denominator - numerator)
    is a count from 1 to threshold-1 (methods.md section 6)."""
    t = policy.min_cell_size
    if t <= 1:
        return True
    if denominator is None or pd.isna(denominator) or denominator < t:
        return False
    if numerator is None or pd.isna(numerator):
        return True
    return not any(1 <= v < t for v in (numerator, denominator - numerator))


def _fields(result: Any, policy: Policy) -> Any:
    """A dataclass result with each field disclosed (its declared rule for frames); the same
    object when nothing changed."""
    changes = {}
    kind = type(result).__name__
    for f in dataclasses.fields(result):
        if not f.init:
            continue
        value = getattr(result, f.name)
        rule = ShowAll() if (kind, f.name) in EXEMPT else declared_rule(f.metadata)
        shown = _disclose(value, policy, rule)
        if shown is not value:
            changes[f.name] = shown
    return dataclasses.replace(result, **changes) if changes else result


def _disclose(value: Any, policy: Policy, rule: Rule | None) -> Any:
    if isinstance(value, pd.DataFrame):
        return _table(value, rule, policy)
    if isinstance(value, str):
        return _sentence(value, policy)
    if type(value) is tuple:  # a plain tuple (of sentences), not a named result
        items = tuple(_disclose(item, policy, None) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value, policy)
    return value


def disclose(result: Result, policy: Policy, rule: Rule | None = None) -> Result:
    """``result`` as the audience of ``policy`` may see it: the one gate of every output.

    A frame goes through ``rule`` (the rule its result declares for it, if any) and then the
    full small-cell rule with the policy's threshold and rounding
    (:func:`queries.disclosure.cells.suppress`); a dataclass has each field disclosed; a
    sentence (str) and plain tuples of them have their counts redacted (:func:`redact`);
    anything else (single counts, intervals) passes as it is: :func:`count_text` and
    :func:`rate_shown` show those. Raises :class:`~queries.core.errors.InsufficientData` when
    a declared rule leaves nothing to show, :class:`PeerIdentified` when a frame would name
    a peer.
    """
    return cast(Result, _disclose(result, policy, rule))


def present(
    frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str], policy: Policy
) -> pd.DataFrame:
    """``frame`` through the gate, then ``columns`` of it selected (and optionally renamed)
    for output: what every table, figure and download starts from. The note of what was
    hidden (:func:`hidden_note`) stays with the presented frame.

    ``columns`` is a list of names kept as they are, or a mapping name -> label.
    """
    names = list(columns)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(f"cannot present missing columns: {', '.join(missing)}")
    gated = disclose(frame, policy)
    out = gated.loc[:, names].copy()
    if isinstance(columns, Mapping):
        out = out.rename(columns=dict(columns))
    out = out.reset_index(drop=True)
    out.attrs = dict(gated.attrs)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes of a presented table (empty cell where a rate has no denominator)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.6g", lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def to_json(frame: pd.DataFrame) -> str:
    """JSON records of a presented table (null where a rate has no denominator)."""
    return frame.to_json(orient="records", double_precision=6, indent=1)


def percent_decimals(n: float) -> int:
    """Decimals a percentage of ``n`` cases supports: none below 1,000 cases, else one (none
    when ``n`` is hidden by the gate, NA: a hidden count is a small one)."""
    return 1 if pd.notna(n) and n >= LARGE_N else 0


def format_percent(rate: float, n: float) -> str:
    """'47 %' style text with the precision the denominator supports; '–' for no rate."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)) or pd.isna(rate):
        return "–"
    return f"{rate * 100:.{percent_decimals(n)}f} %"


def format_interval(lower: float, upper: float, n: float) -> str:
    """'41–53 %' style text of an interval with the precision of ``n``; '–' for none."""
    if pd.isna(lower) or pd.isna(upper):
        return "–"
    d = percent_decimals(n)
    return f"{lower * 100:.{d}f}–{upper * 100:.{d}f} %"
