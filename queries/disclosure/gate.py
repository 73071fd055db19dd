"""The one gate every table, figure, sentence and download passes through.

Every result a page draws leaves the core through :func:`disclose` with the viewer's
:class:`Policy` (``dashboard.state.PageContext.run``), and every table, figure and download
the dashboard builds starts from :func:`present`, which passes its frame through the same
gate; the CLI presents its tables here too. The rules about what may be shown (roles, small
cells: methods.md section 6) therefore live in one place and reach every output at once:

- a frame a result declares subject to a small-cell rule (:mod:`queries.disclosure.
  small_cells`) is hidden with the policy's threshold; a frame that declares nothing gets
  :data:`UNDECLARED` (shown as it is today: the full rule of methods.md section 6, counts
  1..threshold-1 hidden everywhere with complementary suppression, is to be switched on
  there, in one place);
- for a provider's audience, no frame may name more than one provider (:func:`check_audience`:
  the core masks the peers, the gate refuses a frame that would give one away).
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
from queries.disclosure.small_cells import Rule, ShowAll, declared_rule

DIRECTOR, PROVIDER = ROLES
UNDECLARED: Rule = ShowAll()  # the rule of every frame that declares none
ID_COLUMNS = ("provider_id", "unit_id")  # columns that name providers (blank = a masked peer)
LARGE_N = 1000  # from this many cases a percentage gets one decimal

Result = TypeVar("Result")


class PeerIdentified(RuntimeError):
    """A frame for a provider's audience names another provider (a bug in the core)."""


@dataclass(frozen=True)
class Policy:
    """What the audience of an output may see (methods.md section 6).

    ``audience``: "director" (every provider by id) or "provider" (their own courses and the
    clinic as a whole; :func:`disclose` refuses a frame naming any other provider);
    ``min_cell_size``: the small-cell threshold applied to the frames a result declares
    subject to hiding (1 = nothing hidden).
    """

    audience: str = DIRECTOR
    min_cell_size: int = Settings.min_cell_size

    def __post_init__(self) -> None:
        if self.audience not in ROLES:
            raise ValueError(f"no audience {self.audience!r}; use one of {', '.join(ROLES)}")
        if self.min_cell_size < 1:
            raise ValueError("the small-cell threshold is at least 1 (1 = off)")

    @classmethod
    def for_audience(cls, audience: str, settings: Settings) -> Policy:
        """The policy of ``audience`` with the settings' small-cell threshold."""
        return cls(audience=audience, min_cell_size=settings.min_cell_size)


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
    return (rule or UNDECLARED).apply(frame, policy.min_cell_size)


def _sentence(text: str, policy: Policy) -> str:
    """A sentence of the core (a finding): shown as it is (no count in it is small-cell
    checked yet; the full rule of methods.md section 6 adds that here)."""
    return text


def _fields(result: Any, policy: Policy) -> Any:
    """A dataclass result with each field disclosed (its declared rule for frames); the same
    object when nothing changed."""
    changes = {}
    for f in dataclasses.fields(result):
        if not f.init:
            continue
        value = getattr(result, f.name)
        shown = _disclose(value, policy, declared_rule(f.metadata))
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

    A frame goes through ``rule`` (the rule its result declares for it, else
    :data:`UNDECLARED`) with the policy's threshold; a dataclass has each field disclosed;
    a sentence (str) and plain tuples of them are checked; anything else (counts, intervals)
    passes as it is. Raises :class:`~queries.core.errors.InsufficientData` when a declared
    rule leaves nothing to show, :class:`PeerIdentified` when a frame would name a peer.
    """
    return cast(Result, _disclose(result, policy, rule))


def present(
    frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str], policy: Policy
) -> pd.DataFrame:
    """``frame`` through the gate, then ``columns`` of it selected (and optionally renamed)
    for output: what every table, figure and download starts from.

    ``columns`` is a list of names kept as they are, or a mapping name -> label.
    """
    names = list(columns)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(f"cannot present missing columns: {', '.join(missing)}")
    out = disclose(frame, policy).loc[:, names].copy()
    if isinstance(columns, Mapping):
        out = out.rename(columns=dict(columns))
    return out.reset_index(drop=True)


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes of a presented table (empty cell where a rate has no denominator)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.6g", lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def to_json(frame: pd.DataFrame) -> str:
    """JSON records of a presented table (null where a rate has no denominator)."""
    return frame.to_json(orient="records", double_precision=6, indent=1)


def percent_decimals(n: float) -> int:
    """Decimals a percentage of ``n`` cases supports: none below 1,000 cases, else one."""
    return 1 if n >= LARGE_N else 0


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
