"""The O/E funnel's limits from the cheaper distribution are the exact ones
(queries/stats/poisson_binomial.py ``limit_distribution``; issue 10: Providers at 1M).

Reference: :func:`poisson_binomial` (every product keeps all but its underflowed tails),
the distribution the limits were read from before, and ``provider_oe`` as it was, written
out here with it. The limits, O/E, z and flags must agree to 1e-12 (relative), on hand-built
cases and on seeded simulated providers from 1 to 80,000 courses and p of every shape.
"""

import numpy as np
import pandas as pd
import pytest

from queries.stats.poisson_binomial import (
    EXACT,
    FLOOR_FROM,
    exact_oe_limits,
    limit_distribution,
    oe_units,
    poisson_binomial,
    provider_oe,
)

LEVELS = (0.8, 0.95, 0.998, 0.9999)


def reference_limits(p, level):
    return exact_oe_limits(poisson_binomial(p), level)


def shapes(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    certain = rng.beta(4.4, 3.6, n)
    certain[: n // 10] = rng.choice([0.0, 1.0], n // 10)  # some certain outcomes
    return {
        "case mix": rng.beta(4.4, 3.6, n),
        "uniform": rng.uniform(0, 1, n),
        "rare": rng.uniform(0.0005, 0.02, n),
        "common": rng.uniform(0.97, 0.9995, n),
        "with certain": certain,
    }


def test_a_hand_built_provider_is_unchanged():
    dist = limit_distribution([0.2, 0.5, 0.8])  # pmf 0.08, 0.42, 0.42, 0.08 (by hand)
    np.testing.assert_allclose(dist.pmf, [0.08, 0.42, 0.42, 0.08], rtol=1e-14)
    lim = exact_oe_limits(dist, 0.8)  # as tests/test_poisson_binomial.py works it out
    assert lim == reference_limits([0.2, 0.5, 0.8], 0.8)


@pytest.mark.parametrize("n", [1, 7, 20, 255, 300, 4_000, 20_000, 80_000])
def test_the_limits_are_the_exact_ones_for_every_size_and_shape(n):
    for name, p in shapes(n, n).items():
        fast, slow = limit_distribution(p), poisson_binomial(p)
        assert (fast.mean, fast.variance) == (slow.mean, slow.variance)
        for level in LEVELS:
            got, want = exact_oe_limits(fast, level), exact_oe_limits(slow, level)
            assert got.lower == pytest.approx(want.lower, rel=1e-12, abs=1e-300), (name, level)
            assert got.upper == pytest.approx(want.upper, rel=1e-12, abs=1e-300), (name, level)


def test_large_providers_do_lose_their_far_tails_and_keep_the_rest():
    p = shapes(50_000, 5)["case mix"]
    fast, slow = limit_distribution(p).pmf, poisson_binomial(p).pmf
    assert fast.size == slow.size == 50_001
    kept = fast > 0
    assert kept.sum() < (slow > 0).sum() / 2  # something was left out: the saving is real
    peak = slow.max()
    # the docstring's bound: 1e-28 of the peak, on top of the sums' own rounding
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-28 * peak)
    central = slow > 1e-15 * peak  # where the limits read: relative accuracy kept
    np.testing.assert_allclose(fast[central], slow[central], rtol=1e-12, atol=0)
    assert slow[~kept].max() < 1e-29 * peak  # only values under the floor were dropped
    assert fast.sum() == pytest.approx(1.0, abs=1e-13)


def test_small_providers_multiply_nothing_long_enough_to_lose_a_value():
    p = shapes(FLOOR_FROM // 2, 3)["uniform"]
    assert np.array_equal(limit_distribution(p).pmf, poisson_binomial(p).pmf)


def reference_provider_oe(p, observed, levels):
    """provider_oe before: the same steps on :func:`poisson_binomial`."""
    dist = poisson_binomial(p)
    return [exact_oe_limits(dist, lvl) for lvl in levels], observed / dist.mean


def test_provider_rows_and_the_funnel_table_match_the_reference():
    rng = np.random.default_rng(11)
    parts = []
    for unit, n in (("a", 12), ("b", 60), ("c", 3_000), ("d", 30_000)):
        p = rng.beta(4.4, 3.6, n)
        parts.append(pd.DataFrame({"unit_id": unit, "p": p, "observed": rng.random(n) < p}))
    courses = pd.concat(parts, ignore_index=True)
    table = oe_units(courses, method=EXACT).set_index("unit_id")
    for unit, g in courses.groupby("unit_id"):
        observed = int(g["observed"].sum())
        row = provider_oe(g["p"].to_numpy(), observed, (0.95, 0.998))
        limits, oe = reference_provider_oe(g["p"].to_numpy(), observed, (0.95, 0.998))
        assert row.oe_ratio == oe == table.loc[unit, "oe_ratio"]
        for got, want in zip(row.exact, limits, strict=True):
            assert (got.lower, got.upper) == pytest.approx((want.lower, want.upper), rel=1e-12)
        assert table.loc[unit, "lower_99_8"] == pytest.approx(limits[1].lower, rel=1e-12)
        assert table.loc[unit, "upper_95"] == pytest.approx(limits[0].upper, rel=1e-12)
