"""The small-cell rules :mod:`ozone_testkit.leaks` checks (methods.md section 6): what is a
count, in a sentence, a column label or an axis title, and what gives one away.

- **In a sentence** a number is a count when a count word follows it ("8 courses", "3
  non-responders", "12 eligible", "5 at risk"), when it is an n ("n = 8", "prov_06 (8)",
  "Courses: 8") or a part of a whole ("8 of 12", "5 responders of 9 eligible"). A number is
  not a count inside a range ("2–3 sessions", "day 56–112"), as a decimal or a percentage
  ("62.5 %"), after a unit or a scale ("day 21", "week 3", "KL 3", "≥ 2 points", "fewer than
  11", "OR = 2"), or before a unit ("12 weeks", "1 point").
- **In a table** a count is a cell of a count column (by its label: "Courses", "With
  follow-up", "n_responders", "At risk", "Escalated"...), except in a list of single courses
  (a table with a Course column: its numbers are a course's, not counts of courses).
- **Derived**: a rate shown with a shown count that is its denominator (rate x n, or
  n - rate x n, in 1..threshold - 1; exact in a table or chart, within the rounding of the
  percentage in a sentence), and two shown counts that nest (courses ⊇ eligible ⊇ follow-up
  ⊇ responders; "8 of 12") whose difference is in 1..threshold - 1.
- **A rate of a hidden n**: a rate shown where its denominator is hidden ("67 % · fewer than
  11 of fewer than 11 eligible"; a rate cell whose row hides its denominator column): a rate
  only where its denominator reaches the threshold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ozone_testkit.leaks import Item

Leak = tuple[str, str, str]  # check, detail, text
SMALL, DERIVED, RATE = "small count", "derived count", "rate of a hidden n"
NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_NUM = re.compile(rf"(?<![\w.,/–\-−])({NUMBER})(?![\w]|[.,/]\d|\s?%|\s?[–\-]\s?\d)")
_NOT_BEFORE = re.compile(
    r"(?:\b(?:day|days|week|weeks|wk|month|months|year|years|kl|grade|section|version|step|"
    r"tenth|course|session|quarter|or|p|than|under|least|most|over|below|above|top|age)"
    r"\s*[=:]?\s*|[≥≤<>#+×]\s*)$",
    re.I,
)
_N_BEFORE = re.compile(r"\bn\s*=\s*$", re.I)
_HIDDEN_WHOLE = re.compile(  # a denominator the gate hid: "of fewer than 11", "n = fewer than"
    r"\bof\s+(?:fewer than|under)\s+\d|\bn\s*=\s*(?:fewer than|under)\s+\d", re.I
)
_OF_BEFORE = re.compile(r"\bof\s+$", re.I)  # "hidden responders of 12 eligible": a whole
_THRESHOLD_BEFORE = re.compile(r"(?:\b(?:than|under|least|most|over|below|above)|[≥≤<>])\s*$", re.I)
_NOUN_BEFORE = re.compile(
    r"\b(courses|patients|responders|non-responders|eligible|events|at risk|follow-up|flares|"
    r"cases)\s*[:=]\s*$",
    re.I,
)
_PAREN_BEFORE = re.compile(r"[\w)]\s*\($")
_OF_AFTER = re.compile(rf"^\s+(?:([a-z-]+)\s+)?of\s+({NUMBER})(?![\w.,]\d|\s?%)", re.I)
_PHRASE = re.compile(r"^[^\d·,;:()\[\]|/<>=\n]*")
_PERCENT = re.compile(r"(?<![\w.,–\-−])(\d+)(?:\.(\d+))?\s?%")
_PERCENT_NOT_AFTER = re.compile(
    r"^\s*(?:CI\b|interval|level|confidence|limits?\b|[–\-]|to\s+\d)", re.I
)
_PERCENT_NOT_BEFORE = re.compile(
    r"(?:[–\-]\s?|[≥≤<>]\s*|\b(?:at least|by|than|over|under|above|below|to)\s*)$", re.I
)
NON_COUNT_WORDS = {
    "week",
    "weeks",
    "day",
    "days",
    "month",
    "months",
    "year",
    "years",
    "point",
    "points",
    "provider",
    "providers",
    "site",
    "sites",
    "factor",
    "factors",
    "level",
    "levels",
    "quarter",
    "quarters",
    "times",
    "tenths",
}
PHRASE_KINDS = (
    ("nonresponders", r"\bnon-?responders?\b"),
    ("substantial", r"\bsubstantial\b"),
    ("responders", r"\bresponders?\b"),
    ("followup", r"\bfollow-?up\b|\bfollowed\b"),
    ("eligible", r"\beligible\b"),
    ("at_risk", r"\bat risk\b"),
    ("events", r"\bevents?\b"),
    ("flares", r"\bflares?\b"),
    ("patients", r"\bpatients?\b"),
    ("courses", r"\bcourses?\b|\bcases?\b"),
    ("sessions", r"\bsessions?\b"),
)
LABEL_KINDS = (
    (
        None,
        r"\brate\b|completeness|\bshare\b|proportion|%|ratio|\bo/e\b|expected|threshold|"
        r"\bci\b|interval|still a responder|\bkm\b|incidence|\bmean\b|median|\(days\)|"
        r"^horizon|\balerts?\b|\balarms?\b|signal|\brows\b|per 100|per course|\bday\b|\bweek",
    ),
    ("nonresponders", r"non-?responders?"),
    ("substantial", r"substantial"),
    ("responders", r"responders?"),
    ("stopped", r"\bquit\b|stopped"),
    ("followup", r"follow-?up|followed"),
    ("eligible", r"eligible"),
    ("at_risk", r"at risk"),
    ("events", r"\bevents?\b|responses lost|censored"),
    ("escalated", r"escalated"),
    ("flares", r"\bflares\b|^n flare$"),
    ("patients", r"\bpatients\b"),
    ("courses", r"\bcourses\b|no baseline|low baseline|not yet due|^n$"),
)
NESTS = {  # a count of the outer kind holds the counts of these kinds
    "courses": {"eligible", "followup", "responders", "substantial", "nonresponders", "escalated"},
    "eligible": {"followup", "responders", "substantial", "nonresponders"},
    "followup": {"responders", "substantial", "nonresponders"},
    "responders": {"substantial"},
    "flares": {"stopped"},
}
DENOMINATOR_KINDS = {"courses", "eligible", "followup", "flares", "at_risk", "n"}
RATE_DENOMINATORS = (  # a rate column by its label -> the kind of its denominator
    (r"itt|completeness", "eligible"),
    (r"complete case|substantial|crude", "followup"),
    (r"after a flare", "flares"),
    (r"without a flare|share", "courses"),
)
RATE_LABEL = re.compile(r"\brate\b|completeness|\bshare\b", re.I)
RECORD_COLUMNS = {"course", "course id", "course_id"}  # a list of single courses


@dataclass(frozen=True)
class Count:
    """A count read in a sentence: its value, its kind, (for the N of "N of M") the whole M,
    and whether it is stated as a denominator (the M of "N of M", "n = 8", "(8)")."""

    value: int
    kind: str
    whole: int | None = None
    denominator: bool = False


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def normalise(text: str) -> str:
    """A sentence as read: no markdown emphasis or code marks, plain spaces."""
    text = re.sub(r"[*`]", "", str(text))
    return re.sub(r"[\u00a0\u202f\u2009]", " ", text)


def _phrase_kind(after: str) -> str | None:
    words = _PHRASE.match(after).group(0).split()  # type: ignore[union-attr]
    if not words or words[0].lower() in NON_COUNT_WORDS:
        return None
    near, wider = " ".join(words[:3]).lower(), " ".join(words[:4]).lower()
    if not any(re.search(pattern, near) for _, pattern in PHRASE_KINDS):
        return None
    return next(kind for kind, pattern in PHRASE_KINDS if re.search(pattern, wider))


def count_kind(label: str) -> str | None:
    """The kind of count a column label or axis title names, or None (not a count)."""
    text = str(label).replace("_", " ").strip().lower()
    for kind, pattern in LABEL_KINDS:
        if re.search(pattern, text):
            return kind
    return None


def text_counts(text: str) -> list[Count]:
    """The counts a sentence states (module doc)."""
    text = normalise(text)
    found: list[Count] = []
    taken_until = -1
    for match in _NUM.finditer(text):
        start, end = match.span(1)
        if start < taken_until:
            continue
        before, after = text[:start], text[end:]
        value = _int(match.group(1))
        if (n_of := _OF_AFTER.match(after)) is not None:
            whole, whole_kind = _int(n_of.group(2)), _phrase_kind(after[n_of.end() :])
            rest = _PHRASE.match(after[n_of.end() :]).group(0).split()  # type: ignore[union-attr]
            counted = whole_kind is not None or not rest  # "8 of 12 eligible", "5 of 12" alone
            taken_until = end + n_of.end()
            if _NOT_BEFORE.search(before):  # "session 2 of 4"; "fewer than 11 of 12 eligible"
                if counted and _THRESHOLD_BEFORE.search(before):
                    found.append(Count(whole, whole_kind or "n", denominator=True))
                continue
            if counted:
                part = _phrase_kind(f" {n_of.group(1)}") if n_of.group(1) else None
                found.append(Count(value, part or "part", whole))
                found.append(Count(whole, whole_kind or "n", denominator=True))
                continue
            taken_until = -1
        if _N_BEFORE.search(before) or (_PAREN_BEFORE.search(before) and after.startswith(")")):
            found.append(Count(value, _phrase_kind(after) or "n", denominator=True))
        elif noun := _NOUN_BEFORE.search(before):
            found.append(Count(value, _phrase_kind(f" {noun.group(1)}") or "n"))
        elif not _NOT_BEFORE.search(before) and (kind := _phrase_kind(after)) is not None:
            found.append(Count(value, kind, denominator=_OF_BEFORE.search(before) is not None))
    return found


def text_percents(text: str) -> list[tuple[float, int]]:
    """The rates a sentence states, as (percent, decimals); not a confidence level, a range's
    end, or a threshold ("≥ 30 %")."""
    text = normalise(text)
    found = []
    for match in _PERCENT.finditer(text):
        if _PERCENT_NOT_AFTER.match(text[match.end() :]) or _PERCENT_NOT_BEFORE.search(
            text[: match.start()]
        ):
            continue
        decimals = match.group(2) or ""
        found.append((float(f"{match.group(1)}.{decimals or 0}"), len(decimals)))
    return found


def _small(value: float, threshold: int) -> bool:
    return 1 <= value < threshold


def _possible(percent: float, decimals: int, n: int) -> list[int]:
    """The counts k of n that a percentage written with ``decimals`` decimals may stand for."""
    half = 0.5 * 10**-decimals
    low, high = (percent - half) / 100 * n, (percent + half) / 100 * n
    return list(range(max(0, math.ceil(low - 1e-9)), min(n, math.floor(high + 1e-9)) + 1))


def _nested(shown: list[tuple[str, float]], threshold: int) -> Iterator[str]:
    """Pairs of shown counts that nest and differ by 1..threshold - 1."""
    for outer_kind, outer in shown:
        for inner_kind, inner in shown:
            if inner_kind in NESTS.get(outer_kind, ()) and _small(outer - inner, threshold):
                yield f"{outer_kind} {outer:g} − {inner_kind} {inner:g} = {outer - inner:g}"


def _exact(rate: float, n: float, threshold: int, tolerance: float) -> str | None:
    """A rate (a fraction, as drawn or stored) times its denominator n, when that is a count
    (or the rest of n) in 1..threshold - 1."""
    k = rate * n
    if not (0 <= rate <= 1) or abs(k - round(k)) > tolerance * max(n, 1):
        return None
    for part, what in ((round(k), "rate × n"), (n - round(k), "n − rate × n")):
        if _small(part, threshold):
            return f"{what} = {part:g} (rate {rate:.4g}, n {n:g})"
    return None


def text_leaks(text: str, threshold: int) -> Iterator[Leak]:
    """Small and derived counts of one sentence (module doc)."""
    counts = text_counts(text)
    for c in counts:
        if _small(c.value, threshold):
            yield SMALL, f"{c.value} ({c.kind})", text
        elif c.whole is not None and c.whole >= threshold and _small(c.whole - c.value, threshold):
            yield DERIVED, f"{c.whole} − {c.value} = {c.whole - c.value} (the rest)", text
    shown = [c for c in counts if c.value >= threshold]
    percents = text_percents(text)
    if percents and _HIDDEN_WHOLE.search(normalise(text)):
        yield RATE, f"{percents[0][0]:g} % shown with its n hidden", text
    for percent, decimals in percents:
        for c in (c for c in shown if c.denominator):
            ks = _possible(percent, decimals, c.value)
            for parts, what in ((ks, "rate × n"), ([c.value - k for k in ks], "n − rate × n")):
                if parts and all(_small(k, threshold) for k in parts):
                    yield DERIVED, f"{percent:g} % of {c.value}: {what} in {parts}", text
    for detail in _nested([(c.kind, c.value) for c in shown if c.whole is None], threshold):
        yield DERIVED, detail, text


def _rate_denominator(label: str) -> set[str]:
    """The kinds of count a rate column's denominator may be (all when its label says not)."""
    text = label.replace("_", " ").lower()
    named = {kind for pattern, kind in RATE_DENOMINATORS if re.search(pattern, text)}
    return named or DENOMINATOR_KINDS


