"""What every page pays does not grow with the clinic, and answers as before (issue 10).

Three things moved out of the page views: ``scoped_courses`` (sql/macros.sql) pairs courses
with course_facts by position instead of joining them on course_id (marts/course_facts.sql
stores the facts in the order of courses and the load checks it); the unfiltered clinic's
Overview counts and each provider's sidebar filter values are stored at load
(marts/scope_summaries.sql). Each is checked here against what the pages computed before,
written out independently: the join on course_id, the counts of course_totals.sql and
responder_counts.sql over the courses, the distinct values of the courses, on the hand-built
fixture clinic and on the synthetic clinic, for the clinic, each provider and filtered views.
The hand-worked Overview totals themselves are tests/test_rates_fixture.py's.
"""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from ozone_testkit import fixture_clinic
from queries.analytics import rates
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope, scope_struct
from queries.data import db
from queries.data.loading import load_folder

# The definition scoped_courses had before issue 10: courses joined to its facts.
JOINED = """
    select c.*, f.* exclude (course_id)
    from courses as c join course_facts as f using (course_id)
"""
WHERE = """
    where ($scope['provider_id']::varchar is null
           or provider_id = $scope['provider_id']::varchar)
      and ($scope['year_min']::integer is null or start_year >= $scope['year_min']::integer)
      and ($scope['year_max']::integer is null or start_year <= $scope['year_max']::integer)
      and ($scope['site_ids']::varchar[] is null
           or list_contains($scope['site_ids']::varchar[], site_id))
      and ($scope['indications']::varchar[] is null
           or list_contains($scope['indications']::varchar[], indication::varchar))
      and ($scope['routes']::varchar[] is null
           or list_contains($scope['routes']::varchar[], route::varchar))
"""


@pytest.fixture(scope="module", params=["fixture", "synthetic"])
def con(request) -> duckdb.DuckDBPyConnection:
    path = request.getfixturevalue(f"{request.param}_clinic_db")
    connection = db.connect(path)
    yield connection
    connection.close()


def _providers(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0] for r in con.execute("select distinct provider_id from courses order by 1").fetchall()
    ]


def _views(con: duckdb.DuckDBPyConnection) -> list[tuple[Scope, Filters]]:
    """The clinic, every provider, and filtered views of the clinic and of one provider (the
    year, site, indication and route of one of that provider's courses)."""
    provider, year, site, indication, route = con.execute(
        "select provider_id, start_year, site_id, indication::varchar, route::varchar "
        "from courses order by course_id limit 1"
    ).fetchone()
    filtered = [
        Filters(year_min=year, year_max=year),
        Filters(site_ids=(site,)),
        Filters(indications=(indication,), routes=(route,)),
    ]
    scopes = [Scope.clinic(), *(Scope.provider(p) for p in _providers(con))]
    return [(s, Filters()) for s in scopes] + [
        (s, f) for s in (Scope.clinic(), Scope.provider(provider)) for f in filtered
    ]


def test_course_facts_are_stored_in_the_order_of_courses(con):
    pairs = con.execute(
        "select c.course_id, f.course_id from courses as c positional join course_facts as f"
    ).fetchall()
    assert len(pairs) == con.execute("select count(*) from courses").fetchone()[0]
    assert all(left == right for left, right in pairs)


def test_scoped_courses_is_the_join_on_course_id(con):
    """Same rows, columns, order of columns and types as the join it replaces, in every view."""
    for scope, filters in _views(con):
        params = {"scope": scope_struct(scope, filters)}
        cur = con.cursor()
        paired = cur.execute("select * from scoped_courses($scope) order by course_id", params).df()
        joined = cur.execute(f"select * from ({JOINED}) {WHERE} order by course_id", params).df()
        assert list(paired.columns) == list(joined.columns)
        assert list(paired.dtypes) == list(joined.dtypes)
        pd.testing.assert_frame_equal(paired, joined)
        assert len(paired) > 0, (scope, filters)


def _counted(q: Query) -> dict[str, int]:
    """The Overview's counts as the pages counted them before issue 10: course_totals.sql and
    responder_counts.sql by 'all' over the view's courses."""
    totals = q.run("analytics/course_totals").iloc[0]
    counts = {str(k): int(v) for k, v in totals.items()}
    outcomes = q.run(
        "analytics/responder_counts", by="all", by_2="all", window=q.settings.window(None).name
    ).iloc[0]
    counts.update({k: int(outcomes[k]) for k in rates.OUTCOME_COUNTS})
    return counts


def test_the_stored_overview_of_the_clinic_equals_the_counts_over_its_courses(con):
    q = Query(con)
    stored = q.run("analytics/clinic_overview", window=q.settings.window(None).name)
    assert len(stored) == 1
    assert {k: int(v) for k, v in stored.iloc[0].items()} == _counted(q)
    assert rates.overview(q).counts() == _counted(q)
    assert rates.n_not_yet_due(q) == _counted(q)["n_not_yet_due"]


