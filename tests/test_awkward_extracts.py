"""Any contract-valid extract works (issue 9, point 1): the command line on awkward extracts,
the case-mix model without the covariates an extract lacks, and the folder's other files.

Each extract of ozone_testkit/awkward_extracts.py is the fixture clinic transformed one way
(every optional column empty or absent, one provider, one site, one year, no adverse
events, 52 courses, no severity, no follow-up yet, symptom months never recorded), loaded by
the real loader. Known answers are the fixture clinic's hand-worked counts, transformed
(``awkward_extracts.KNOWN``); the case-mix figures come from the logistic score equation
(with an intercept, Σ fitted = Σ observed) and from a fit without the dropped covariate.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ozone_testkit import awkward_extracts, fixture_clinic
from ozone_testkit.awkward_extracts import KNOWN, NAMES, NON_DATA_FILES
from ozone_testkit.casemix_simulation import simulate_courses
from queries.cli import RATES_GROUPINGS, main
from queries.core.settings import Settings
from queries.data.loading import load_folder
from queries.data.validation import read_extract
from queries.data.violations import ContractViolation
from queries.stats.casemix import CASEMIX_COVARIATES, covariate_sentence, fit_casemix
from queries.stats.design import NEARLY_ALL_MISSING, NOT_RECORDED, choose_covariates

NOT_COMPARABLE = "Not enough courses with follow-up to compare providers."
COUNTS = ("n_courses", "n_eligible", "n_followup", "n_responders")
MIN_POINT = Settings().min_provider_courses  # methods.md section 4: 20 with follow-up


def withheld_exactly_below_the_minimum(table: pd.DataFrame) -> bool:
    """A provider under 20 with follow-up has no responder count or rate of its own, and
    only such a provider (methods.md section 4), whoever looks."""
    small = table["n_followup"] < MIN_POINT
    return bool((table["n_responders"].isna() == small).all())


def provider_counts(table: pd.DataFrame, provider: str) -> tuple:
    """A provider's four counts, the responders None where the 20-course rule withholds them."""
    row = table.loc[provider]
    return tuple(None if pd.isna(row[c]) else int(row[c]) for c in COUNTS)


def withheld(counts: tuple[int, int, int, int]) -> tuple:
    """What the table shows of hand-worked ``counts`` under the 20-course rule."""
    return counts if counts[2] >= MIN_POINT else (*counts[:3], None)


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    paths = awkward_extracts.load_all(tmp_path_factory.mktemp("awkward"))
    return {name: str(path) for name, path in paths.items()}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``ozone-outcomes ARGV`` in-process: exit code, standard output, standard error."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# The extracts' counts are under 11: the known totals are read as the analyst who holds the
# database (--min-cell 1); the gate's own tests check what a threshold hides.
ANALYST = ("--min-cell", "1")


def rates(capsys, db: str, by: str, *more: str) -> pd.DataFrame:
    code, out, err = run(
        capsys, "rates", "--db", db, "--by", by, "--format", "json", *ANALYST, *more
    )
    assert code == 0, err
    return pd.DataFrame(json.loads(out))


def providers(capsys, db: str) -> tuple[pd.DataFrame, str]:
    code, out, err = run(capsys, "providers", "--db", db, "--format", "json", *ANALYST)
    assert code == 0, err
    return pd.DataFrame(json.loads(out)), err


# --- every command on every awkward extract -------------------------------------------------


@pytest.mark.parametrize("by", RATES_GROUPINGS)
@pytest.mark.parametrize("name", NAMES)
def test_rates_runs_and_adds_up_to_the_clinic(capsys, databases, name, by):
    table = rates(capsys, databases[name], by)
    clinic, _ = KNOWN[name]
    if by == "provider":
        assert withheld_exactly_below_the_minimum(table)
        assert tuple(int(table[c].sum()) for c in COUNTS[:3]) == clinic[:3]
        assert int(table["n_responders"].sum()) <= clinic[3]
    else:
        assert tuple(int(table[c].sum()) for c in COUNTS) == clinic
    empty = table["n_followup"] == 0  # no denominator: no rate, said as an empty cell
    assert table.loc[empty, "responder_rate"].isna().all()


@pytest.mark.parametrize("name", NAMES)
def test_rates_for_one_provider_runs(capsys, databases, name):
    code, out, err = run(
        capsys, "rates", "--db", databases[name], "--by", "rehab", "--provider", "P_A"
    )
    assert code == 0 and "Traceback" not in err
    assert out.splitlines()[0].startswith("group,n_courses")