def _row_names(frame: pd.DataFrame) -> list[str]:
    """Each row by its labels (the text columns: the group, the provider)."""
    labels = [c for c in frame.columns if _is_text(frame[c])][:2]
    cells = frame[labels].astype(str).to_numpy()
    return [", ".join(f"{c}={v}" for c, v in zip(labels, row, strict=True)) for row in cells]


def _is_text(column: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def frame_leaks(frame: pd.DataFrame, threshold: int, tolerance: float = 1e-5) -> Iterator[Leak]:
    """Small and derived counts of one table (module doc); string cells read as sentences."""
    for column in frame.columns:
        if _is_text(frame[column]):
            for cell in frame[column].dropna().astype(str).unique():
                yield from text_leaks(cell, threshold)
    if {str(c).strip().lower() for c in frame.columns} & RECORD_COLUMNS:
        return
    kinds = {c: kind for c in frame.columns if (kind := count_kind(str(c))) is not None}
    rates = [c for c in frame.columns if RATE_LABEL.search(str(c).replace("_", " "))]
    columns = {
        c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=float("nan"))
        for c in [*kinds, *rates]
    }
    names = _row_names(frame)
    for i in range(len(frame)):
        row = names[i] or f"row {i}"
        shown = []
        for column, kind in kinds.items():
            value = columns[column][i]
            if math.isnan(value) or not float(value).is_integer():
                continue
            if _small(value, threshold):
                yield SMALL, f"{column} = {value:g}", row
            shown.append((kind, float(value)))
        for rate in rates:
            value = columns[rate][i]
            over = _rate_denominator(str(rate))
            hidden = [c for c, k in kinds.items() if k in over and math.isnan(columns[c][i])]
            if not math.isnan(value) and hidden and not any(k in over for k, _ in shown):
                yield RATE, f"{rate} shown, its n ({hidden[0]}) hidden", row
            for kind, n in shown if not math.isnan(value) else ():
                if kind not in over:
                    continue
                why = _exact(float(value), n, threshold, tolerance) if n >= threshold else None
                if why is not None:
                    yield DERIVED, f"{rate} with a {kind} count: {why}", row
        big = [(kind, n) for kind, n in shown if n >= threshold]
        for detail in _nested(big, threshold):
            yield DERIVED, detail, row


