"""The one disclosure gate (queries/disclosure/gate.py): a result's declared frames are hidden
with the viewer's threshold, everything else passes as it is (for now), and a provider's
audience never gets a frame naming another provider (methods.md section 6).

Expected values are worked out by hand on the small frames built here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from queries.core.errors import InsufficientData
from queries.disclosure.gate import PeerIdentified, Policy, disclose, present
from queries.disclosure.small_cells import SmallGroups, SmallRows, declares

DIRECTOR = Policy(audience="director", min_cell_size=11)
PROVIDER = Policy(audience="provider", min_cell_size=11)


def groups(followup: list[int]) -> pd.DataFrame:
    names = ["clinic"] + [f"g{i}" for i in range(1, len(followup))]
    return pd.DataFrame(
        {
            "group": names,
            "n_courses": followup,
            "n_followup": followup,
            "responder_rate": [0.5] * len(followup),
        }
    )


@dataclass(frozen=True)
class Declared:
    table: pd.DataFrame = field(metadata=declares(SmallGroups(denominator="n_followup")))
    other: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Weeks:
    weeks: pd.DataFrame = field(
        metadata=declares(
            SmallRows(count="n_courses", keep=("week",), when_all_hidden="under {min_cell_size}")
        )
    )


def test_declared_frames_are_hidden_with_the_policy_threshold():
    result = Declared(groups([40, 3, 25, 12]), other=groups([40, 3]))
    shown = disclose(result, DIRECTOR)
    # g1 (3 < 11) hidden; g3 (the next smallest) too, or g1 = 40 - 25 - 12 would show
    assert shown.table["is_hidden"].tolist() == [False, True, False, True]
    assert (
        shown.table.loc[shown.table["is_hidden"], ["n_courses", "responder_rate"]]
        .isna()
        .all()
        .all()
    )
    assert shown.other is result.other  # undeclared: passed as it is
    off = disclose(result, Policy(min_cell_size=1))
    assert off.table["is_hidden"].sum() == 0


@dataclass(frozen=True)
class Undeclared:
    table: pd.DataFrame
    findings: tuple[str, ...]
    n_courses: int


def test_undeclared_results_pass_as_they_are_for_now():
    result = Undeclared(groups([40, 3]), ("3 of 40 courses.",), 40)
    assert disclose(result, DIRECTOR) is result
    assert disclose(result.table, PROVIDER) is result.table
    assert disclose(result.findings, DIRECTOR) is result.findings


def test_small_rows_keep_their_key_and_all_hidden_is_insufficient_data():
    weeks = pd.DataFrame({"week": [0, 1], "n_courses": [12, 4], "mean_change": [0.0, -1.5]})
    shown = disclose(Weeks(weeks), DIRECTOR).weeks
    assert shown["is_hidden"].tolist() == [False, True]
    assert shown["week"].tolist() == [0, 1] and pd.isna(shown.loc[1, "mean_change"])
    with pytest.raises(InsufficientData, match="under 11"):
        disclose(Weeks(weeks.assign(n_courses=[3, 4])), DIRECTOR)


def test_a_provider_audience_never_gets_a_frame_naming_a_peer():
    own = pd.DataFrame({"unit_id": ["", "", "P_A"], "n": [30, 40, 25]})
    assert disclose(own, PROVIDER) is own  # masked peers and the provider themself
    peers = own.assign(unit_id=["P_B", "P_C", "P_A"])
    assert disclose(peers, DIRECTOR) is peers
    with pytest.raises(PeerIdentified):
        disclose(peers, PROVIDER)
    with pytest.raises(PeerIdentified):
        present(peers, ["n"], PROVIDER)  # tables and downloads pass the same gate


def test_a_policy_says_only_what_it_can_do():
    with pytest.raises(ValueError):
        Policy(audience="patient")
    with pytest.raises(ValueError):
        Policy(min_cell_size=0)