def test_a_provider_or_a_filtered_view_is_counted_from_its_own_courses(con):
    """Only the unfiltered clinic reads the stored row: for a provider (their scope, not the
    clinic's) or any filter it returns nothing, and the Overview is that view's count."""
    per_provider = dict(
        con.execute("select provider_id, count(*) from courses group by 1").fetchall()
    )
    for scope, filters in _views(con)[1:]:
        q = Query(con, scope, filters)
        assert q.run("analytics/clinic_overview", window=q.settings.window(None).name).empty
        counts = _counted(q)
        assert rates.overview(q).counts() == counts
        assert rates.n_not_yet_due(q) == counts["n_not_yet_due"]
        if filters == Filters():  # a provider's own courses, not the clinic's
            assert counts["n_courses"] == per_provider[scope.provider_id]


def test_another_window_is_counted_from_the_courses(con):
    q = Query(con)
    other = next(w.name for w in q.settings.windows if w.name != q.settings.primary_window)
    assert q.run("analytics/clinic_overview", window=other).empty
    outcomes = q.run("analytics/responder_counts", by="all", by_2="all", window=other).iloc[0]
    assert rates.n_not_yet_due(q, other) == int(outcomes["n_not_yet_due"])
    assert rates.overview(q, other).n_followup == int(outcomes["n_followup"])


def test_a_scope_without_courses_still_has_nothing_to_show(con):
    with pytest.raises(InsufficientData):
        rates.overview(Query(con, Scope.provider("nobody")))
    with pytest.raises(InsufficientData):
        rates.overview(Query(con, filters=Filters(year_min=1900, year_max=1900)))


def _values(courses: pd.DataFrame) -> dict[str, list[str]]:
    return {
        "start_year": sorted(str(v) for v in courses["start_year"].unique()),
        "site": sorted(courses["site_id"].unique()),
        "indication": sorted(str(v) for v in courses["indication"].unique()),
        "route": sorted(str(v) for v in courses["route"].unique()),
    }


def test_filter_options_are_the_values_of_the_scope_s_courses(con):
    courses = con.execute("select * from courses").df()
    for scope in [Scope.clinic(), *(Scope.provider(p) for p in _providers(con))]:
        mine = courses if scope.is_clinic else courses[courses["provider_id"] == scope.provider_id]
        # whatever the filters: the sidebar offers every value of the scope
        options = rates.filter_options(Query(con, scope, Filters(site_ids=("nowhere",))))
        assert {k: sorted(str(v) for v in options[k]) for k in options} == _values(mine)
        assert options["start_year"] == sorted(options["start_year"])  # years in order


def test_a_load_with_facts_out_of_order_fails(fixture_clinic_db, tmp_path):
    """The pairing by position is checked by the last statement of marts/course_facts.sql:
    facts written in another order fail it (the load then swaps nothing in)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(fixture_clinic_db, copy)
    con = db.connect(copy, read_only=False)
    try:
        db.execute_script(con, "staging/stg_courses")
        check = db.statements("marts/course_facts")[-1]
        con.execute(check)  # in order: passes
        con.execute(
            "create or replace table course_facts as "
            "select * from course_facts order by course_id desc"
        )
        with pytest.raises(duckdb.Error, match="out of the order of the courses"):
            con.execute(check)
    finally:
        con.close()


def test_the_stored_tables_are_small(con):
    """A few rows whatever the clinic's size: one for the clinic's Overview, and per provider
    a row per year, site, indication and route."""
    assert con.execute("select count(*) from clinic_overview").fetchone()[0] == 1
    n_values = con.execute("select count(*) from scope_filter_values").fetchone()[0]
    assert n_values <= len(_providers(con)) * (20 + 20 + 8 + 8)


def test_a_load_that_replaces_courses_keeps_the_pairing_and_the_stored_counts(tmp_path):
    """A newer extract replaces two courses (one moved to another provider) and adds one:
    the new file's courses are the kept ones and the extract's, in another order than the
    first load's; the pairing, the stored Overview and the filter values follow."""
    first = fixture_clinic.write(tmp_path / "first")
    path = tmp_path / "clinic.duckdb"
    load_folder(first, path)
    data = fixture_clinic.rows()
    keep = {"tie_in_window", "no_baseline"}
    newer = {name: [r for r in rows if r["course_id"] in keep] for name, rows in data.items()}
    newer["courses"][0]["provider_id"] = "P_NEW"
    newer["courses"].append({**newer["courses"][1], "course_id": "brand_new"})
    load_folder(fixture_clinic.write(tmp_path / "newer", newer), path)
    con = db.connect(path)
    try:
        test_course_facts_are_stored_in_the_order_of_courses(con)
        test_scoped_courses_is_the_join_on_course_id(con)
        test_the_stored_overview_of_the_clinic_equals_the_counts_over_its_courses(con)
        test_filter_options_are_the_values_of_the_scope_s_courses(con)
        assert rates.overview(Query(con)).n_courses == 14
        assert "P_NEW" in _providers(con)
    finally:
        con.close()
