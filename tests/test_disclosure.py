"""The one disclosure gate (queries/disclosure/gate.py), on small frames worked out by hand:
the full small-cell rule of methods.md section 6 on every frame (counts 1..10 hidden, rates
only over a shown denominator of 11 or more with a shown numerator, complementary
suppression against totals, row differences and the other cells of a column, rounding),
a result's declared rules first, counts in sentences redacted, the note of what was hidden,
and a provider's audience never getting a frame naming another provider.

The property-based tests of the same rule are in tests/test_gate_properties.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

from queries.core.errors import InsufficientData
from queries.disclosure.gate import (
    PeerIdentified,
    Policy,
    count_text,
    disclose,
    hidden_note,
    present,
    rate_shown,
    redact,
    shown_count,
)
from queries.disclosure.small_cells import SmallGroups, SmallRows, declares

DIRECTOR = Policy(audience="director", min_cell_size=11)
PROVIDER = Policy(audience="provider", min_cell_size=11)
ROUNDED = Policy(audience="director", min_cell_size=11, round_to=5)
COUNTS = ["n_courses", "n_eligible", "n_followup", "n_responders"]


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        responder_rate=frame["n_responders"] / frame["n_followup"],
        ci_lower_95=frame["n_responders"] / frame["n_followup"] - 0.1,
        ci_upper_95=frame["n_responders"] / frame["n_followup"] + 0.1,
        itt_rate=frame["n_responders"] / frame["n_eligible"],
        followup_rate=frame["n_followup"] / frame["n_eligible"],
    )


def clinic_and_providers() -> pd.DataFrame:
    """Every row difference is 12 or more, the clinic is the sum, one count is small (C: 4
    responders)."""
    return with_rates(
        pd.DataFrame(
            {
                "group": ["clinic", "A", "B", "C"],
                "n_courses": [155, 60, 55, 40],
                "n_eligible": [118, 48, 42, 28],
                "n_followup": [82, 36, 30, 16],
                "n_responders": [46, 24, 18, 4],
            }
        )
    )


def as_lists(frame: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    return [[None if pd.isna(v) else v for v in frame[c]] for c in columns]


def test_a_small_count_and_its_complement_in_the_column():
    shown = disclose(clinic_and_providers(), DIRECTOR)
    # C's 4 responders are hidden; B's 18 too (the next smallest), or C = 46 - 24 - 18
    assert as_lists(shown, COUNTS) == [
        [155, 60, 55, 40],
        [118, 48, 42, 28],
        [82, 36, 30, 16],
        [46, 24, None, None],
    ]
    # their complete-case and ITT rates go with them (rate x 30 follow-up gives 18 back)
    assert shown["responder_rate"].isna().tolist() == [False, False, True, True]
    assert shown["ci_lower_95"].isna().tolist() == [False, False, True, True]
    assert shown["itt_rate"].isna().tolist() == [False, False, True, True]
    assert shown["followup_rate"].notna().all()
    assert hidden_note(shown) == (
        "Counts under 11 are hidden (1 cell), and 1 more so that they cannot be worked out "
        "from the totals or the other counts."
    )


def test_rounding_after_hiding_with_totals_from_the_rounded_cells():
    shown = disclose(clinic_and_providers(), ROUNDED)
    assert as_lists(shown, COUNTS) == [
        [155, 60, 55, 40],  # 60 + 55 + 40
        [120, 50, 40, 30],  # 48 -> 50, 42 -> 40, 28 -> 30; the clinic 120, not 118 -> 120
        [80, 35, 30, 15],  # the clinic = 35 + 30 + 15 (its own 82 would round to 80 too)
        [45, 25, None, None],  # parts hidden: the clinic's 46 rounded on its own
    ]
    assert shown.loc[0, "responder_rate"] == pytest.approx(46 / 82)  # rates: true counts
    assert hidden_note(shown).endswith("; shown counts are rounded to a multiple of 5.")


def test_differences_within_a_row_are_counts_too():
    one = with_rates(
        pd.DataFrame(
            {
                "group": ["P_A"],
                "n_courses": [50],
                "n_eligible": [45],
                "n_followup": [30],
                "n_responders": [20],
            }
        )
    )
    shown = disclose(one, DIRECTOR)
    # courses - eligible = 5: the courses go (no rate rests on them); follow-up - responders
    # = 10 non-responders: the responders go (fewer rates rest on them than on follow-up)
    assert as_lists(shown, COUNTS) == [[None], [45], [30], [None]]
    assert shown[["responder_rate", "itt_rate"]].isna().all().all()
    assert shown.loc[0, "followup_rate"] == pytest.approx(30 / 45)


def test_the_issue_example_gives_nothing_back():
    """14 courses / 12 eligible / 67 % follow-up gave 8 courses with follow-up back."""
    frame = with_rates(
        pd.DataFrame(
            {
                "group": ["clinic", "prov_06"],
                "n_courses": [200, 14],
                "n_eligible": [170, 12],
                "n_followup": [130, 8],
                "n_responders": [70, 5],
            }
        )
    )
    shown = disclose(frame, PROVIDER)
    assert as_lists(shown, COUNTS) == [[200, None], [170, 12], [130, None], [70, None]]
    assert shown.loc[1, ["responder_rate", "itt_rate", "followup_rate"]].isna().all()
    assert shown.loc[0, ["responder_rate", "itt_rate", "followup_rate"]].notna().all()


def test_a_two_way_table_hides_a_cell_in_its_row_and_its_column():
    # the margins (the one-way tables by rows and by columns) are shown elsewhere
    cells = pd.DataFrame(
        {
            "row_group": ["r1", "r1", "r1", "r2", "r2", "r2"],
            "col_group": ["c1", "c2", "c3", "c1", "c2", "c3"],
            "n_courses": [30, 25, 40, 20, 5, 35],
        }
    )
    shown = disclose(cells, DIRECTOR)
    # r2c2 = 5; its column: r1c2; its row: r2c1 (smaller than 35); r1's row then: r1c1
    assert as_lists(shown, ["n_courses"]) == [[None, None, 40, None, None, 35]]


def test_a_share_whose_count_is_not_a_column_is_checked_as_a_count():
    shares = pd.DataFrame(
        {
            "factor": ["rehab"] * 3,
            "level": ["none", "home_program", "supervised_pt"],
            "share_group_a": [0.1, 0.5, 0.9],  # of 40: 4 (small), 20, 36 (the rest 4: small)
            "n_group_a": [40, 40, 40],
        }
    )
    shown = disclose(shares, DIRECTOR)
    assert shown["share_group_a"].isna().tolist() == [True, False, True]
    assert hidden_note(shown) == "Figures resting on fewer than 11 courses are hidden (2 cells)."


def test_an_expected_count_goes_with_the_count_it_rests_on():
    # E is about n x the clinic rate: with n hidden, E would give it back (prov_09 on the
    # synthetic clinic's Providers table had n hidden and E = 57.3 shown)
    table = pd.DataFrame(
        {
            "provider_id": ["P1", "P2", "P3"],
            "n_followup": [8, 40, 52],
            "expected_responders": [4.1, 20.3, 26.0],
        }
    )
    shown = disclose(table, DIRECTOR)
    hidden = shown["n_followup"].isna()
    assert hidden.iloc[0]  # 8: small
    assert (shown["expected_responders"].isna() == hidden).all()


def test_an_unknown_count_column_is_hidden_like_a_count():
    frame = pd.DataFrame({"group": ["a", "b"], "n_new_thing": [4, 40], "mean_days": [3.0, 4.0]})
    shown = disclose(frame, DIRECTOR)
    # fail closed: the registry does not know n_new_thing, yet it is hidden (and a second
    # cell with it: the two add up to a total shown elsewhere)
    assert shown["n_new_thing"].isna().all()
    assert shown["mean_days"].tolist() == [3.0, 4.0]  # not a count


def test_a_threshold_of_one_turns_everything_off():
    frame = clinic_and_providers()
    assert disclose(frame, Policy(min_cell_size=1)) is frame
    assert disclose(frame, Policy(min_cell_size=1, round_to=5)) is frame
    assert redact("3 non-responders", Policy(min_cell_size=1)) == "3 non-responders"


def test_a_frame_with_nothing_to_hide_is_passed_as_it_is():
    big = pd.DataFrame({"group": ["a", "b"], "n_courses": [40, 50], "n_followup": [20, 35]})
    assert disclose(big, DIRECTOR) is big
    assert hidden_note(big) is None


def test_the_gate_is_applied_once_whatever_passes_it_again():
    shown = disclose(clinic_and_providers(), ROUNDED)
    again = present(shown, COUNTS, ROUNDED)  # a page presents what ctx.run disclosed
    assert as_lists(again, COUNTS) == as_lists(shown, COUNTS)
    assert hidden_note(again) == hidden_note(shown)  # the note stays with the table


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


def test_declared_frames_get_their_rule_and_then_the_full_one():
    result = Declared(
        groups([40, 3, 25, 12]), other=groups([40, 3, 37]), findings=("3 of 40 courses.",)
    )
    shown = disclose(result, DIRECTOR)
    # declared: g1 (3 < 11) hidden; g3 (the next smallest) too, or g1 = 40 - 25 - 12
    assert shown.table["is_hidden"].tolist() == [False, True, False, True]
    assert as_lists(shown.table, ["n_courses"]) == [[40, None, 25, None]]
    # undeclared: the full rule (g1's 3 and its complement g2, or g1 = 40 - 37)
    assert as_lists(shown.other, ["n_courses", "n_followup"]) == [[40, None, None]] * 2
    assert shown.other["responder_rate"].isna().tolist() == [False, True, True]
    assert shown.findings == ("fewer than 11 of 40 courses.",)
    off = disclose(result, Policy(min_cell_size=1))
    assert off.table["is_hidden"].sum() == 0 and off.other is result.other


def test_small_rows_keep_their_key_and_all_hidden_is_insufficient_data():
    weeks = pd.DataFrame({"week": [0, 1], "n_courses": [12, 4], "mean_change": [0.0, -1.5]})
    shown = disclose(Weeks(weeks), DIRECTOR).weeks
    assert shown["is_hidden"].tolist() == [False, True]
    assert shown["week"].tolist() == [0, 1] and pd.isna(shown.loc[1, "mean_change"])
    with pytest.raises(InsufficientData, match="under 11"):
        disclose(Weeks(weeks.assign(n_courses=[3, 4])), DIRECTOR)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("8 courses with follow-up", "fewer than 11 courses with follow-up"),
        ("prov_06 (8), prov_07 (25)", "prov_06 (fewer than 11), prov_07 (25)"),
        (
            "3 non-responders vs 5 responders",
            "fewer than 11 non-responders vs fewer than 11 responders",
        ),
        ("62.5 %, n = 8", "62.5 %, n = fewer than 11"),
        ("1 course with an event", "fewer than 11 courses with an event"),
        ("14 courses / 12 eligible", "14 courses / all but fewer than 11 eligible"),
        ("45 of 50 eligible courses", "all but fewer than 11 of 50 eligible courses"),
        ("67 % (8 of 12)", "– (fewer than 11 of 12)"),
        ("Courses: 8", "Courses: fewer than 11"),
        # not counts: percentages, days, weeks, ranges, grades, years, thresholds
        ("30 % less pain by day 21, 12 weeks", "30 % less pain by day 21, 12 weeks"),
        ("2-3 sessions, KL 3, start 2024 (2024)", "2-3 sessions, KL 3, start 2024 (2024)"),
        ("fewer than 20 courses get no point", "fewer than 20 courses get no point"),
        ("OR = 2 (95 % CI 1.2–3.4)", "OR = 2 (95 % CI 1.2–3.4)"),
    ],
)
def test_counts_in_sentences_are_redacted(text, shown):
    assert redact(text, DIRECTOR) == shown
    assert redact(shown, DIRECTOR) == shown  # redacting twice changes nothing


def test_counts_in_sentences_are_rounded_like_the_tables():
    assert redact("1,234 courses, n = 12, 8 eligible", ROUNDED) == (
        "1,235 courses, n = 15, fewer than 11 eligible"
    )


def test_single_counts_and_rates_for_metrics():
    assert (shown_count(8, DIRECTOR), shown_count(0, DIRECTOR), shown_count(47, ROUNDED)) == (
        None,
        0,
        45,
    )
    assert shown_count(12, ROUNDED) == 15  # never rounded below the threshold
    assert count_text(8, DIRECTOR) == "fewer than 11" and count_text(1234, ROUNDED) == "1,235"
    assert rate_shown(15, 30, DIRECTOR)
    assert not rate_shown(5, 30, DIRECTOR)  # the numerator is small
    assert not rate_shown(25, 30, DIRECTOR)  # the rest (5) is small
    assert not rate_shown(6, 9, DIRECTOR)  # the denominator is small
    assert rate_shown(6, 9, Policy(min_cell_size=1))


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
    with pytest.raises(ValueError):
        Policy(round_to=0)
