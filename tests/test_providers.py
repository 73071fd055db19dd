"""Fair provider comparison (issue 3, methods.md section 4) on the synthetic clinic and the
hand-built fixture. The planted truths are read from the generator, never hard-coded."""

import csv
import io

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ozone_testkit import fixture_clinic
from queries.analytics.cases import CaseProfile, cases_like_this
from queries.analytics.courses import completers, course_factors
from queries.analytics.nonresponders import (
    ASSOCIATION_COVARIATES,
    nonresponder_profile,
    response_associations,
)
from queries.analytics.providers import (
    PROVIDER_TABLE_COLUMNS,
    case_mix,
    compare_providers,
    process_indicators,
)
from queries.analytics.query import Query
from queries.cli import main
from queries.core.scope import Scope
from queries.data import db
from queries.data.loading import load_folder
from sample_data.generator import generate_clinic, write_clinic


@pytest.fixture(scope="module", params=[20261125, 7])
def synthetic(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"syn{request.param}")
    clinic = generate_clinic(6000, request.param)
    write_clinic(clinic, tmp / "extract")
    load_folder(tmp / "extract", tmp / "clinic.duckdb")
    con = db.connect(tmp / "clinic.duckdb")
    yield con, clinic.truth, tmp / "clinic.duckdb"
    con.close()


@pytest.fixture(scope="module")
def fixture_con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixture")
    load_folder(fixture_clinic.write(tmp / "x"), tmp / "f.duckdb")
    con = db.connect(tmp / "f.duckdb")
    yield con
    con.close()


def test_planted_providers_are_recovered(synthetic):
    con, truth, _ = synthetic
    comparison = compare_providers(Query(con))
    table = comparison.table.set_index("provider_id")
    pooled = comparison.crude.pooled_rate
    hard = table.loc[truth.hard_case_mix_provider_id]
    assert hard["crude_rate"] < pooled - 0.04  # looks worse crude ...
    assert hard["flag_adjusted"] == "within"  # ... and is fine once case mix is accounted for
    assert table.loc[truth.worse_provider_id, "flag_adjusted"] == "low_alarm"
    assert table.loc[truth.small_provider_id, "flag_crude"] == "too_few"
    assert table.loc[truth.small_provider_id, "flag_adjusted"] == "too_few"
    others = table.drop(index=[truth.worse_provider_id, truth.small_provider_id])
    assert set(others["flag_adjusted"]) == {"within"}
    assert table.loc[truth.worse_provider_id, "cusum_signal"] == "alarm"
    assert table.loc[truth.small_provider_id, "cusum_signal"] == "too_few"


def test_model_reports_discrimination_and_calibration(synthetic):
    con, _, _ = synthetic
    model = compare_providers(Query(con)).model
    assert 0.6 < model.c_statistic < 0.8
    cal = model.calibration
    assert len(cal) == 10
    assert cal["observed"].sum() == model.n_events
    # a logistic model with an intercept reproduces the total exactly (score equations)
    assert cal["expected"].sum() == pytest.approx(model.n_events, rel=1e-6)
    assert not any(
        term.startswith(("provider", "rehab", "adherence", "sessions"))
        for term in model.params.index
    )


def test_overdispersion_is_reported(synthetic):
    con, _, _ = synthetic
    comparison = compare_providers(Query(con))
    for result in (comparison.crude, comparison.adjusted):
        od = result.overdispersion
        assert od.phi > 0 and od.tau2 >= 0
        assert od.applied == (od.tau2 > 0)


def test_a_provider_never_sees_peer_ids(synthetic):
    con, truth, _ = synthetic
    me = truth.hard_case_mix_provider_id
    q = Query(con, Scope.provider(me))
    mine = compare_providers(q)
    peers = set(truth.provider_ids) - {me}
    frames = [mine.crude.units, mine.adjusted.units, mine.shrunken, mine.table]
    for frame in frames:
        text = frame.astype(str).to_csv()
        assert not any(p in text for p in peers), "a peer id leaked to a provider's scope"
    assert list(mine.table["provider_id"]) == [me]
    assert mine.crude.units["is_self"].sum() == 1
    mix = case_mix(q)
    assert set(mix["group"]) == {"clinic", me}
    proc = process_indicators(q)
    assert set(proc["group"]) == {"clinic", me}
    like = cases_like_this(q, CaseProfile(indication="knee_oa")).groups
    assert set(like["group"]) <= {"clinic", me}


