"""A quarterly series with the "Making Data Count" signals planted by construction, shared by
the p-chart tests (tests/test_spc.py) and the Laney p′ tests (tests/test_laney.py).

30 quarters, 100 courses each, 900 events in all: p̄ = 900 / 3000 = 0.30 exactly.
sigma = sqrt(0.3 * 0.7 / 100) = sqrt(0.0021) = 0.0458258
upper limit = 0.3 + 3 * 0.0458258 = 0.4374773; lower = 0.3 - 0.1374773 = 0.1625227
near-limit lines (2 sigma): 0.3916515 and 0.2083485
"""

import pandas as pd

PLANTED = [
    30,
    29,
    31,
    30,  # 0-3   common cause (30 = on the centre line)
    45,  # 4     beyond the upper limit (0.45 > 0.4375)
    30,  # 5     on the line: ends any run
    27,
    25,
    28,
    26,
    27,
    25,
    28,  # 6-12  shift: 7 below, zig-zag so no trend
    30,  # 13    on the line
    24,
    26,
    28,
    30,
    32,
    34,
    36,  # 14-20 trend: 7 rising, crossing the line
    29,  # 21    below: breaks the run above
    40,
    31,
    41,  # 22-24 two of three close to the upper limit
    29,
    27,
    28,
    27,
    27,  # 25-29 five below: too short for a shift
]


def periods(n, events) -> pd.DataFrame:
    """One row per quarter ``q0, q1, ...``: ``period``, ``n`` (one number for every quarter,
    or one per quarter) and ``events``."""
    return pd.DataFrame({"period": [f"q{i}" for i in range(len(events))], "n": n, "events": events})


def planted_frame() -> pd.DataFrame:
    """The planted series, 100 courses a quarter."""
    return periods(100, PLANTED)
