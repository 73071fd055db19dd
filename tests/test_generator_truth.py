"""The synthetic clinic's planted truth, and its planted effects recovered from the data.

- the planted truth object (``clinic.truth``) is consistent with the data and the model;
- the planted effects show up when the methods.md section 1 responder definition is computed
  directly on the shared 20,000-course clinic (ozone_testkit.synthetic_outcomes; tolerances
  justified next to each check, GAP_TOLERANCE there);
- sample_data/README.md states the planted sizes the generator uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ozone_testkit.synthetic_outcomes import GAP_TOLERANCE, N
from sample_data import generate_clinic


@pytest.fixture(scope="module")
def completers(outcomes) -> pd.DataFrame:
    return outcomes[outcomes["eligible"] & outcomes["has_followup"]]


# --- The planted truth -------------------------------------------------------------------
def test_truth_ids_exist_and_roles_differ(clinic):
    t, c = clinic.truth, clinic.tables["courses"]
    roles = {t.hard_case_mix_provider_id, t.worse_provider_id, t.small_provider_id}
    assert len(roles) == 3 and roles <= set(t.provider_ids)
    assert set(c["provider_id"]) == set(t.provider_ids)
    assert t.provider_logit_effects[t.hard_case_mix_provider_id] == 0.0
    assert t.provider_logit_effects[t.worse_provider_id] == pytest.approx(-1.1)
    assert set(t.provider_site) == set(t.provider_ids)


def test_small_provider_stays_small(clinic, completers):
    t = clinic.truth
    assert (completers["provider_id"] == t.small_provider_id).sum() < 20
    counts = [
        (
            generate_clinic(n, seed=11).tables["courses"]["provider_id"]
            == generate_clinic(n, seed=11).truth.small_provider_id
        ).sum()
        for n in (400, 3000)
    ]
    assert counts == [t.small_provider_courses] * 2  # fixed, not a fraction of n_courses
    assert (clinic.tables["courses"]["provider_id"] == t.small_provider_id).sum() == 14


def test_truth_probabilities_are_the_model_at_reference(clinic):
    t = clinic.truth
    assert t.response_prob() == pytest.approx(t.reference_response_prob)
    for level, p in t.response_prob_by_severity.items():
        assert t.response_prob(severity_class=level) == pytest.approx(p)
    for level, p in t.response_prob_by_adherence.items():
        assert t.response_prob(adherence_class=level) == pytest.approx(p)
    for level, p in t.response_prob_by_rehab.items():
        assert t.response_prob(rehab=level) == pytest.approx(p)
    # each course's latent probability comes from the same model (first 300 started courses)
    lat = clinic.latent.set_index("course_id")
    c = clinic.tables["courses"].set_index("course_id")
    started = lat.index[lat["adherence_class"] != "not_started"][:300]
    for cid in started:
        x, row = lat.loc[cid], c.loc[cid]
        p = t.response_prob(
            severity_class=x["severity_class"],
            adherence_class=x["adherence_class"],
            rehab=row["rehab"],
            lifestyle_support=bool(row["lifestyle_support"]),
            expectations=row["expectations"],
            overtraining_reported=bool(x["overtraining"]),
            early_antioxidants_reported=bool(x["early_antioxidants"]),
            early_flare=bool(x["early_flare"]),
            age_band=row["age_band"],
            baseline_nrs=x["baseline_nrs"],
            indication=row["indication"],
            route=row["route"],
            provider_id=row["provider_id"],
        )
        assert p == pytest.approx(x["response_prob"]), cid


# --- The planted effects, recovered by the methods.md responder definition ----------------
def test_definition_recovers_the_latent_responder_exactly(clinic, completers):
    """The 12-week score is built so that drop >= 2 and >= 30 % <=> latent responder."""
    latent = clinic.latent.set_index("course_id")["responder"]
    assert (completers["responder"] == latent.reindex(completers.index)).all()


def crude(completers: pd.DataFrame, by: str) -> pd.Series:
    return completers.groupby(by)["responder"].mean()


def test_severity_gradient(clinic, completers):
    r, p = crude(completers, "severity_class"), clinic.truth.response_prob_by_severity
    assert min(r["none"], r["mild"]) > r["moderate"] > r["severe"] > r["end_stage"]
    planted = p["moderate"] - p["end_stage"]
    assert abs((r["moderate"] - r["end_stage"]) - planted) < GAP_TOLERANCE


def test_adherence_gradient(clinic, completers):
    r, p = crude(completers, "adherence_class"), clinic.truth.response_prob_by_adherence
    assert r["full_protocol"] > r["partial"] > r["one_and_done"]
    planted = p["full_protocol"] - p["one_and_done"]
    assert abs((r["full_protocol"] - r["one_and_done"]) - planted) < GAP_TOLERANCE


def test_rehab_gradient(clinic, completers):
    r, p = crude(completers, "rehab"), clinic.truth.response_prob_by_rehab
    assert r["supervised_pt"] > r["home_program"] > r["none"]
    planted = p["supervised_pt"] - p["none"]
    assert abs((r["supervised_pt"] - r["none"]) - planted) < GAP_TOLERANCE


def test_other_planted_directions(completers):
    """Lifestyle and realistic expectations help; overtraining and early antioxidants harm.
    Planted gaps are 0.09-0.17 at reference; SD of each crude gap is 0.010-0.020."""
    lifestyle = crude(completers, "lifestyle_support")
    assert lifestyle[True] > lifestyle[False] + 0.03
    e = crude(completers, "expectations")
    assert e["realistic"] > e["unrealistic"] + 0.08
    for col in ("overtraining_reported", "early_antioxidants_reported"):
        r = completers.dropna(subset=[col]).groupby(col)["responder"].mean()
        assert r[False] > r[True] + 0.04, col


def test_flare_then_quit(clinic, outcomes):
    """methods.md section 5: flare = NRS at day 1-10 >= baseline + 1 or a flare event;
    quit = stopped at 1-2 sessions with more planned. Planted: 30-55 % vs 7 %. Due courses
    only (observed_days >= 112): a course started just before the extract has not finished
    its sessions yet, which is not quitting."""
    a, e = clinic.tables["assessments"], clinic.tables["adverse_events"]
    outcomes = outcomes[outcomes["due"]]
    early = (
        a[(a["instrument"] == "nrs_pain") & a["day"].between(1, 10)]
        .groupby("course_id")["score"]
        .max()
    )
    flare = (early.reindex(outcomes.index) >= outcomes["baseline"] + 1) | outcomes.index.isin(
        e.loc[e["event"] == "post_injection_flare", "course_id"]
    )
    quit = outcomes["completed"].isin([1, 2]) & (
        outcomes["planned_sessions"] > outcomes["completed"]
    )
    can_quit = outcomes["planned_sessions"] >= 3
    assert quit[flare & can_quit].mean() > quit[~flare & can_quit].mean() + 0.2
    unreal = outcomes["expectations"] == "unrealistic"
    real = outcomes["expectations"] == "realistic"
    assert quit[flare & can_quit & unreal].mean() > quit[flare & can_quit & real].mean() + 0.1
    cc = outcomes["eligible"] & outcomes["has_followup"]
    flare_quit = outcomes.loc[cc & flare & quit, "responder"].mean()
    stayed = outcomes.loc[cc & ~flare & ~quit, "responder"].mean()
    assert flare_quit < stayed - 0.15


def test_waning_without_rehab(clinic, completers):
    """Among 12-week responders, NRS back above the responder threshold at week 52 (day >= 300):
    planted 45 % without rehab vs 12 % with supervised PT."""
    a = clinic.tables["assessments"]
    late = a[(a["instrument"] == "nrs_pain") & (a["day"] >= 300)].set_index("course_id")["score"]
    resp = completers[completers["responder"]]
    late = late[late.index.isin(resp.index)]
    b = resp["baseline"].reindex(late.index)
    lost = ~((b - late >= 2) & (b - late >= 0.3 * b))
    rehab = resp["rehab"].reindex(late.index)
    assert lost[rehab == "none"].mean() > lost[rehab == "supervised_pt"].mean() + 0.2


def test_missing_followup_commoner_among_non_responders(clinic, outcomes):
    """Planted 25 % vs 8 % (plus escalation before week 12); checked on the latent status."""
    started = outcomes[outcomes["eligible"] & (outcomes["completed"] > 0)]
    latent = clinic.latent.set_index("course_id")["responder"].reindex(started.index)
    missing = ~started["has_followup"]
    assert missing[~latent].mean() > missing[latent].mean() + 0.1


def test_escalation_commoner_in_end_stage(outcomes):
    outcomes = outcomes[outcomes["observed_days"] >= 365]  # a whole year seen by the extract
    within_year = outcomes["escalated_day"].notna() & (outcomes["escalated_day"] <= 365)
    by = within_year.groupby(outcomes["severity_class"]).mean()
    assert by["end_stage"] > 3 * by["moderate"] and by["end_stage"] > 0.1


def test_safety_and_screening(clinic):
    c, s, e = (clinic.tables[k] for k in ("courses", "sessions", "adverse_events"))
    serious = (e["seriousness"] == "serious").sum()
    # planted 1 per 2,000 sessions: ~41 expected in ~82,000 sessions; Poisson 99.9 % range
    assert len(s) / 4000 < serious < len(s) / 1000
    assert {"swelling", "soreness", "fatigue", "headache"} <= set(e["event"])
    assert (e["seriousness"] == "mild").mean() > 0.5
    share = c["contraindication"].value_counts(normalize=True)
    assert 0.01 < share["not_screened"] < 0.02
    real = (
        c["contraindication"]
        .isin(["g6pd_deficiency", "pregnancy", "bleeding_disorder", "hyperthyroidism", "other"])
        .sum()
    )
    assert 10 < real < 0.01 * N
    tested = c["g6pd_tested"].astype("boolean")
    assert 0.75 < tested.mean() < 0.95 and tested.isna().any()


def test_providers_hard_case_mix_and_worse(clinic, completers):
    """Indirect standardisation (methods.md section 4) with a case-mix logistic model fitted
    here with statsmodels: the hard-case-mix provider looks worse crude but has O/E like the
    ordinary providers; the worse provider stays far below after adjustment."""
    smf = pytest.importorskip("statsmodels.formula.api")
    sm = pytest.importorskip("statsmodels.api")
    t = clinic.truth
    d = completers.reset_index()
    d = d.assign(
        y=d["responder"].astype(int),
        b=d["baseline"].astype(float),
        log_months=np.log1p(d["symptom_months"].astype(float).fillna(d["symptom_months"].median())),
    )
    fit = smf.glm(
        "y ~ C(severity_class) + b + C(age_band) + C(sex) + C(indication) + C(route) + log_months",
        data=d,
        family=sm.families.Binomial(),
    ).fit()
    d["p"] = fit.predict(d)
    per = d.groupby("provider_id").agg(o=("y", "sum"), e=("p", "sum"), crude=("y", "mean"))
    oe = per["o"] / per["e"]
    ordinary = oe.drop([t.hard_case_mix_provider_id, t.worse_provider_id, t.small_provider_id])
    pooled = d["y"].mean()
    assert per.loc[t.hard_case_mix_provider_id, "crude"] < pooled - 0.04
    # O/E SD for ~2,000 completers is ~0.03; ordinary providers also carry sd 0.15 logit noise
    assert abs(oe[t.hard_case_mix_provider_id] - ordinary.median()) < 0.12
    assert oe[t.worse_provider_id] < 0.7


def test_readme_states_the_planted_sizes():
    """sample_data/README.md documents the true sizes: keep it in step with the generator."""
    text = (Path(__file__).resolve().parents[1] / "sample_data" / "README.md").read_text()
    text = " ".join(text.split())
    t = generate_clinic(50).truth  # the README names the default seed's roles
    for table in (
        t.response_prob_by_severity,
        t.response_prob_by_adherence,
        t.response_prob_by_rehab,
        t.response_prob_by_expectations,
    ):
        for level, p in table.items():
            assert f"{level} {p:.2f}" in text, (level, p)
    worse = f"{t.provider_logit_effects[t.worse_provider_id]}".replace("-", "\u2212")
    assert f"provider logit effect **{worse}**" in text
    assert f"0.55 · with {t.response_prob_by_lifestyle_support[True]:.2f}" in text
    label = {"none": "no rehab", "home_program": "home program", "supervised_pt": "supervised PT"}
    for rehab, p in t.wane_by_week_52_prob_by_rehab.items():
        assert f"{label[rehab]} {round(100 * p)} %" in text, rehab
    assert (
        f"hard case mix `{t.hard_case_mix_provider_id}`, worse provider "
        f"`{t.worse_provider_id}`, small provider `{t.small_provider_id}`"
    ) in text
    for command in ("ozone-outcomes generate --courses", "--seed", "--out", "--format parquet"):
        assert command in text
