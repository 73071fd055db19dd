"""Known-answer tests for queries/stats/associations.py.

Where each expected number comes from:
- odds ratios / intervals / p-values: statsmodels' own ``sm.Logit`` (Newton, a different
  fitting routine from the module's GLM-IRLS) on a design matrix built by hand
  (ozone_testkit/casemix_simulation.py), on courses simulated from a known logistic model;
- standardised differences: Austin 2009 (Stat Med 28:3083) formulas in plain Python.
"""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ozone_testkit.casemix_simulation import independent_design, simulate_courses
from queries.stats.associations import adjusted_odds_ratios, standardised_differences
from queries.stats.casemix import CASEMIX_COVARIATES


@pytest.fixture(scope="module")
def courses() -> pd.DataFrame:
    return simulate_courses()


def test_adjusted_odds_ratios_equal_statsmodels_logit(courses):
    covariates = (*CASEMIX_COVARIATES, "rehab")
    table = adjusted_odds_ratios(courses, "is_responder", covariates, level=0.95)
    x = independent_design(courses, with_rehab=True)
    logit = sm.Logit(courses["is_responder"].to_numpy(float), x).fit(disp=0, tol=1e-12)
    ci = np.exp(logit.conf_int(alpha=0.05))
    table = table.set_index("term")
    assert set(table.index) == set(x.columns) - {"const"}
    for term in table.index:
        assert table.loc[term, "odds_ratio"] == pytest.approx(
            math.exp(logit.params[term]), abs=1e-6
        )
        assert table.loc[term, "ci_lower_95"] == pytest.approx(ci.loc[term, 0], abs=1e-6)
        assert table.loc[term, "ci_upper_95"] == pytest.approx(ci.loc[term, 1], abs=1e-6)
        assert table.loc[term, "p_value"] == pytest.approx(logit.pvalues[term], abs=1e-6)
    assert (table["n"] == len(courses)).all()
    assert (
        table.loc["rehab[supervised_pt]", "n_with_level"]
        == (courses["rehab"] == "supervised_pt").sum()
    )
    assert table.loc["rehab[supervised_pt]", "reference"] == "none"
    assert table.loc["rehab[supervised_pt]", "odds_ratio"] > 1.3  # planted +0.5 on the logit


def test_standardised_differences_match_hand_computation():
    frame = pd.DataFrame(
        {
            "is_responder": [False] * 4 + [True] * 6,
            "sex": [
                "male",
                "male",
                "male",
                "female",
                "male",
                "female",
                "female",
                "female",
                "female",
                "male",
            ],
            "lifestyle_support": [False, False, False, True, True, True, True, False, True, True],
            "overtraining": [True, None, False, None, False, False, False, False, True, False],
            "baseline_score": [8.0, 9.0, 7.0, 8.0, 6.0, 5.0, 7.0, 6.0, 5.0, 6.0],
        }
    )
    out = standardised_differences(
        frame, "is_responder", ["sex", "lifestyle_support", "baseline_score", "overtraining"]
    )
    rows = {(r.factor, r.level): r for r in out.itertuples()}
    # sex = male: non-responders 3/4, responders 2/6
    pa, pb = 3 / 4, 2 / 6
    d_male = (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert rows[("sex", "male")].std_difference == pytest.approx(d_male)
    assert rows[("sex", "male")].ratio == pytest.approx(pa / pb)
    assert rows[("sex", "female")].std_difference == pytest.approx(-d_male)
    # lifestyle support (boolean: only the True level): 1/4 against 5/6
    pa, pb = 1 / 4, 5 / 6
    d_life = (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert rows[("lifestyle_support", "True")].std_difference == pytest.approx(d_life)
    assert ("lifestyle_support", "False") not in rows
    # a boolean with missing values: True 1/4 vs 1/6, (missing) 2/4 vs 0/6 (unknown is shown)
    pa, pb = 2 / 4, 0.0
    d_missing = (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert rows[("overtraining", "(missing)")].std_difference == pytest.approx(d_missing)
    assert rows[("overtraining", "True")].share_group_b == pytest.approx(1 / 6)
    assert ("overtraining", "False") not in rows
    # baseline: means 8 and 35/6, sample variances 2/3 and 17/30
    ma, mb = 8.0, 35 / 6
    va = sum((v - ma) ** 2 for v in [8, 9, 7, 8]) / 3
    vb = sum((v - mb) ** 2 for v in [6, 5, 7, 6, 5, 6]) / 5
    d_base = (ma - mb) / math.sqrt((va + vb) / 2)
    base = rows[("baseline_score", "(mean)")]
    assert base.std_difference == pytest.approx(d_base)
    assert (base.share_group_a, base.share_group_b) == pytest.approx((ma, mb))
    assert (base.n_group_a, base.n_group_b) == (4, 6)
    # sorted by |d|, largest first
    assert list(np.abs(out["std_difference"])) == sorted(
        np.abs(out["std_difference"]), reverse=True
    )
