"""Large providers' Poisson-binomial pmf (queries/stats/poisson_binomial.py, ``_trimmed``):
dropping the tails that underflowed to exactly 0 must not change the distribution.

Reference: the plain two-stage computation (every block's pmf, multiplied pairwise by
``np.convolve`` with nothing dropped), written out here.
"""

import numpy as np

from queries.stats.poisson_binomial import (
    BLOCK_SIZE,
    TRIM_FROM,
    _block_pmfs,
    poisson_binomial_pmf,
)


def untrimmed_pmf(p: np.ndarray) -> np.ndarray:
    pieces = list(_block_pmfs(p, BLOCK_SIZE))
    while len(pieces) > 1:
        paired = [np.convolve(pieces[i], pieces[i + 1]) for i in range(0, len(pieces) - 1, 2)]
        if len(pieces) % 2:
            paired.append(pieces[-1])
        pieces = paired
    return np.clip(pieces[0][: p.size + 1], 0.0, 1.0)


def test_up_to_the_trimming_length_the_pmf_is_the_plain_one_to_the_bit():
    p = np.random.default_rng(4).beta(4.4, 3.6, TRIM_FROM - 100)
    assert np.array_equal(poisson_binomial_pmf(p), untrimmed_pmf(p))


def test_a_large_providers_pmf_keeps_every_value_and_its_tails():
    p = np.random.default_rng(20).beta(4.4, 3.6, 20_000)
    got, want = poisson_binomial_pmf(p), untrimmed_pmf(p)
    assert got.size == want.size == 20_001
    assert np.array_equal(got == 0, want == 0)  # zero exactly where the plain pmf is
    positive = want > 0
    assert positive.sum() < 20_001 / 2  # the tails did underflow: something was trimmed
    np.testing.assert_allclose(got[positive], want[positive], rtol=1e-12, atol=0)
    assert abs(got.sum() - 1.0) < 1e-12