@pytest.mark.parametrize("name", [n for n in NAMES if n != "no_followup_yet"])
def test_providers_runs_and_says_what_the_model_allows_for(capsys, databases, name):
    table, err = providers(capsys, databases[name])
    (_, _, followup, responders), _ = KNOWN[name]
    assert int(table["n_followup"].sum()) == followup
    assert withheld_exactly_below_the_minimum(table)
    if not table["n_responders"].isna().any():
        # the score equation of a logistic model with an intercept: Σ E = Σ O over the clinic
        assert table["expected_responders"].sum() == pytest.approx(responders, abs=1e-6)
    assert err.startswith("Expected responders allow for "), err


def test_providers_without_follow_up_says_so_in_one_sentence(capsys, databases):
    code, out, err = run(capsys, "providers", "--db", databases["no_followup_yet"])
    assert (code, out, err.strip()) == (2, "", NOT_COMPARABLE)


def test_symptom_months_never_recorded_is_left_out_and_said(capsys, databases):
    _, err = providers(capsys, databases["symptom_months_never_recorded"])
    assert "not for" in err and f"months of symptoms ({NOT_RECORDED})" in err
    assert "degeneration severity, baseline pain (NRS), indication and route" in err


def test_one_provider_is_its_own_expectation(capsys, databases):
    table, _ = providers(capsys, databases["one_provider"])
    # 9 courses with follow-up (fixture clinic): under 20, the observed count, the
    # expectation and O/E are not shown (methods.md section 4)
    assert table[["provider_id", "n_followup"]].values.tolist() == [["P_A", 9]]
    assert table[["n_responders", "expected_responders", "oe_ratio"]].isna().all().all()
    assert (table["flag_crude"].iloc[0], table["flag_adjusted"].iloc[0]) == ("too_few", "too_few")


def test_no_severity_recorded_is_one_unknown_group(capsys, databases):
    table = rates(capsys, databases["no_severity_recorded"], "severity")
    assert table["group"].tolist() == ["unknown"]
    assert tuple(table.loc[0, list(COUNTS)]) == KNOWN["no_severity_recorded"][0]  # 13, 11, 9, 6
    _, err = providers(capsys, databases["no_severity_recorded"])
    assert "degeneration severity (unknown on every course)" in err


@pytest.mark.parametrize("name", ["one_site", "one_year", "no_adverse_events"])
def test_one_site_one_year_no_events_keep_the_fixture_provider_counts(capsys, databases, name):
    table = rates(capsys, databases[name], "provider").set_index("group")
    for provider, counts in fixture_clinic.EXPECTED_COUNTS["provider"].items():
        assert provider_counts(table, provider) == withheld(counts)


def test_a_few_dozen_courses_gives_one_provider_a_funnel_point(capsys, databases):
    table = rates(capsys, databases["a_few_dozen_courses"], "provider").set_index("group")
    for provider, counts in fixture_clinic.EXPECTED_COUNTS["provider"].items():
        assert provider_counts(table, provider) == withheld(tuple(4 * n for n in counts))
    compared, _ = providers(capsys, databases["a_few_dozen_courses"])
    flags = dict(zip(compared["provider_id"], compared["flag_crude"], strict=True))
    # P_B: 4 x 5 = 20 courses with follow-up, the minimum for a point; P_A 12, P_SMALL 4
    assert flags["P_B"] != "too_few" and flags["P_A"] == flags["P_SMALL"] == "too_few"


def test_no_follow_up_yet_has_eligible_courses_and_no_rate(capsys, databases):
    table = rates(capsys, databases["no_followup_yet"], "provider")
    assert table["n_followup"].sum() == 0 and table["responder_rate"].isna().all()
    assert (table["itt_rate"].dropna() == 0).all()  # ITT: missing follow-up = no response


@pytest.mark.parametrize("name", NAMES)
def test_every_awkward_extract_keeps_its_adverse_events(databases, name):
    con = duckdb.connect(databases[name], read_only=True)
    try:
        (n,) = con.execute("select count(*) from adverse_events").fetchone()
    finally:
        con.close()
    assert n == KNOWN[name][1]


# --- the case-mix model drops what the extract lacks (methods.md section 4) -----------------


