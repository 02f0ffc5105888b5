"""Computed sentences of boundary_lab.findings: each case of the base/RL comparison, the phase-diagram
cells and the guessing baseline; inputs make pass@1 differ from pass@k_max and the crossover k differ
from both k_max and its index."""
import pandas as pd
import pytest

from boundary_lab import findings
from boundary_lab.errors import InputError
from boundary_lab.findings import compare


def _counts(base, rl, n=8):
    ids = [f"p{i}" for i in range(len(base))]
    return pd.DataFrame({"model": ["base"] * len(base) + ["rl"] * len(rl), "problem_id": ids * 2,
                         "n": n, "correct": list(base) + list(rl), "tier": "B"})


@pytest.mark.parametrize("base, rl, n, expected", [
    # 16 problems: the base leads from k = 3 (index 2) on, and its lead at k = 8 is outside the interval
    ([2] * 16, [8] * 8 + [0] * 8, 8, "the base overtakes rl at k = 3 and ends above it at k = 8 (base − rl +0.500, "
                                     "95% interval [0.250, 0.750]; as the paper reports)."),
    # 4 problems: the same crossing at k = 3, but the interval at k = 8 contains 0
    ([2] * 4, [8, 8, 0, 0], 8, "the base catches up with rl at k = 3 and they end level at k = 8 (base − rl +0.500, "
                               "95% interval [0.000, 1.000]; the paper's"),
    ([0, 0], [0, 0], 8, "neither model solves any problem here."),
    # a tie at k = 1 (0.5 each) and the base above from k = 2 on: the base is never behind
    ([4, 4], [8, 0], 8, "base is at or above rl already at k = 1 and stays so through k = 8 (base − rl +0.500"),
    ([0, 0], [1, 0], 8, "rl stays ahead at every k up to 8 (base − rl -0.500, 95% interval [-1.000, 0.000]); "
                        "the paper reports the base catching up."),
    # issue 20's case: RL leads at k = 1, the base at k = 2 and 3, RL from k = 4 on
    ([12, 0, 11, 11], [2, 14, 16, 3], 16, "rl is ahead at k = 16 (base − rl -0.250, 95% interval [-0.750, 0.000]) "
                                          "after the curves cross; the paper reports the base ending above. "
                                          "The lead changes hands 2 times between k = 1 and k = 16."),
])
def test_crossing_sentence(base, rl, n, expected):
    lines = compare(_counts(base, rl, n), "base", "rl")
    assert len(lines) == 3 and all(line.startswith("tier B: ") for line in lines)
    assert expected in lines[2]


def test_first_sentences_give_both_ends_and_the_problems_solved_at_the_same_k():
    lines = compare(_counts([1, 2, 0], [4, 0, 0]), "base", "rl")
    assert lines[0] == "tier B: pass@1 base 0.125, rl 0.167; pass@8 base 0.667, rl 0.333."
    assert lines[1] == "tier B: solved at k = 8: base 2, rl 1 of 3; rl-solved ⊆ base-solved: yes."
    # RL sampled 4 times: both models are counted at k = 4, the base's count an expectation
    mixed = pd.concat([_counts([1, 2, 0], [4, 0, 0]).query("model == 'base'"),
                       _counts([1, 2, 0], [4, 0, 0], n=4).query("model == 'rl'")])
    assert "solved at k = 4: base 1.29 (expected), rl 1 of 3" in compare(mixed, "base", "rl")[1]


def test_one_crossing_is_not_said_and_the_column_is_the_one_asked():
    lines = compare(_counts([2] * 16, [8] * 8 + [0] * 8), "base", "rl")
    assert lines[2].endswith("; as the paper reports).")  # one change of lead: nothing more to say
    answers = _counts([2] * 16, [8] * 8 + [0] * 8).assign(answer_correct=8)
    assert compare(answers, "base", "rl", correct="answer_correct")[0] == (
        "tier B: pass@1 base 1.000, rl 1.000; pass@8 base 1.000, rl 1.000.")


def test_kept_sentence_reads_the_bases_own_n_and_a_single_solved_problem():
    c = pd.concat([_counts([0, 2], [0, 0]), _counts([0, 2], [0, 1], n=4).query("model == 'rl'").assign(model="r4")])
    assert findings.kept_sentence(c, "base", ["rl", "r4"]) == (
        "On tier B the base solves 1 problem at k = 8; r4 keeps all of them; rl never solves 1 of them.")


def test_subset_sentence_reports_compared_only_problems():
    lines = compare(_counts([0, 3], [2, 3]), "base", "rl")
    assert "solved at k = 8: base 1, rl 2 of 2; rl-solved ⊆ base-solved: no." in lines[1]


def test_groups_and_markdown():
    tier_a = _counts([8, 8], [8, 0]).assign(tier="A", problem_id=lambda f: "a" + f["problem_id"])
    counts = pd.concat([_counts([2] * 4, [8, 8, 0, 0]), tier_a])
    text = findings.markdown(counts, "base", ["rl"]).splitlines()
    assert [line[:10] for line in text] == ["- tier A: "] * 3 + ["- tier B: "] * 3
    assert compare(counts, "base", "rl", by=None)[0].startswith("all problems: pass@1 base 0.500, rl 0.500;")


