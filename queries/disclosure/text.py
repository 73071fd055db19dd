"""Counts in sentences (methods.md section 6: no count from 1 to threshold-1 in any form).

:func:`redact_counts` reads the counts a sentence states and rewrites the ones that must not
be shown, with the threshold t:

- a count from 1 to t-1 becomes "fewer than t" ("8 courses" -> "fewer than 11 courses");
- a count whose difference from a count it nests in (in the same sentence) is from 1 to
  t-1 becomes "all but fewer than t" ("45 of 50 eligible", "14 courses / 12 eligible");
- a percentage that, with a count stated as its denominator ("n = 12", "of 12", "(12)"),
  gives back a count (or the rest) from 1 to t-1 becomes "–" ("67 % of 12 eligible");
- with a rounding base r > 1, every other count is rounded to a multiple of r, like the
  counts of a table (:func:`rounded_count`).

A number is a count when it is written as one: followed, within three words, by what it
counts (courses, patients, cases, eligible, follow-up, responders, non-responders, events,
flares, at risk, sessions: "8 courses with follow-up", "3 non-responders vs 5 responders",
"8 with follow-up"); after ``n =`` or a count word and a colon ("n = 8", "Courses: 8"); in
brackets right after a name ("prov_06 (8)"); in "N of M" ("8 of 12", "5 responders of 9
eligible"). It is not a count in a range ("2–3 sessions"), as a decimal or a percentage
("62.5 %"), after a unit, a scale or a comparison ("day 21", "week 3", "KL 3", "session 2",
"≥ 2", "fewer than 20 courses", "at least 11") or before a unit ("12 weeks", "1 point"), so a
redacted sentence redacted again stays the same.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_NUM = re.compile(rf"(?<![\w.,/–\-−])({NUMBER})(?![\w]|[.,/]\d|\s?%|\s?[–\-]\s?\d)")
_NOT_BEFORE = re.compile(
    r"(?:\b(?:day|days|week|weeks|wk|month|months|year|years|kl|grade|section|version|step|"
    r"tenth|course|session|quarter|q|or|p|than|under|least|most|over|below|above|top|age|"
    r"all but)\s*[=:]?\s*|[≥≤<>#+×]\s*)$",
    re.IGNORECASE,
)
_N_BEFORE = re.compile(r"\bn\s*[=:]\s*$", re.IGNORECASE)
_NOUN_BEFORE = re.compile(
    r"\b(courses|patients|responders|non-responders|eligible|events|at risk|follow-up|flares|"
    r"cases)\s*[:=]\s*$",
    re.IGNORECASE,
)
_PAREN_BEFORE = re.compile(r"[\w)]\s*\($")
_OF_AFTER = re.compile(rf"^\s+(?:([a-z-]+)\s+)?of\s+({NUMBER})(?![\w.,]\d|\s?%)", re.IGNORECASE)
_PHRASE = re.compile(r"^[^\d·,;:()\[\]|/<>=\n]*")
_PERCENT = re.compile(r"(?<![\w.,–\-−])(\d+)(?:\.(\d+))?\s?%")
_PERCENT_NOT_AFTER = re.compile(
    r"^\s*(?:CI\b|interval|level|confidence|limits?\b|[–\-]|to\s+\d)", re.IGNORECASE
)
_PERCENT_NOT_BEFORE = re.compile(
    r"(?:[–\-]\s?|[≥≤<>]\s*|\b(?:at least|by|than|over|under|above|below|to)\s*)$", re.IGNORECASE
)
NON_COUNT_WORDS = frozenset(
    [
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
    ]
)
KINDS = (  # what a count counts, by the words after it (the first that matches)
    ("nonresponders", r"\bnon-?responders?\b"),
    ("substantial", r"\bsubstantial\b"),
    ("responders", r"\bresponders?\b"),
    ("followup", r"\bfollow-?up\b|\bfollowed\b"),
    ("eligible", r"\beligible\b"),
    ("at_risk", r"\bat risk\b"),
    ("events", r"\bevents?\b"),
    ("flares", r"\bflares?\b"),
    ("courses", r"\bcourses?\b|\bpatients?\b|\bcases?\b"),
    ("sessions", r"\bsessions?\b"),
)
NESTS = {  # a count of the outer kind holds the counts of these kinds (methods.md section 1)
    "courses": {"eligible", "followup", "responders", "substantial", "nonresponders"},
    "eligible": {"followup", "responders", "substantial", "nonresponders"},
    "followup": {"responders", "substantial", "nonresponders"},
    "responders": {"substantial"},
}
PLURAL = {
    "course": "courses",
    "patient": "patients",
    "case": "cases",
    "responder": "responders",
    "non-responder": "non-responders",
    "nonresponder": "nonresponders",
    "event": "events",
    "flare": "flares",
    "session": "sessions",
}
HIDDEN_PERCENT = "–"  # what a percentage that would give a count away shows instead
YEARS = range(1900, 2101)  # a year in brackets is not rounded


@dataclass
class _Count:
    """A count read in the sentence: where its digits are, its value and kind, and (the N of
    "N of M") the whole it is a part of, or whether it is stated as a denominator."""

    start: int
    end: int
    value: int
    kind: str
    whole: _Count | None = None
    denominator: bool = False
    in_brackets: bool = False


def rounded_count(n: int, min_cell_size: int, round_to: int) -> int:
    """A shown count (0 or >= the threshold) to the nearest multiple of ``round_to``, not
    below the smallest multiple at or above the threshold (:mod:`queries.disclosure.cells`)."""
    if round_to <= 1 or n <= 0:
        return n
    return max(
        round_to * math.floor(n / round_to + 0.5),
        round_to * math.ceil(min_cell_size / round_to),
    )


def _int(digits: str) -> int:
    return int(digits.replace(",", ""))


def _kind(after: str) -> str | None:
    """What a number counts, from the words after it (None: not a count)."""
    phrase = _PHRASE.match(after)
    words = phrase.group(0).split() if phrase else []
    if not words or words[0].lower() in NON_COUNT_WORDS:
        return None
    near, wider = " ".join(words[:3]).lower(), " ".join(words[:4]).lower()
    if not any(re.search(pattern, near) for _, pattern in KINDS):
        return None
    return next(kind for kind, pattern in KINDS if re.search(pattern, wider))


def _counts(text: str) -> list[_Count]:
    """The counts ``text`` states (module docstring)."""
    found: list[_Count] = []
    taken_until = -1
    for match in _NUM.finditer(text):
        start, end = match.span(1)
        if start < taken_until:
            continue
        before, after = text[:start], text[end:]
        value = _int(match.group(1))
        n_of = _OF_AFTER.match(after)
        if n_of is not None and not _NOT_BEFORE.search(before):
            rest = after[n_of.end() :]
            whole_kind = _kind(rest)
            phrase = _PHRASE.match(rest)
            if whole_kind is not None or not (phrase.group(0).split() if phrase else []):
                w_start, w_end = end + n_of.start(2), end + n_of.end(2)
                whole = _Count(w_start, w_end, _int(n_of.group(2)), whole_kind or "n")
                whole.denominator = True
                part = _kind(f" {n_of.group(1)}") if n_of.group(1) else None
                found += [_Count(start, end, value, part or whole.kind, whole), whole]
                taken_until = w_end
                continue
        if _N_BEFORE.search(before) or (_PAREN_BEFORE.search(before) and after.startswith(")")):
            bracketed = not _N_BEFORE.search(before)
            found.append(_Count(start, end, value, _kind(after) or "n", None, True, bracketed))
        elif noun := _NOUN_BEFORE.search(before):
            found.append(_Count(start, end, value, _kind(f" {noun.group(1)}") or "n"))
        elif not _NOT_BEFORE.search(before) and (kind := _kind(after)) is not None:
            found.append(_Count(start, end, value, kind))
    return found


def _possible(percent: float, decimals: int, n: int) -> range:
    """The counts k of n that a percentage written with ``decimals`` decimals may stand for."""
    half = 0.5 * 10**-decimals
    low, high = (percent - half) / 100 * n, (percent + half) / 100 * n
    return range(max(0, math.ceil(low - 1e-9)), min(n, math.floor(high + 1e-9)) + 1)


def redact_counts(text: str, min_cell_size: int, round_to: int = 1) -> str:
    """``text`` with the counts the threshold ``min_cell_size`` must not show rewritten and
    the others rounded to a multiple of ``round_to`` (module docstring); unchanged for a
    threshold of 1."""
    t = min_cell_size
    if t <= 1 or not any(ch.isdigit() for ch in text):
        return text
    counts = _counts(text)
    small = {id(c) for c in counts if 1 <= c.value < t}
    edits: dict[tuple[int, int], str] = {}
    for c in counts:
        if id(c) in small:
            edits[c.start, c.end] = f"fewer than {t}"
            noun = re.match(r"\s+([A-Za-z-]+)", text[c.end :])
            if noun and noun.group(1).lower() in PLURAL:
                s, e = c.end + noun.start(1), c.end + noun.end(1)
                edits[s, e] = PLURAL[noun.group(1).lower()]
    shown = [c for c in counts if id(c) not in small]
    for c in shown:  # a part whose rest (the whole, or a count it nests in, less it) is small
        outers = [c.whole] if c.whole is not None else []
        outers += [o for o in shown if o.whole is None and c.kind in NESTS.get(o.kind, ())]
        if any(o is not None and 1 <= o.value - c.value < t for o in outers):
            edits[c.start, c.end] = f"all but fewer than {t}"
    denominators = [c.value for c in shown if c.denominator and (c.start, c.end) not in edits]
    for match in _PERCENT.finditer(text):
        if _PERCENT_NOT_AFTER.match(text[match.end() :]) or _PERCENT_NOT_BEFORE.search(
            text[: match.start()]
        ):
            continue
        percent = float(f"{match.group(1)}.{match.group(2) or 0}")
        decimals = len(match.group(2) or "")
        for n in denominators:
            ks = _possible(percent, decimals, n)
            if len(ks) and (all(1 <= k < t for k in ks) or all(1 <= n - k < t for k in ks)):
                edits[match.start(), match.end()] = HIDDEN_PERCENT
    for c in shown:
        if (c.start, c.end) in edits or (c.in_brackets and c.value in YEARS):
            continue
        rounded = rounded_count(c.value, t, round_to)
        if rounded != c.value:
            digits = text[c.start : c.end]
            edits[c.start, c.end] = f"{rounded:,}" if "," in digits else str(rounded)
    out, last = [], 0
    for (start, end), replacement in sorted(edits.items()):
        if start < last:
            continue  # overlapping edits: the first one wins
        out += [text[last:start], replacement]
        last = end
    return "".join(out) + text[last:]
