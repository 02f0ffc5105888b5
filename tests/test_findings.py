"""Computed sentences of boundary_lab.findings: each case of the base/RL comparison."""
import pandas as pd
import pytest

from boundary_lab.errors import InputError
from boundary_lab.findings import compare
from boundary_lab.tables import delta_se, strategy_share


def _counts(base, rl, n=8):
    ids = [f"p{i}" for i in range(len(base))]
    return pd.DataFrame({"model": ["base"] * len(base) + ["rl"] * len(rl), "problem_id": ids * 2,
                         "n": n, "correct": list(base) + list(rl), "tier": "B"})


@pytest.mark.parametrize("base, rl, expected", [
    ([1, 2], [8, 0], "the base overtakes rl at k = 3 and ends above it"),
    ([1, 1], [4, 4], "the base catches up with rl at k = 8 and they end level"),
    ([0, 0], [0, 0], "neither model solves any problem here."),
    ([4, 0], [1, 0], "base is ahead already at k = 1"),
    ([0, 0], [1, 0], "rl stays ahead at every k up to 8"),
])
def test_crossing_sentence(base, rl, expected):
    lines = compare(_counts(base, rl), "base", "rl")
    assert len(lines) == 3 and lines[2].startswith("tier B: ")
    assert expected in lines[2]


def test_subset_sentence_reports_rl_only_problems():
    lines = compare(_counts([0, 3], [2, 3]), "base", "rl")
    assert "solved at k = 8: base 1, rl 2 of 2; rl-solved ⊆ base-solved: no." in lines[1]


def test_misspelt_model_and_unpaired_problems_are_errors():
    counts = _counts([1, 2], [8, 0])
    with pytest.raises(InputError, match="'rll'"):
        compare(counts, "base", "rll")
    short = counts[~((counts.model == "rl") & (counts.problem_id == "p1"))]
    with pytest.raises(InputError, match="problem_id='p1' appears for model 'base' only"):
        compare(short, "base", "rl")


def test_delta_se_defaults_to_the_largest_common_n():
    counts = pd.concat([_counts([1, 2], [8, 0], n=8), _counts([1, 2], [4, 0], n=4).replace({"rl": "rl4"})
                        .query("model == 'rl4'")])
    table = delta_se(counts, "base", ["rl", "rl4"])
    assert table["K"].tolist() == [4, 4]  # one K for every model: the smallest n among them
    with pytest.raises(InputError, match="'nope'"):
        delta_se(counts, "base", ["nope"])


def test_strategy_share_uses_words_not_tier_letters():
    shares = pd.DataFrame({"model": ["base"] * 2, "tier": ["C"] * 2, "strategy": ["careful", "shortcut"],
                           "share": [0.25, 0.75]})
    assert strategy_share(shares, "careful")["C"].tolist() == [0.25]
    assert strategy_share(shares, "shortcut")["C"].tolist() == [0.75]
    assert strategy_share(shares, "C").empty  # a tier letter is not a strategy
