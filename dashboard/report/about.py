"""The report's closing sections: the definitions used (methods.md, with its references), the
data behind it (app and schema version, the latest load's date and its extract files with
their SHA-256, as on the Data page) and what was suppressed (every note of the gate, from
every table and result of the report: methods.md section 6).
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts.base import level_text
from dashboard.report.model import Context, Section, Writer
from queries.cli import package_version
from queries.data.db import SCHEMA_VERSION

# docs/methods.md "References" (tests/test_report.py checks each is cited there).
REFERENCES = (
    "Dworkin 2008 J Pain 9:105",
    "Farrar 2001 Pain 94:149",
    "Ostelo 2008 Spine 33:90",
    "Pham 2004 Osteoarthritis Cartilage 12:389",
    "Spiegelhalter 2005 Stat Med 24:1185",
    "Steiner 2000 Biostatistics 1:441",
    "Laney 2002 Quality Engineering 14:531",
    "Hong 2013 (Poisson-binomial, Comput Stat Data Anal 59:41)",
    "DerSimonian & Laird 1986",
    "Goldstein & Spiegelhalter 1996 JRSS-A 159:385",
    "Wilson 1927 JASA 22:209",
    "45 CFR 164.514",
    "CMS cell size suppression policy",
)
FILE_COLUMNS = {"file_name": "File", "n_rows": "Rows", "sha256": "SHA-256"}


def definitions(ctx: Context) -> Section:
    """The definitions every number of the report uses, each with its methods.md section."""
    w = Writer(ctx, "definitions", "Definitions used")
    s = ctx.settings
    window = s.window()
    items = (
        f"Responder (methods.md section 1; IMMPACT, Dworkin 2008, Farrar 2001): NRS pain down "
        f"≥ {s.responder_min_drop_points:g} points and ≥ {s.responder_min_drop_fraction * 100:g} % "
        f"from baseline at the {window.name} follow-up (day {window.first_day}–"
        f"{window.last_day}, the value nearest day {window.target_day}); substantial = down "
        f"≥ {s.substantial_min_drop_fraction * 100:g} %.",
        f"Eligible: baseline NRS pain ≥ {s.min_baseline:g}; courses with no baseline or a lower "
        "one are counted on their own and left out of responder rates (section 1).",
        "Complete case counts the eligible courses with a follow-up value; ITT counts a missing "
        "follow-up as no response (the lower bound); follow-up completeness is the share of "
        "eligible courses with a value (section 1).",
        "Not yet due: a course whose follow-up window had not closed by the extract "
        "(observed_days) is left out of every denominator of that window and counted on its "
        "own (section 1).",
        f"Intervals: Wilson score for proportions (Wilson 1927), t for means, exact Poisson for "
        f"event rates; {level_text(s)} (section 3).",
        "Providers (section 4): funnel plots with exact binomial limits (Spiegelhalter 2005), "
        "widened for overdispersion (DerSimonian & Laird 1986); case-mix adjusted O/E from a "
        "logistic model, with exact Poisson-binomial limits (Hong 2013); empirical Bayes "
        "shrinkage; no ranks (Goldstein & Spiegelhalter 1996); a risk-adjusted Bernoulli CUSUM "
        f"(Steiner 2000); at least {s.min_provider_courses} eligible courses with follow-up "
        "before a provider gets a point of its own.",
        "Trends (section 4): quarterly p-chart with the NHS Making Data Count rules, or Laney's "
        "p′ chart (Laney 2002) when the quarters vary more than binomially.",
        "Timeline and safety (section 5): early flare = NRS on day 1–10 ≥ baseline + 1 or a "
        "post-injection flare event on day 0–10; durability by Kaplan-Meier; adverse events per "
        "100 sessions and per course; screening as a quality indicator.",
        f"Privacy (section 6; 45 CFR 164.514, CMS cell size suppression policy): counts from 1 "
        f"to {ctx.policy.min_cell_size - 1} hidden everywhere, with complementary suppression; "
        "a provider's report holds their own courses and the clinic as a whole only.",
    )
    w.say("\n".join(f"- {item}" for item in items))
    w.say("References (docs/methods.md): " + " · ".join(REFERENCES) + ".")
    return w.section


def data(ctx: Context, history: pd.DataFrame) -> Section:
    """Which data: the app and schema versions, the latest load and its files and hashes."""
    w = Writer(ctx, "data", "The data")
    w.say(f"Ozone Outcomes {package_version()}, database schema version {SCHEMA_VERSION}.")
    if history.empty:
        w.say("No load is recorded in this database.", "calm")
        return w.section
    latest = history[history["load_id"] == history["load_id"].max()]
    first = latest.iloc[0]
    loads = history["load_id"].nunique()
    synthetic = "synthetic (made-up) data" if bool(first["is_synthetic"]) else "a clinic extract"
    w.say(
        f"Latest load: {pd.Timestamp(first['loaded_at']):%Y-%m-%d %H:%M} UTC, "
        f"{synthetic} in {first['source_format']} files (load {first['load_id']} of "
        f"{loads} into this database). Outcome definition of that load: "
        f"{first['responder_definition']}."
    )
    w.part_name = "Extract files"
    w.table(latest, FILE_COLUMNS, "Extract files of the latest load", percent=())
    w.part_name = w.section.title
    w.caption("Each file's SHA-256 fingerprint traces every figure to the exact extract.")
    return w.section


def suppressed(ctx: Context) -> Section:
    """Every note of what the gate hid, from every part of the report, where it was hidden;
    built last, after every other section."""
    w = Writer(ctx, "suppressed", "What was suppressed")
    threshold = ctx.policy.min_cell_size
    if threshold <= 1:
        w.say("The small-cell rule is off for this report (threshold 1): nothing was hidden.")
        return w.section
    rounding = (
        f" Shown counts are rounded to a multiple of {ctx.policy.round_to}."
        if ctx.policy.round_to > 1
        else ""
    )
    w.say(
        f"Counts from 1 to {threshold - 1} are hidden in every table, chart and sentence, and "
        "more cells where a hidden one could be worked out from the others; a rate is shown "
        f"only where its denominator reaches {threshold} (methods.md section 6).{rounding}"
    )
    if not ctx.notes:
        w.say("Nothing in this report needed hiding.")
        return w.section
    w.say("\n".join(f"- {where}: {note}" for where, note in ctx.notes))
    return w.section
