"""Known-answer tests for queries/stats/oe_funnel.py: the case-mix-adjusted O/E funnel with
Poisson-binomial limits (methods.md section 4), and the phi > 1 rule of
queries/stats/overdispersion.py.

Where each expected number comes from:
- exact limits: brute-force enumeration of all 2^n outcomes of each provider of a small
  clinic (n <= 12), the interpolated quantile of Spiegelhalter 2005 appendix A.1.1 worked
  out on that pmf in plain Python; and a seeded Monte Carlo of a 60-course provider;
- z, phi, tau² and the widened limits: by hand on ten providers of 100 courses with p = 0.5
  (E = 50, V = 25, s = sqrt(V)/E = 0.1, w = 1/s² = 100), written out below.
"""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from queries.core.settings import Settings
from queries.stats.funnel import POISSON_BINOMIAL
from queries.stats.oe_funnel import (
    limit_curve,
    oe_funnel,
    oe_funnel_curve,
    weighted_oe_limit_curve,
)


def brute_force_limit(p, q: float) -> float:
    """The interpolated q quantile of O over E, O = Σ Bernoulli(p_i), by enumeration."""
    pmf = np.zeros(len(p) + 1)
    for outcome in itertools.product((0, 1), repeat=len(p)):
        pmf[sum(outcome)] += math.prod(
            pi if y else 1 - pi for pi, y in zip(p, outcome, strict=True)
        )
    cdf = np.cumsum(pmf)
    r = next(k for k in range(len(p) + 1) if cdf[k] >= q - 1e-15)
    below = cdf[r - 1] if r > 0 else 0.0
    alpha = (cdf[r] - q) / (cdf[r] - below)
    return max(r - alpha, 0.0) / sum(p)  # clipped at 0 below the smallest count


def small_clinic() -> pd.DataFrame:
    rng = np.random.default_rng(90401)
    frames = []
    for unit, n in (("a", 8), ("b", 10), ("c", 12)):
        p = rng.uniform(0.2, 0.8, n)
        frames.append(pd.DataFrame({"unit_id": unit, "p": p, "observed": rng.random(n) < p}))
    return pd.concat(frames, ignore_index=True).astype({"observed": int})


def test_exact_limits_equal_a_brute_force_poisson_binomial():
    courses = small_clinic()
    result = oe_funnel(courses, Settings(min_provider_courses=5), adjust_overdispersion=False)
    assert result.data_type == POISSON_BINOMIAL and result.limit_method.startswith("exact")
    units = result.units.set_index("unit_id")
    for unit, rows in courses.groupby("unit_id"):
        p = rows["p"].tolist()
        row = units.loc[unit]
        assert row["expected"] == pytest.approx(sum(p))
        assert row["variance"] == pytest.approx(sum(pi * (1 - pi) for pi in p))
        assert row["z"] == pytest.approx(
            (rows["observed"].sum() - sum(p)) / math.sqrt(row["variance"])
        )
        for level, sfx in ((0.95, "95"), (0.998, "99_8")):
            tail = (1 - level) / 2
            assert row[f"lower_{sfx}"] == pytest.approx(brute_force_limit(p, tail), abs=1e-12)
            assert row[f"upper_{sfx}"] == pytest.approx(brute_force_limit(p, 1 - tail), abs=1e-12)
            assert row[f"exact_lower_{sfx}"] == row[f"lower_{sfx}"]


def test_exact_limits_agree_with_a_seeded_monte_carlo_of_a_60_course_provider():
    rng = np.random.default_rng(60)
    p = rng.beta(3, 2.5, 60)
    courses = pd.DataFrame({"unit_id": "m", "p": p, "observed": (rng.random(60) < p).astype(int)})
    row = oe_funnel(courses, adjust_overdispersion=False).units.iloc[0]
    counts = (np.random.default_rng(61).random((200_000, 60)) < p).sum(axis=1)
    # The smallest count with F >= q, by Monte Carlo, is the interpolated limit rounded up
    # (measured: 24 and 38 for limits of 23.20 and 37.29 courses; E = 30.1).
    e = p.sum()
    monte_carlo = np.quantile(counts, [0.025, 0.975], method="inverted_cdf")
    assert list(monte_carlo) == [math.ceil(row["lower_95"] * e), math.ceil(row["upper_95"] * e)]
    # The interpolation only smooths the curve: strictly below the lower 95 % limit lies at
    # most 2.5 % of the distribution, strictly above the upper one a little more
    # (poisson_binomial.py's module docstring).
    assert float(np.mean(counts / e < row["lower_95"])) == pytest.approx(0.0215, abs=0.002)
    assert float(np.mean(counts / e > row["upper_95"])) == pytest.approx(0.0290, abs=0.002)