def item_leaks(item: Item, threshold: int) -> Iterator[Leak]:
    """Every small or derived count of one item."""
    yield from text_leaks(item.text, threshold)
    if item.frame is not None:
        yield from frame_leaks(item.frame, threshold)
    for label, value in item.counts:
        if float(value).is_integer() and _small(value, threshold):
            yield SMALL, f"{label}: {value:g}", item.text
    denominators = [
        v
        for label, v in item.counts
        if float(v).is_integer() and v >= threshold and count_kind(label) in DENOMINATOR_KINDS
    ]
    denominators += [c.value for c in text_counts(item.text) if c.denominator]
    for rate in item.rates:
        for n in dict.fromkeys(denominators):
            if (why := _exact(rate, n, threshold, 1e-6)) is not None:
                yield DERIVED, f"a drawn rate with its n: {why}", item.text


def page_leaks(items: list[Item], threshold: int) -> Iterator[Leak]:
    """Counts of the metrics of one page read together: two that nest and differ by 1 to
    threshold - 1 (the Overview's courses and eligible boxes give the hidden ones' sum)."""
    shown = [
        (kind, value)
        for item in items
        if item.kind == "metric"
        for label, value in item.counts
        if (kind := count_kind(label.removeprefix("metric "))) is not None and value >= threshold
    ]
    for detail in _nested(shown, threshold):
        yield DERIVED, f"two metrics of the page: {detail}", ""
