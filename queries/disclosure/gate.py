"""The one step every table and figure passes through on its way to a person or a file.

Pages, downloads and the CLI all call :func:`present`, so that the rules about what may be
shown (roles, small-cell suppression: methods.md section 6) live in one place and reach every
output at once. Today the policy selects and orders columns and formats numbers; the
suppression rule is a field of :class:`Policy` that later work switches on here, not in each
page or query.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from queries.analytics.rates import RATES_COLUMNS


@dataclass(frozen=True)
class Policy:
    """What the audience of an output may see.

    ``audience`` is "director" (every provider by id) or "provider" (own courses only);
    ``min_cell_size`` is the small-cell threshold of methods.md section 6 once enforced
    (``None`` = not applied yet; see README "Privacy").
    """

    audience: str = "director"
    min_cell_size: int | None = None


def present(frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str],
            policy: Policy = Policy()) -> pd.DataFrame:
    """Select (and optionally rename) ``columns`` of an analytics result for output.

    ``columns`` is a list of names kept as they are, or a mapping name -> label.
    """
    names = list(columns)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(f"cannot present missing columns: {', '.join(missing)}")
    out = frame.loc[:, names].copy()
    if isinstance(columns, Mapping):
        out = out.rename(columns=dict(columns))
    return out.reset_index(drop=True)


def rates_table(frame: pd.DataFrame, policy: Policy = Policy()) -> pd.DataFrame:
    """The ``rates`` CLI table: exactly the documented columns, rates as fractions 0..1."""
    return present(frame, RATES_COLUMNS, policy)


def providers_table(frame: pd.DataFrame, policy: Policy = Policy()) -> pd.DataFrame:
    """The ``providers`` CLI table: exactly the documented columns."""
    from queries.analytics.providers import PROVIDER_TABLE_COLUMNS

    return present(frame, PROVIDER_TABLE_COLUMNS, policy)


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
    return 1 if n >= 1000 else 0


def format_percent(rate: float, n: float) -> str:
    """'47 %' style text with the precision the denominator supports; '–' for no rate."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)) or pd.isna(rate):
        return "–"
    return f"{rate * 100:.{percent_decimals(n)}f} %"


def format_interval(lower: float, upper: float, n: float) -> str:
    if pd.isna(lower) or pd.isna(upper):
        return "–"
    d = percent_decimals(n)
    return f"{lower * 100:.{d}f}–{upper * 100:.{d}f} %"