def test_misspelt_model_and_unpaired_problems_are_errors():
    counts = _counts([1, 2], [8, 0])
    with pytest.raises(InputError, match="'rll'"):
        compare(counts, "base", "rll")
    short = counts[~((counts.model == "rl") & (counts.problem_id == "p1"))]
    with pytest.raises(InputError, match="problem_id='p1' appears for model 'base' only"):
        compare(short, "base", "rl")


def test_kept_sentence_orders_models_by_what_they_lose():
    c = pd.concat([_counts([1, 2, 3], [0, 0, 3]), _counts([1, 2, 3], [0, 1, 3]).query("model == 'rl'")
                   .assign(model="rl2"), _counts([1, 2, 3], [1, 1, 1]).query("model == 'rl'").assign(model="rl3")])
    assert findings.kept_sentence(c, "base", ["rl", "rl2", "rl3"]) == (
        "On tier B the base solves 3 problems at k = 8; rl3 keeps all of them; rl2 never solves 1 of them; "
        "rl never solves 2 of them.")
    assert findings.kept_sentence(c, "base", ["rl", "rl2"]) == (
        "On tier B the base solves 3 problems at k = 8; rl2 never solves 1 of them; rl never solves 2 of them.")
    assert findings.kept_sentence(c, "base", ["rl3"]) == ("On tier B the base solves 3 problems at k = 8; "
                                                          "rl3 keeps all of them.")
    assert "rl2, rl3 keep all" in findings.kept_sentence(c.assign(correct=c["correct"].clip(lower=1)), "base",
                                                          ["rl2", "rl3"])


CELL = {"rl.max_new_tokens": 14, "seeds": 3, "k_max": 256, "coverage change": 5.0, "ci_low": 3.0, "ci_high": 7.0,
        "seed_ci_low": 1.0, "seed_ci_high": 9.0, "pass@1 change": 0.3, "pass@1 ci_low": 0.1, "pass@1 ci_high": 0.5,
        "rl careful": 0.01}


@pytest.mark.parametrize("change, expected", [
    ({}, "RL narrows: it wins at k = 1 and loses coverage at k = n (the paper's pattern)"),
    ({"pass@1 ci_low": -0.5, "pass@1 ci_high": -0.1}, "RL collapses: it loses both pass@1 and coverage"),
    ({"pass@1 ci_low": -0.5, "pass@1 ci_high": 0.0}, "RL loses coverage; its pass@1 change is unclear"),
    ({"pass@1 ci_low": 0.0}, "RL loses coverage; its pass@1 change is unclear"),
    ({"pass@1 ci_low": -0.2, "pass@1 ci_high": 0.3}, "RL loses coverage; its pass@1 change is unclear"),
    ({"seed_ci_low": 0.0}, "RL keeps coverage (the seed-aware interval includes 0)"),
    ({"seed_ci_low": -4.0, "seed_ci_high": -0.5}, "RL widens coverage"),
    ({"seed_ci_low": -4.0, "seed_ci_high": 0.0}, "RL keeps coverage"),
    ({"ci_low": 3.0, "seed_ci_low": -1.0}, "RL keeps coverage"),  # the fixed-seeds interval does not decide
    ({"seeds": 2}, "not classified: 2 seed(s), at least 3 needed"),
])
def test_cells_are_classified_by_their_seed_aware_intervals(change, expected):
    assert findings.classify({**CELL, **change}).startswith(expected)


def test_grid_sentence_labels_both_intervals():
    text = findings.grid_sentences(pd.DataFrame([CELL, {**CELL, "rl.max_new_tokens": 0, "seeds": 1}]))
    first, second = text.splitlines()
    assert first == ("rl.max_new_tokens = 14: base solved - RL solved at k = 256 is 5.0 over 3 seed(s), 95% interval "
                     "[1.0, 9.0] with seeds and problems resampled ([3.0, 7.0] for these seeds' models); pass@1 "
                     "change +0.300 [+0.100, +0.500]; careful share after RL 0.010. RL narrows: it wins at k = 1 and "
                     "loses coverage at k = n (the paper's pattern).")
    assert second.startswith("rl.max_new_tokens = 0:") and second.endswith("not classified: 1 seed(s), at least 3 "
                                                                           "needed.")


@pytest.mark.parametrize("modulus, lengths, k, expected", [
    # the numbers: 0.78 at L = 2, 0.11 at L = 3 (modulus 13, pass@256)
    (13, [3, 2, 4, 2], 256, "0.781 at length 2, 0.110 at length 3 and 0.009 at length 4: guessing matters at "
                            "lengths 2 and 3 and is negligible (below 0.01) at length 4."),
    (13, [5, 6], 256, "0.001 at length 5 and 0.000 at length 6: guessing is negligible (below 0.01) at lengths "
                      "5 and 6."),
    (13, [2], 16, "pass@16 is 0.722 for the answer alone (1 of 13)"),
    (13, [2], 16, "for a whole chain it is 0.091 at length 2: guessing matters at length 2."),
    (47, [2, 3], 256, "0.109 at length 2 and 0.002 at length 3: guessing matters at length 2 and is negligible"),
])
def test_guessing_sentence_says_where_it_matters(modulus, lengths, k, expected):
    assert expected in findings.guessing(modulus, lengths, k)
