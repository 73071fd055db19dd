"""The pages' counting queries made cheaper return the same rows (issue 10: Providers and
My practice at 1M courses): sql/analytics/nonresponder_levels.sql, response_patterns.sql and
case_mix_counts.sql group the courses first and unnest, unpivot or cast the patterns.

Reference: each query as it was before (written out below), run on the same database with
the same parameters: the same rows in the same order, counts equal, means and variances to
1e-12 (DuckDB's parallel sums may round differently from run to run).
"""

import numpy as np
import pandas as pd
import pytest

from queries.core.scope import Filters, Scope, scope_struct
from queries.core.settings import Settings
from queries.data import db

OLD_NONRESPONDER_LEVELS = """
with completers as (
    select
        severity_class::varchar as severity_class,
        adherence_class::varchar as adherence_class,
        rehab::varchar as rehab,
        lifestyle_support::varchar as lifestyle_support,
        expectations::varchar as expectations,
        overtraining_reported::varchar as overtraining_reported,
        early_antioxidants_reported::varchar as early_antioxidants_reported,
        is_quit_after_flare::varchar as is_quit_after_flare,
        age_band::varchar as age_band,
        indication::varchar as indication,
        baseline_score::double as baseline_score,
        coalesce(is_responder, false) as is_responder
    from scoped_outcomes($scope, $window)
    where coalesce(is_eligible, false) and coalesce(has_followup, false)
),
levels as (
    select
        unnest([
            {'factor': 'severity_class', 'level': severity_class},
            {'factor': 'adherence_class', 'level': adherence_class},
            {'factor': 'rehab', 'level': rehab},
            {'factor': 'lifestyle_support', 'level': lifestyle_support},
            {'factor': 'expectations', 'level': expectations},
            {'factor': 'overtraining_reported', 'level': overtraining_reported},
            {'factor': 'early_antioxidants_reported', 'level': early_antioxidants_reported},
            {'factor': 'is_quit_after_flare', 'level': is_quit_after_flare},
            {'factor': 'age_band', 'level': age_band},
            {'factor': 'indication', 'level': indication}
        ], recursive := true),
        is_responder
    from completers
),
final as (
    select
        factor,
        level,
        is_responder,
        count(*) as n,
        null::double as mean,
        null::double as var_samp
    from levels
    group by factor, level, is_responder
    union all
    select
        'baseline_score' as factor,
        null::varchar as level,
        is_responder,
        count(baseline_score) as n,
        avg(baseline_score) as mean,
        var_samp(baseline_score) as var_samp
    from completers
    group by is_responder
)
select * from final
order by factor, level, is_responder;
"""

OLD_RESPONSE_PATTERNS = """
with final as (
    select
        severity_class::varchar as severity_class,
        adherence_class::varchar as adherence_class,
        rehab::varchar as rehab,
        lifestyle_support,
        expectations::varchar as expectations,
        overtraining_reported,
        early_antioxidants_reported,
        baseline_score,
        age_band::varchar as age_band,
        indication::varchar as indication,
        coalesce(is_responder, false) as is_responder,
        count(*) as n
    from scoped_outcomes($scope, $window)
    where coalesce(is_eligible, false) and coalesce(has_followup, false)
    group by all
)
select * from final
order by all;
"""

OLD_CASE_MIX_COUNTS = """
with grouped as (
    select
        group_value,
        severity_class::varchar as severity_class,
        indication::varchar as indication,
        route::varchar as route,
        age_band::varchar as age_band,
        sex::varchar as sex
    from grouped_courses($scope, $by, 'all')
),
long as (
    unpivot grouped
    on severity_class, indication, route, age_band, sex
    into name factor value level
),
final as (
    select group_value, factor, level, count(*) as n_courses
    from long
    group by group_value, factor, level
)
select * from final
order by group_value, factor, level;
"""

OLD = {
    "analytics/nonresponder_levels": OLD_NONRESPONDER_LEVELS,
    "analytics/response_patterns": OLD_RESPONSE_PATTERNS,
    "analytics/case_mix_counts": OLD_CASE_MIX_COUNTS,
}


def scopes(con) -> list[dict]:
    providers = sorted(con.sql("select distinct provider_id from courses").df()["provider_id"])
    return [
        scope_struct(Scope(), Filters()),
        scope_struct(Scope.provider(providers[0]), Filters()),
        scope_struct(Scope(), Filters(indications=("knee_oa",))),
    ]


def assert_same_rows(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for col in old.columns:
        if pd.api.types.is_float_dtype(old[col]):
            np.testing.assert_allclose(new[col], old[col], rtol=1e-12, atol=0)
        else:
            assert new[col].astype(object).tolist() == old[col].astype(object).tolist(), col


@pytest.mark.parametrize("clinic", ["fixture_clinic_db", "synthetic_clinic_db"])
@pytest.mark.parametrize("name", sorted(OLD))
def test_the_cheaper_counting_queries_return_the_old_rows(clinic, name, request):
    con = db.connect(request.getfixturevalue(clinic))
    window = Settings().primary_window
    compared = 0
    for scope in scopes(con):
        params = {"scope": scope, "window": window, "by": "provider"}
        used = {k: v for k, v in params.items() if f"${k}" in OLD[name]}
        old = con.execute(OLD[name], used).df()
        new = db.run(con, name, **used)
        assert_same_rows(new, old)
        compared += len(old) > 0
    assert compared >= 2  # the comparisons are of rows, not of empty tables