def test_nearly_all_missing_is_the_documented_boundary():
    # 100 courses: 5 values (95 % missing) is kept, 4 values (96 % missing) is dropped
    frame = pd.DataFrame(
        {
            "kept": pd.array([7, 1, 1, 1, 1] + [None] * 95, dtype="Int64"),
            "dropped": pd.array([1, 2, 3, 4] + [None] * 96, dtype="Int64"),
            "never": pd.array([None] * 100, dtype="Int64"),
            "one_level": ["knee_oa"] * 100,
        }
    )
    assert NEARLY_ALL_MISSING == 0.95
    choice = choose_covariates(frame, ["kept", "dropped", "never", "one_level", "absent"])
    assert choice.used == ("kept",)
    assert dict(choice.dropped) == {
        "dropped": NOT_RECORDED,
        "never": NOT_RECORDED,
        "one_level": "knee oa on every course",
        "absent": NOT_RECORDED,
    }


def test_a_never_recorded_covariate_gives_the_fit_without_it():
    courses = simulate_courses()
    courses["symptom_months"] = pd.array([None] * len(courses), dtype="Int64")
    model = fit_casemix(courses)
    others = tuple(c for c in CASEMIX_COVARIATES if c != "symptom_months")
    without = fit_casemix(courses.drop(columns="symptom_months"), covariates=others)
    assert model.covariates_used == others
    assert dict(model.covariates_dropped) == {"symptom_months": NOT_RECORDED}
    pd.testing.assert_series_equal(model.params, without.params)
    assert "months of symptoms (not recorded in this extract)" in covariate_sentence(model)


def test_with_nothing_to_adjust_for_the_expected_rate_is_the_clinic_rate():
    # one case mix for all: 3 of 5 respond at A, 1 of 5 at B; pooled rate 4/10
    frame = pd.DataFrame(
        {
            "provider_id": ["A"] * 5 + ["B"] * 5,
            "is_responder": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
            "severity_class": "unknown",
            "baseline_score": 6.0,
            "age_band": "50-59",
            "sex": "female",
            "indication": "knee_oa",
            "route": "intra_articular",
            "symptom_months": pd.array([None] * 10, dtype="Int64"),
        }
    )
    model = fit_casemix(frame)
    assert model.covariates_used == ()
    np.testing.assert_allclose(model.predict(frame), 0.4)
    sentence = covariate_sentence(model)
    assert sentence.startswith("No case-mix factor can be allowed for in these courses")
    assert "the adjusted comparison equals the crude one" in sentence


# --- the folder's other files (data-contract.md "Conventions") ------------------------------


def test_non_data_files_are_ignored_and_listed(tmp_path, capsys):
    folder = awkward_extracts.write("one_site", tmp_path / "extract", NON_DATA_FILES)
    (folder / "exports").mkdir()
    code, out, err = run(capsys, "load", str(folder), "--db", str(tmp_path / "x.duckdb"))
    assert code == 0, err
    assert "Ignored 4 file(s) that are not data: .deidentify-report.txt, README.txt, " in out
    assert "export.log, exports." in out
    # loaded as if they were not there: the same answer as the four files alone
    assert rates(capsys, str(tmp_path / "x.duckdb"), "provider")["n_courses"].sum() == 13
    report = load_folder(folder, tmp_path / "x.duckdb")  # the same extract again
    assert report.status == "unchanged" and "README.txt" in report.summary()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_misspelt_data_file_is_still_refused(tmp_path, capsys, fmt):
    folder = awkward_extracts.write("one_site", tmp_path / "csv", NON_DATA_FILES)
    if fmt == "parquet":
        extract = read_extract(folder)
        folder = tmp_path / "parquet"
        folder.mkdir()
        for name, table in extract.tables.items():
            pq.write_table(table, folder / f"{name}.parquet")
    (folder / f"courses.{fmt}").rename(folder / f"course.{fmt}")
    with pytest.raises(ContractViolation) as refused:
        read_extract(folder)
    shown = str(refused.value)
    assert f"course.{fmt}: unexpected file name (did you mean courses.{fmt}?)" in shown
    assert "courses.csv: required file is missing" in shown
    assert "README" not in shown  # the other files are no problem
    code, _, err = run(capsys, "load", str(folder), "--db", str(tmp_path / "x.duckdb"))
    assert code == 2 and f"course.{fmt}: unexpected file name" in err
    assert not (tmp_path / "x.duckdb").exists()