def test_odds_ratios_match_statsmodels_formula_fit(synthetic):
    con, _, _ = synthetic
    ours = response_associations(Query(con)).set_index("term")
    rows = completers(course_factors(Query(con)))
    rows["y"] = rows["is_responder"].astype(int)
    rows["symptoms"] = rows["symptom_months"]
    formula = (
        "y ~ C(severity_class, Treatment('moderate')) + "
        "C(adherence_class, Treatment('full_protocol')) + C(rehab, Treatment('none')) + "
        "C(lifestyle_support, Treatment('no')) + "
        "C(expectations, Treatment('realistic')) + "
        "C(overtraining_reported, Treatment('no')) + "
        "C(early_antioxidants_reported, Treatment('no')) + baseline_score + "
        "C(age_band, Treatment('50-59')) + C(indication, Treatment('knee_oa'))"
    )
    data = rows.copy()
    for col in ("overtraining_reported", "early_antioxidants_reported"):
        data[col] = data[col].fillna("(missing)")
    ref = smf.logit(formula, data=data).fit(disp=0)
    checked = 0
    for term, coef in ref.params.items():
        if term == "Intercept" or term == "baseline_score":
            continue
        factor = term.split("(")[1].split(",")[0]
        level = term.split("[T.")[1].rstrip("]")
        ours_row = ours[(ours["factor"] == factor) & (ours["level"] == level)]
        assert len(ours_row) == 1, term
        assert ours_row["odds_ratio"].iat[0] == pytest.approx(np.exp(coef), rel=1e-5)
        lo, hi = np.exp(ref.conf_int().loc[term])
        assert ours_row["ci_lower_95"].iat[0] == pytest.approx(lo, rel=1e-5)
        assert ours_row["ci_upper_95"].iat[0] == pytest.approx(hi, rel=1e-5)
        checked += 1
    assert checked > 15
    assert len(ASSOCIATION_COVARIATES) == 10


def test_nonresponder_profile_names_the_planted_factors(synthetic):
    con, _, _ = synthetic
    profile = nonresponder_profile(Query(con))
    top = profile.differences.head(6)
    assert {"end_stage", "one_and_done"} & set(top["level"])
    assert all(isinstance(s, str) and s.endswith(".") for s in profile.findings)
    assert "times as often" in profile.findings[0]
    assert (profile.differences["std_difference"].abs().diff().dropna() <= 1e-12).all()


def test_providers_cli_has_exactly_the_documented_columns(synthetic, capsys):
    _, truth, path = synthetic
    assert main(["providers", "--db", str(path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert tuple(rows[0]) == PROVIDER_TABLE_COLUMNS
    assert {r["provider_id"] for r in rows} == set(truth.provider_ids)
    flags = {"within", "low_alert", "low_alarm", "high_alert", "high_alarm", "too_few"}
    assert {r["flag_crude"] for r in rows} <= flags
    assert {r["flag_adjusted"] for r in rows} <= flags
    signals = {r["provider_id"]: r["cusum_signal"] for r in rows}
    assert set(signals.values()) <= {"none", "alert", "alarm", "too_few"}
    assert signals[truth.worse_provider_id] == "alarm"
    assert signals[truth.small_provider_id] == "too_few"


def test_cases_like_this_on_the_fixture(fixture_con):
    got = cases_like_this(Query(fixture_con), CaseProfile(severity_class="moderate")).groups
    counts = got.set_index("group")[["n_courses", "n_eligible", "n_followup"]]
    expected = {  # the denominators of every group
        "clinic": (5, 5, 3),
        "P_A": (3, 3, 2),
        "P_B": (1, 1, 1),
        "P_SMALL": (1, 1, 0),
    }
    assert {g: tuple(int(v) for v in r) for g, r in counts.iterrows()} == expected
    assert got["group"].iloc[0] == "clinic"
    rows = got.set_index("group")
    # the clinic's responders (2 of 3) and rate; no provider has 20 similar courses with
    # follow-up, so none has a responder count, rate or interval of its own
    assert (rows.loc["clinic", "n_responders"], rows.loc["clinic", "too_few_courses"]) == (2, False)
    assert rows.loc["clinic", "responder_rate"] == pytest.approx(2 / 3)
    providers = rows.drop(index="clinic")
    assert providers["too_few_courses"].all()
    assert (
        providers[["n_responders", "responder_rate", "ci_lower_95", "itt_rate"]].isna().all().all()
    )
    none = cases_like_this(Query(fixture_con), CaseProfile(indication="hip_oa")).groups
    assert int(none["n_courses"].sum()) == 0
    with pytest.raises(ValueError):
        CaseProfile(severity_class="catastrophic")


def test_case_mix_shares_and_process_on_the_fixture(fixture_con):
    mix = case_mix(Query(fixture_con))
    sums = mix.groupby(["group", "factor"])["share"].sum()
    assert np.allclose(sums, 1.0)
    sev = mix[(mix["group"] == "clinic") & (mix["factor"] == "severity_class")]
    assert list(sev["level"]) == ["none", "mild", "moderate", "severe", "end_stage", "unknown"]
    assert dict(zip(sev["level"], sev["n_courses"], strict=True)) == {
        k: v[0] for k, v in fixture_clinic.EXPECTED_COUNTS["severity"].items()
    }
    proc = process_indicators(Query(fixture_con)).set_index("group")
    assert proc.loc["clinic", "n_sessions_completed"] == 31
    assert proc.loc["P_A", "n_followup"] == 3 and proc.loc["P_A", "n_eligible"] == 4
    assert proc.loc["clinic", "n_rehab_paired"] == 7
    assert proc.loc["clinic", "followup_rate"] == pytest.approx(9 / 11)
    # every fixture provider is under 20 courses with follow-up: denominators, no rates
    assert proc.loc["P_SMALL", ["n_eligible", "n_followup"]].tolist() == [2, 1]
    assert proc.drop(index="clinic")["too_few_courses"].all()
    assert proc.drop(index="clinic")[["followup_rate", "n_rehab_paired"]].isna().all().all()
    assert isinstance(proc, pd.DataFrame)