def ten_providers(observed) -> pd.DataFrame:
    """Ten providers of 100 courses with p = 0.5: E = 50, V = 25 for each."""
    rows = []
    for i, o in enumerate(observed):
        rows.append(
            pd.DataFrame({"unit_id": f"u{i}", "p": 0.5, "observed": [1] * o + [0] * (100 - o)})
        )
    return pd.concat(rows, ignore_index=True)


def test_overdispersion_by_hand_and_widened_limits():
    # z = (O - 50)/5 = 0, -0.4, 1, -2, 2.4, 0.2, -0.6, 0.6, -1.2, 1.6; winsorised at the
    # type-7 10th/90th percentiles (-1.28 and 1.68): squares sum to 10.3808, phi = 1.03808;
    # tau² = (10·1.03808 - 9)/(1000 - 100000/1000) = 1.3808/900 = 0.00153422.
    result = oe_funnel(ten_providers([50, 48, 55, 40, 62, 51, 47, 53, 44, 58]))
    od = result.overdispersion
    assert od.phi == pytest.approx(1.03808) and od.tau2 == pytest.approx(1.3808 / 900)
    assert od.applied and result.limit_method == "normal limits on the O/E scale, widened by tau²"
    units = result.units.set_index("unit_id")
    assert units["z"].to_numpy() == pytest.approx([0, -0.4, 1, -2, 2.4, 0.2, -0.6, 0.6, -1.2, 1.6])
    # 95 %: 1 ± 1.959964·sqrt(0.01 + 0.00153422) = 1 ± 0.210495; 99.8 %: 1 - 3.090232·0.107397
    assert units["lower_95"].iloc[0] == pytest.approx(0.789505, abs=1e-6)
    assert units["upper_95"].iloc[0] == pytest.approx(1.210495, abs=1e-6)
    assert units["lower_99_8"].iloc[0] == pytest.approx(0.668117, abs=1e-6)
    assert units["exact_lower_95"].iloc[0] == pytest.approx(0.793648, abs=1e-6)  # narrower
    flags = units["flag"].to_dict()
    assert flags.pop("u4") == "high_alert"  # O/E 1.24 > 1.2105
    assert set(flags.values()) == {"within"}
    assert units.loc["u4", "z_adjusted"] == pytest.approx(0.24 / math.sqrt(0.01 + 1.3808 / 900))


def test_phi_below_one_leaves_the_limits_exact_even_with_tau2_above_zero():
    # z = 0, -0.6, 1, -1.8, 2.2, 0.2, -0.6, 0.6, -1.2, 1.4; winsorised at -1.26 and 1.48:
    # squares sum to 9.298, phi = 0.9298 < 1, but I·phi = 9.298 > I - 1 = 9, so the
    # DerSimonian-Laird tau² = 0.298/900 > 0. FunnelPlotR would widen; the data show no
    # excess variation, so the limits stay exact (queries/stats/overdispersion.py).
    result = oe_funnel(ten_providers([50, 47, 55, 41, 61, 51, 47, 53, 44, 57]))
    od = result.overdispersion
    assert od.phi == pytest.approx(0.9298) and od.tau2 == pytest.approx(0.298 / 900)
    assert not od.applied
    units = result.units
    assert (units["lower_95"] == units["exact_lower_95"]).all()
    assert (units["z_adjusted"] == units["z"]).all()
    flags = dict(zip(units["unit_id"], units["flag"], strict=True))
    assert flags.pop("u4") == "high_alert"  # O/E 1.22 > the exact 1.1864
    assert set(flags.values()) == {"within"}


def test_limit_curve_is_the_binomial_equivalent_and_widens_with_tau2():
    exact = oe_funnel(ten_providers([50, 47, 55, 41, 61, 51, 47, 53, 44, 57]))
    assert exact.weighted_probability == pytest.approx(0.5)
    curve = oe_funnel_curve(exact, expected_grid=[10.0, 50.0, 200.0])
    reference = weighted_oe_limit_curve(0.5, [10.0, 50.0, 200.0])
    assert curve["lower_95"].tolist() == reference["lower_95"].tolist()
    assert curve["unadjusted_upper_99_8"].tolist() == reference["upper_99_8"].tolist()
    wide = oe_funnel(ten_providers([50, 48, 55, 40, 62, 51, 47, 53, 44, 58]))
    curve = limit_curve(wide)
    e = curve["expected"].to_numpy()
    half = 1.959964 * np.sqrt(0.5 / e + 1.3808 / 900)  # V(E)/E² = (1 - p_w)/E
    assert curve["upper_95"].to_numpy() == pytest.approx(1 + half, abs=1e-6)
    assert (curve["unadjusted_upper_95"] < curve["upper_95"]).all()
