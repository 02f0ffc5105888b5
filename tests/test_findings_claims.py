"""The sentences and claim rows of boundary_lab.findings, pinned exactly on small hand-built inputs.

Every input gives different values to different tiers, models, seeds and columns, so that a wrong
tier filter, a swapped column, a sign flip, a dropped model filter or an off-by-one changes a number
or a word in the expected string (issue 20 item 6: these functions had no test that could fail).
"""
from __future__ import annotations

import pandas as pd
import pytest

from boundary_lab import findings, tables
from boundary_lab.measured import SeedStudy
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.regimes import regime_config
from boundary_lab.micro.results import MicroResults

# ------------------------------------------------------------------ builders


def _counts(spec: dict) -> pd.DataFrame:
    """``{model: {tier: (n, [correct, ...])}}`` -> counts rows; problem ids ``<tier><i>``."""
    rows = [{"model": model, "problem_id": f"{tier}{i}", "tier": tier, "n": n, "correct": c}
            for model, tiers in spec.items() for tier, (n, correct) in tiers.items() for i, c in enumerate(correct)]
    return pd.DataFrame(rows)


_MODEL_COLUMNS = ("model", "kind", "algorithm", "split", "remedy", "step", "main", "final")


def _models(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(_MODEL_COLUMNS, r)) for r in rows])


# base, two checkpoints of the main run (grpo@2 final), and a final noB run that is not main
_MAIN = _models(("base", "base", "", "", "", 0, False, True), ("grpo@1", "rl", "grpo", "full", "", 1, True, False),
                ("grpo@2", "rl", "grpo", "full", "", 2, True, True),
                ("grpo-noB@2", "rl", "grpo", "noB", "", 2, False, True))


def _res(counts: pd.DataFrame, models: pd.DataFrame = _MAIN, config=None, **more) -> MicroResults:
    return MicroResults(config=config if config is not None else regime_config("narrowing", "tiny", seed=3),
                        models=models, counts=counts, **more)


def _base_vs_rl(rl_b=(4, 0, 0, 4, 2), base_b=(2, 1, 0, 3, 0)) -> MicroResults:
    """Tier B (n = 4, five problems) decides; tiers A and C (n = 8) carry other values, other models too."""
    return _res(_counts({
        "base": {"A": (8, [8, 8]), "B": (4, list(base_b)), "C": (8, [1, 0, 0])},
        "grpo@1": {"A": (8, [1, 1]), "B": (4, [1, 1, 1, 1, 1]), "C": (8, [0, 0, 0])},
        "grpo@2": {"A": (8, [4, 0]), "B": (4, list(rl_b)), "C": (8, [8, 8, 8])},
        "grpo-noB@2": {"A": (8, [0, 0]), "B": (4, [0, 0, 0, 0, 0]), "C": (8, [2, 2, 2])}}))


# ------------------------------------------------------------------ _tier, _rl, _claim_pass1, _claim_large_k


def test_claim_pass1_and_large_k_read_tier_b_of_the_main_final_rl_model():
    """Tier B's ends of base vs grpo@2 (not grpo@1, not the noB run, not tier A or C); K = B's n, not A's."""
    res = _base_vs_rl()
    # base B: pass@1 (2+1+0+3+0)/20 = 0.3, pass@4 = 3/5; grpo@2 B: pass@1 10/20 = 0.5, pass@4 = 3/5
    assert findings._claim_pass1(res) == {"tier": "B", "K": 4, "problems": 5,
                                          "measured": "pass@1: base 0.300, grpo@2 0.500", "holds": True}
    assert findings._claim_large_k(res) == {"tier": "B", "K": 4, "problems": 5,
                                            "measured": "pass@4: base 0.600, grpo@2 0.600", "holds": True}


@pytest.mark.parametrize("rl_b, base_b, pass1, large_k", [
    # RL lower at k = 1 and higher at k = 4: neither claim holds
    ((1, 1, 1, 1, 0), (2, 1, 0, 3, 0), ("pass@1: base 0.300, grpo@2 0.200", False),
     ("pass@4: base 0.600, grpo@2 0.800", False)),
    # equal at k = 1 (not "raises"); base ahead at k = 4 (holds)
    ((3, 3, 0, 0, 0), (2, 1, 0, 3, 0), ("pass@1: base 0.300, grpo@2 0.300", False),
     ("pass@4: base 0.600, grpo@2 0.400", True)),
    # RL ahead at k = 4 by one problem of five
    ((4, 4, 4, 4, 0), (1, 0, 0, 0, 0), ("pass@1: base 0.050, grpo@2 0.800", True),
     ("pass@4: base 0.200, grpo@2 0.800", False)),
])
def test_claim_pass1_and_large_k_verdicts(rl_b, base_b, pass1, large_k):
    """``holds`` is strict for pass@1 (equal is not a gain) and at-or-above for pass@k_max."""
    res = _base_vs_rl(rl_b, base_b)
    row = findings._claim_pass1(res)
    assert (row["measured"], row["holds"]) == pass1
    row = findings._claim_large_k(res)
    assert (row["measured"], row["holds"]) == large_k


def test_tier_names_the_missing_tier_and_the_tiers_present():
    """A page without tier B is an error naming the tiers it has (sorted), not another tier's row."""
    res = _base_vs_rl()
    no_b = _res(res.counts[res.counts["tier"] != "B"])
    with pytest.raises(ValueError, match=r"^claims: no tier B in this page's results \(tiers: \['A', 'C'\]\)$"):
        findings._claim_pass1(no_b)
    frame = pd.DataFrame({"tier": ["C", "B", "B"], "x": [1, 2, 3]})
    assert findings._tier(frame, "B") == {"tier": "B", "x": 2}
    assert findings._tier(frame, "C") == {"tier": "C", "x": 1}


def test_rl_is_the_one_main_final_model():
    """grpo@2 is main and final; grpo@1 is main only, grpo-noB@2 final only."""
    assert findings._rl(_base_vs_rl()) == "grpo@2"


# ------------------------------------------------------------------ _claim_subset, _claim_distilled


def _coverage_res(rl_b, base_b, dist_c=(0, 0, 0, 0)) -> MicroResults:
    models = pd.concat([_MAIN, _models(("distilled", "distilled", "", "", "", 0, False, True))], ignore_index=True)
    return _res(_counts({
        "base": {"A": (8, [0, 0, 8]), "B": (4, list(base_b)), "C": (6, [2, 0, 0, 1])},
        "grpo@1": {"A": (8, [0, 0, 0]), "B": (4, [0] * len(base_b)), "C": (6, [0, 0, 0, 0])},
        "grpo@2": {"A": (8, [5, 5, 5]), "B": (4, list(rl_b)), "C": (6, [1, 1, 1, 1])},
        "grpo-noB@2": {"A": (8, [0, 0, 0]), "B": (4, [1] * len(base_b)), "C": (6, [0, 0, 0, 0])},
        "distilled": {"A": (8, [8, 8, 8]), "B": (4, [4] * len(base_b)), "C": (6, list(dist_c))}}), models)


def test_claim_subset_counts_all_four_cells_of_tier_b():
    """both 1, base only 2, RL only 3, neither 4: problems = 10 (every cell counted once); K = the smallest n."""
    res = _coverage_res(rl_b=[1, 0, 0, 2, 3, 1, 0, 0, 0, 0], base_b=[2, 3, 1, 0, 0, 0, 0, 0, 0, 0])
    assert findings._claim_subset(res) == {
        "tier": "B", "K": 4, "problems": 10, "measured": "solved at k = 4: base 3, grpo@2 4; grpo@2 only: 3",
        "holds": False}
    res = _coverage_res(rl_b=[1, 2, 0, 0, 0, 0], base_b=[1, 1, 3, 0, 0, 0])
    assert findings._claim_subset(res) == {
        "tier": "B", "K": 4, "problems": 6, "measured": "solved at k = 4: base 3, grpo@2 2; grpo@2 only: 0",
        "holds": True}


@pytest.mark.parametrize("dist_c, measured, holds", [
    ((0, 3, 0, 1), "solved at k = 4: base 2, distilled 2; distilled only: 1", True),
    ((5, 0, 0, 1), "solved at k = 4: base 2, distilled 2; distilled only: 0", False),
    ((0, 1, 1, 1), "solved at k = 4: base 2, distilled 3; distilled only: 2", True),
])
def test_claim_distilled_is_tier_c_problems_only_the_distilled_model_solves(dist_c, measured, holds):
    """Tier C of base (2, 0, 0, 1) vs distilled; one distilled-only problem is enough, none is not."""
    res = _coverage_res(rl_b=[0, 0], base_b=[1, 0], dist_c=dist_c)
    assert findings._claim_distilled(res) == {"tier": "C", "K": 4, "problems": 4, "measured": measured,
                                              "holds": holds}


# ------------------------------------------------------------------ _claim_delta_se


def _algorithms_res(base, grpo) -> MicroResults:
    """Only grpo@2 is rl + grpo + full split + no remedy + final; each other model misses one of these."""
    models = _models(("base", "base", "", "", "", 0, False, True), ("ppo@2", "rl", "ppo", "full", "", 2, False, True),
                     ("grpo@1", "rl", "grpo", "full", "", 1, True, False),
                     ("grpo@2", "rl", "grpo", "full", "", 2, True, True),
                     ("grpo-noB@2", "rl", "grpo", "noB", "", 2, False, True),
                     ("grpo-kl@2", "rl", "grpo", "full", "kl", 2, False, True),
                     ("distilled", "distilled", "grpo", "full", "", 2, False, True))
    # tier B listed before tier A: the claim names them sorted; three B and two A problems, n = 4
    spec = {"base": {"B": (4, base[:3]), "A": (4, base[3:])}, "grpo@2": {"B": (4, grpo[:3]), "A": (4, grpo[3:])}}
    for other, c in [("ppo@2", 4), ("grpo@1", 3), ("grpo-noB@2", 2), ("grpo-kl@2", 1), ("distilled", 0)]:
        spec[other] = {"B": (4, [c, c, c]), "A": (4, [c, c])}
    return _res(_counts(spec), models)


@pytest.mark.parametrize("base, grpo, measured, holds", [
    # base pass@4 = 2/5 over both tiers; grpo pass@1 = (4/4 + 2/4) / 5 = 0.3
    ([1, 0, 2, 0, 0], [4, 0, 0, 0, 2], "ΔSE of grpo@2: 0.100 (pass@4 base 0.400, pass@1 0.300)", True),
    # level: base pass@4 = 1/5, grpo pass@1 = 4/20
    ([0, 0, 0, 1, 0], [1, 1, 1, 1, 0], "ΔSE of grpo@2: 0.000 (pass@4 base 0.200, pass@1 0.200)", False),
    # base behind: pass@4 = 1/5 against pass@1 = 14/20
    ([0, 0, 0, 0, 3], [4, 4, 2, 0, 4], "ΔSE of grpo@2: -0.500 (pass@4 base 0.200, pass@1 0.700)", False),
])
def test_claim_delta_se_over_every_tier_of_the_final_grpo_model(base, grpo, measured, holds):
    """ΔSE of grpo@2 (never ppo, an earlier step, the noB split, a remedy or the distilled model), pooled
    over tiers A and B; ``holds`` only when ΔSE > 0."""
    res = _algorithms_res(base, grpo)
    assert findings._claim_delta_se(res) == {"tier": "A and B", "K": 4, "problems": 5, "measured": measured,
                                             "holds": holds}


# ------------------------------------------------------------------ _claim_steps


def _steps_models(*main_steps) -> pd.DataFrame:
    """base (step 0), a non-main rl run at step 50 and main checkpoints listed out of step order."""
    rows = [("base", "base", "", "", "", 0, False, True), ("grpo-noB@50", "rl", "grpo", "noB", "", 50, False, True)]
    rows += [(f"grpo@{s}", "rl", "grpo", "full", "", s, True, s == max(main_steps)) for s in main_steps]
    return _models(*rows)


def _steps_res(first_b, last_b, main_steps=(300, 100, 200)) -> MicroResults:
    first, last = f"grpo@{min(main_steps)}", f"grpo@{max(main_steps)}"
    spec = {"base": {"A": (4, [1, 1]), "B": (4, [1, 1, 1])}, "grpo-noB@50": {"A": (4, [0, 0]), "B": (4, [0, 0, 4])},
            first: {"A": (4, [4, 4]), "B": (4, list(first_b))}, last: {"A": (4, [0, 0]), "B": (4, list(last_b))}}
    for s in main_steps:
        spec.setdefault(f"grpo@{s}", {"A": (4, [2, 2]), "B": (4, [2, 2, 2])})
    return _res(_counts(spec), _steps_models(*main_steps))


@pytest.mark.parametrize("first_b, last_b, measured, holds", [
    # pass@1 7/12 -> 8/12, pass@4 1 -> 2/3: the paper's pattern
    ((1, 2, 4), (4, 4, 0), "grpo@100 → grpo@300: pass@1 0.583 → 0.667, pass@4 1.000 → 0.667", True),
    # pass@1 up, pass@4 level at 1
    ((1, 1, 1), (2, 2, 2), "grpo@100 → grpo@300: pass@1 0.250 → 0.500, pass@4 1.000 → 1.000", False),
    # pass@1 level at 4/12, pass@4 down
    ((1, 2, 1), (4, 0, 0), "grpo@100 → grpo@300: pass@1 0.333 → 0.333, pass@4 1.000 → 0.333", False),
    # pass@1 down, pass@4 down
    ((4, 4, 1), (3, 0, 0), "grpo@100 → grpo@300: pass@1 0.750 → 0.250, pass@4 1.000 → 0.333", False),
])
def test_claim_steps_compares_the_first_and_last_main_checkpoints_on_tier_b(first_b, last_b, measured, holds):
    """First and last by step (not by row order), main rl only (not the noB run at step 50 or the base),
    tier B's 3 problems (tier A has 2 and opposite values); holds only when pass@1 rises and pass@K falls."""
    row = findings._claim_steps(_steps_res(first_b, last_b))
    assert row == {"tier": "B", "K": 4, "problems": 3, "measured": measured, "holds": holds}


def test_claim_steps_with_exactly_two_checkpoints_and_with_one():
    """Two main checkpoints are enough; one is an error naming what was found."""
    row = findings._claim_steps(_steps_res((1, 2, 4), (4, 4, 0), main_steps=(20, 10)))
    assert row["measured"] == "grpo@10 → grpo@20: pass@1 0.583 → 0.667, pass@4 1.000 → 0.667" and row["holds"]
    with pytest.raises(ValueError, match=r"^claims: the training-steps claim needs two checkpoints of the main run, "
                                         r"found \['grpo@10'\]$"):
        findings._claim_steps(_steps_res((1, 2, 4), (4, 4, 0), main_steps=(10,)))


# ------------------------------------------------------------------ _claim_perplexity


def _perplexity_res(base_own, rl_own) -> MicroResults:
    """Under the base: its own answers and grpo@2's; under grpo@2 (another scorer): other values."""
    ppl = pd.DataFrame(
        [{"scorer": "base", "answers_from": "base", "ppl": v} for v in base_own]
        + [{"scorer": "grpo@2", "answers_from": "base", "ppl": v} for v in (9.0, 9.5, 8.0)]
        + [{"scorer": "base", "answers_from": "grpo@2", "ppl": v} for v in rl_own]
        + [{"scorer": "grpo@2", "answers_from": "grpo@2", "ppl": v} for v in (0.5, 0.25, 0.75)])
    return _res(_base_vs_rl().counts, perplexity=ppl)


@pytest.mark.parametrize("base_own, rl_own, measured, holds", [
    ((3.0, 1.0, 2.0), (1.5, 9.0, 1.25),
     "median perplexity under the base: its own answers 2.00, grpo@2's 1.50", True),
    ((3.0, 1.0, 2.0), (2.0, 1.0, 4.0), "median perplexity under the base: its own answers 2.00, grpo@2's 2.00", True),
    ((1.0, 1.5, 1.25), (1.5, 1.75, 1.0),
     "median perplexity under the base: its own answers 1.25, grpo@2's 1.50", False),
])
def test_claim_perplexity_compares_medians_under_the_base(base_own, rl_own, measured, holds):
    """Medians of the base's scores only (the grpo@2 scorer's are far off); RL at or below the base holds."""
    assert findings._claim_perplexity(_perplexity_res(base_own, rl_own)) == {
        "tier": "all", "K": None, "problems": 10, "measured": measured, "holds": holds}


# ------------------------------------------------------------------ _reported


@pytest.mark.parametrize("key, text", [
    ("pass1", "MATH500 pass@1: Qwen2.5-7B 0.345, GRPO 0.744 (Table 2)"),
    ("large_k", "Omni-MATH-Test pass@256: base 0.691, GRPO 0.683 (Table 2)"),
    ("subset", "AIME24: base solves 23/30, RL 19, RL-only 0 (Table 4)"),
    ("delta_se", "GRPO, Omni-MATH-Test: ΔSE 0.440 (K = 256; Table 2, Fig. 8)"),
    ("steps", "Omni-MATH-Train, GRPO step 150 → 450: pass@1 0.261 → 0.425, pass@256 0.663 → 0.643 (Table 3)"),
    ("distilled", "Minerva: the distilled model's curve lies above the base's at every k (Fig. 7; values not "
                  "transcribed)"),
    ("perplexity", "AIME24: PPL_Base(Y_RL) sits at the low end of PPL_Base(Y_Base) (Fig. 6; values not transcribed)"),
])
def test_reported_quotes_the_papers_numbers(key, text):
    """Each claim's reported evidence, with the paper's numbers (Yue et al. 2025, Tables 2-4)."""
    assert findings._reported(key) == text


# ------------------------------------------------------------------ claim_on_page, claims


def test_claim_on_page_lists_the_pages_claims_with_world_n_and_seed():
    """base_vs_rl holds two claims, in CLAIMS order; ``claim`` picks one; n is the smallest n (4, not 8), the
    seed and world come from the page's config."""
    res = _base_vs_rl()
    rows = findings.claim_on_page("base_vs_rl", res)
    assert rows == [
        {"claim": "RL raises pass@1 over the base model", "world": "narrowing", "n": 4, "seed": 3, "tier": "B",
         "K": 4, "problems": 5, "measured": "pass@1: base 0.300, grpo@2 0.500", "holds": True},
        {"claim": "At large k the base model catches up with or overtakes the RL model", "world": "narrowing",
         "n": 4, "seed": 3, "tier": "B", "K": 4, "problems": 5, "measured": "pass@4: base 0.600, grpo@2 0.600",
         "holds": True}]
    picked = findings.claim_on_page("base_vs_rl", res, "At large k the base model catches up with or overtakes the "
                                                       "RL model")
    assert picked == rows[1:]
    assert findings.claim_on_page("coverage", res) != []
    assert findings.claim_on_page("nope", res) == []


@pytest.mark.parametrize("config, world", [(MicroConfig.preset("tiny", seed=5), "default"),
                                           (regime_config("uncapped", "tiny", seed=5), "uncapped")])
def test_claim_on_page_names_todays_world_default(config, world):
    """The ``contrast`` regime is shown as ``default``; other regimes by their own name."""
    res = _coverage_res(rl_b=[0, 0], base_b=[1, 0], dist_c=(0, 3, 0, 1))
    res.config = config
    (row,) = findings.claim_on_page("distillation", res)
    assert (row["world"], row["seed"], row["claim"]) == (
        world, 5, "Distillation, unlike RL, adds problems the base cannot solve")


_COLUMNS = ["paper's claim", "this build", "agrees", "world", "tier", "problems", "n", "K", "seed",
            "in the other world", "reported (Yue et al. 2025)", "page"]


def test_claims_table_rows_with_the_other_worlds():
    """One row per claim whose page is given, in CLAIMS order; each other world's measurement (never the
    row's own world), 'not measured' where no other world computes; K empty for perplexity."""
    narrowing = _base_vs_rl()
    uncapped = _res(_base_vs_rl(rl_b=(1, 1, 1, 1, 0)).counts, config=regime_config("uncapped", "tiny", seed=1))
    no_tier_b = _res(narrowing.counts[narrowing.counts["tier"] != "B"])
    ppl = _perplexity_res((3.0, 1.0, 2.0), (2.5, 4.0, 3.5))
    table = findings.claims({"base_vs_rl": narrowing, "perplexity": ppl},
                            {"narrowing": uncapped, "broken": no_tier_b, "uncapped": uncapped})
    assert list(table.columns) == _COLUMNS
    rows = table.to_dict("records")
    assert rows == [
        {"paper's claim": "RL raises pass@1 over the base model", "this build": "pass@1: base 0.300, grpo@2 0.500",
         "agrees": "yes", "world": "narrowing", "tier": "B", "problems": 5, "n": 4, "K": "4", "seed": 3,
         "in the other world": "uncapped: pass@1: base 0.300, grpo@2 0.200 (does not hold)",
         "reported (Yue et al. 2025)": "MATH500 pass@1: Qwen2.5-7B 0.345, GRPO 0.744 (Table 2)", "page": "base_vs_rl"},
        {"paper's claim": "At large k the base model catches up with or overtakes the RL model",
         "this build": "pass@4: base 0.600, grpo@2 0.600", "agrees": "yes", "world": "narrowing", "tier": "B",
         "problems": 5, "n": 4, "K": "4", "seed": 3,
         "in the other world": "uncapped: pass@4: base 0.600, grpo@2 0.800 (does not hold)",
         "reported (Yue et al. 2025)": "Omni-MATH-Test pass@256: base 0.691, GRPO 0.683 (Table 2)",
         "page": "base_vs_rl"},
        {"paper's claim": "RL answers are ones the base model already finds likely (low perplexity)",
         "this build": "median perplexity under the base: its own answers 2.00, grpo@2's 3.50", "agrees": "no",
         "world": "narrowing", "tier": "all", "problems": 10, "n": 4, "K": "", "seed": 3,
         "in the other world": "not measured",
         "reported (Yue et al. 2025)": "AIME24: PPL_Base(Y_RL) sits at the low end of PPL_Base(Y_Base) (Fig. 6; "
                                       "values not transcribed)", "page": "perplexity"}]


def test_claims_lists_every_world_other_than_its_own_and_holds_words():
    """Two other worlds, in the contrast's order, each with its verdict; the row's own world is left out."""
    narrowing = _base_vs_rl()
    holds = _res(_base_vs_rl(rl_b=(4, 4, 4, 4, 0), base_b=(1, 0, 0, 0, 0)).counts, config=MicroConfig.preset("tiny"))
    fails = _res(_base_vs_rl(rl_b=(1, 1, 1, 1, 0)).counts, config=regime_config("uncapped", "tiny"))
    table = findings.claims({"base_vs_rl": narrowing}, {"uncapped": fails, "narrowing": narrowing, "default": holds})
    assert table["in the other world"].tolist() == [
        "uncapped: pass@1: base 0.300, grpo@2 0.200 (does not hold); default: pass@1: base 0.050, grpo@2 0.800 (holds)",
        "uncapped: pass@4: base 0.600, grpo@2 0.800 (does not hold); default: pass@4: base 0.200, grpo@2 0.800 "
        "(does not hold)"]
    assert table["agrees"].tolist() == ["yes", "yes"]


def test_claims_skip_pages_that_cannot_compute_their_claim():
    """A page lacking what its claim needs (one checkpoint: ValueError; no RL perplexity: KeyError) gives no row;
    the rows that can be computed stay, those after a skipped one too, with 'no' where the claim fails."""
    steps_one = _steps_res((1, 2, 4), (4, 4, 0), main_steps=(10,))
    ppl = _perplexity_res((3.0, 1.0, 2.0), (2.5, 4.0, 3.5))
    ppl.perplexity = ppl.perplexity[ppl.perplexity["answers_from"] == "base"]
    failing = _base_vs_rl(rl_b=(1, 1, 1, 1, 0))
    distilled = _coverage_res(rl_b=[0, 0], base_b=[1, 0], dist_c=(0, 3, 0, 1))
    table = findings.claims({"training_steps": steps_one, "perplexity": ppl, "base_vs_rl": failing,
                             "distillation": distilled,
                             "coverage": _coverage_res(rl_b=[1, 2, 0, 0, 0, 0], base_b=[1, 1, 3, 0, 0, 0])})
    assert table[["page", "agrees", "tier", "K", "problems", "in the other world"]].values.tolist() == [
        ["base_vs_rl", "no", "B", "4", 5, "not measured"], ["base_vs_rl", "no", "B", "4", 5, "not measured"],
        ["coverage", "yes", "B", "4", 6, "not measured"], ["distillation", "yes", "C", "4", 4, "not measured"]]
    assert findings.claims({}).empty


# ------------------------------------------------------------------ distillation_markdown

_DIST_COUNTS = _counts({
    "base": {"A": (16, [0, 0, 0, 0]), "B": (8, [0, 0, 0, 0]), "C": (8, [8, 8, 0, 0]), "D": (8, [8, 0, 6, 6])},
    "rl": {"A": (16, [2, 0, 0, 0]), "B": (8, [0, 0, 0, 0]), "C": (8, [4, 4, 4, 0]), "D": (8, [8, 0, 0, 0])},
    "distilled": {"A": (16, [16, 16, 8, 0]), "B": (8, [0, 0, 0, 0]), "C": (8, [2, 2, 0, 0]),
                  "D": (8, [1, 7, 8, 1])}})


def test_distillation_markdown_compares_distilled_tiers_with_fig7_and_leaves_rl_alone():
    """Tier by tier (A stays ahead, B neither, C base above, D ends ahead), the distilled model's third line is
    replaced (or, for a pattern Fig. 7 does not name, extended); the RL model's lines are :func:`compare`'s."""
    text = findings.distillation_markdown(_DIST_COUNTS, "base", ["rl", "distilled"], ["distilled"])
    lines = text.split("\n")
    assert lines[:12] == [f"- {line}" for line in findings.compare(_DIST_COUNTS, "base", "rl")]
    assert lines[12:] == [
        "- tier A: pass@1 base 0.000, distilled 0.625; pass@16 base 0.000, distilled 0.750.",
        "- tier A: solved at k = 16: base 0, distilled 3 of 4; distilled-solved ⊆ base-solved: no.",
        "- tier A: distilled stays ahead of base at every k up to 16 (as the paper's Fig. 7 reports for distillation: "
        "it adds problems the base cannot solve).",
        "- tier B: pass@1 base 0.000, distilled 0.000; pass@8 base 0.000, distilled 0.000.",
        "- tier B: solved at k = 8: base 0, distilled 0 of 4; distilled-solved ⊆ base-solved: yes.",
        "- tier B: neither model solves any problem here.",
        "- tier C: pass@1 base 0.500, distilled 0.125; pass@8 base 0.500, distilled 0.500.",
        "- tier C: solved at k = 8: base 2, distilled 2 of 4; distilled-solved ⊆ base-solved: yes.",
        "- tier C: base is at or above distilled already at k = 1 and stays so through k = 8 (base − distilled "
        "+0.000, 95% interval [0.000, 0.000]); the paper's RL models lead at k = 1. The paper's Fig. 7 has the "
        "distilled model ahead of the base at every k.",
        "- tier D: pass@1 base 0.625, distilled 0.531; pass@8 base 0.750, distilled 1.000.",
        "- tier D: solved at k = 8: base 3, distilled 4 of 4; distilled-solved ⊆ base-solved: no.",
        "- tier D: distilled ends ahead of base at k = 8 after the curves cross (the paper's Fig. 7 has the distilled "
        "model ahead at every k)."]
    # listed as distilled, the RL model's lines are compared with Fig. 7 too (its tier A stays ahead)
    both = findings.distillation_markdown(_DIST_COUNTS, "base", ["rl"], ["rl", "distilled"]).split("\n")
    assert both[2] == ("- tier A: rl stays ahead of base at every k up to 16 (as the paper's Fig. 7 reports for "
                       "distillation: it adds problems the base cannot solve).")


def test_distillation_markdown_over_all_problems():
    """by=None labels the lines 'all problems'."""
    d = _DIST_COUNTS[_DIST_COUNTS["tier"] == "D"]
    assert findings.distillation_markdown(d, "base", ["distilled"], ["distilled"], by=None).split("\n") == [
        "- all problems: pass@1 base 0.625, distilled 0.531; pass@8 base 0.750, distilled 1.000.",
        "- all problems: solved at k = 8: base 3, distilled 4 of 4; distilled-solved ⊆ base-solved: no.",
        "- all problems: distilled ends ahead of base at k = 8 after the curves cross (the paper's Fig. 7 has the "
        "distilled model ahead at every k)."]
    b = _DIST_COUNTS[_DIST_COUNTS["tier"] == "B"]
    assert findings.distillation_markdown(b, "base", ["distilled"], ["distilled"], by=None).split("\n")[2] == (
        "- all problems: neither model solves any problem here.")


def test_distillation_markdown_prints_an_integer_crossover_k_beside_a_group_without_one():
    """Tier C: the base catches up at k = 3; tier A (no crossover) must not turn that into 3.0 (a bug found by this
    test: None makes the table's column float)."""
    counts = _counts({"base": {"A": (8, [0, 0, 0, 0]), "C": (8, [2, 2, 2, 2])},
                      "distilled": {"A": (8, [8, 8, 4, 0]), "C": (8, [8, 8, 0, 0])}})
    text = findings.distillation_markdown(counts, "base", ["distilled"], ["distilled"])
    assert "the base catches up with distilled at k = 3 and they end level" in text


# ------------------------------------------------------------------ samples_phrase, biased_gap_sentence


@pytest.mark.parametrize("n, text", [([256, 256], "n = 256 samples each"), ([64.0], "n = 64 samples each"),
                                     ([256, 64, 128], "n = 64 to 256 samples per problem"),
                                     (pd.Series([8, 9]), "n = 8 to 9 samples per problem")])
def test_samples_phrase(n, text):
    """Smallest and largest n (not first and last), one number when they are equal."""
    assert findings.samples_phrase(n) == text


@pytest.mark.parametrize("ks, unbiased, biased, n, text", [
    # largest gap (1/16) first reached at k = 2, index 1; tied at k = 4; k = n = 8 closes the table
    ([1, 2, 4, 8], [0.5, 0.75, 0.875, 0.9375], [0.5, 0.6875, 0.8125, 0.90625], [8, 4],
     "Here the gap is largest at k = 2 (0.0625) and is 0.0312 at k = n = 8"),
    # the table stops below the largest n: no gap at k = n is stated
    ([1, 3, 5], [0.25, 0.5, 0.75], [0.25, 0.375, 0.625], [8, 5],
     "Here the gap is largest at k = 3 (0.1250)"),
    # largest gap at the last k, which is n
    ([1, 2, 3], [0.2, 0.4, 0.9], [0.2, 0.35, 0.6], [3, 3],
     "Here the gap is largest at k = 3 (0.3000) and is 0.3000 at k = n = 3"),
])
def test_biased_gap_sentence(ks, unbiased, biased, n, text):
    """The gap is unbiased − biased; where it is largest is a k (not an index); k = n is said only when the table
    reaches the largest n."""
    assert findings.biased_gap_sentence(ks, unbiased, biased, n) == text + (
        ": at k = n it comes only from problems with few correct samples (a problem with c correct keeps a gap of "
        "about e^−c).")


# ------------------------------------------------------------------ share_coverage_sentence

_SHARES = pd.DataFrame({"model": ["base", "grpo@2", "other"], "A": [0.9, 0.1, 0.3], "B": [0.25, 0.5, 0.75]})


def _cov(b_base, b_model):
    return pd.DataFrame({"tier": ["A", "B", "B"], "model": ["grpo@2", "other", "grpo@2"],
                         "base_solved": [7, 99, b_base], "model_solved": [3, 98, b_model]})


@pytest.mark.parametrize("shares, cov, tier, text", [
    (_SHARES, _cov(48, 41), "B", "On tier B the careful share pooled over the tier rises from 0.250 (base) to 0.500 "
     "(grpo@2) while coverage falls from 48 to 41 problems: a pooled share does not show where the careful path was "
     "lost (the narrowing page shows the share per chain length)."),
    (_SHARES, _cov(40, 41), "B", "On tier B the careful share pooled over the tier rises from 0.250 (base) to 0.500 "
     "(grpo@2) while coverage rises from 40 to 41 problems."),
    (_SHARES, _cov(41, 41), "B", "On tier B the careful share pooled over the tier rises from 0.250 (base) to 0.500 "
     "(grpo@2) while coverage stays from 41 to 41 problems."),
    (_SHARES, _cov(48, 41), "A", "On tier A the careful share pooled over the tier falls from 0.900 (base) to 0.100 "
     "(grpo@2) while coverage falls from 7 to 3 problems."),
    (_SHARES.assign(B=[0.5, 0.5, 0.1]), _cov(48, 41), "B", "On tier B the careful share pooled over the tier stays "
     "from 0.500 (base) to 0.500 (grpo@2) while coverage falls from 48 to 41 problems."),
])
def test_share_coverage_sentence(shares, cov, tier, text):
    """The tier's column and the RL model's coverage row (not another model's or tier's); the warning only when
    the share rises while coverage falls."""
    assert findings.share_coverage_sentence(shares, cov, "base", "grpo@2", tier) == text


def test_share_coverage_sentence_default_tier_is_b():
    assert findings.share_coverage_sentence(_SHARES, _cov(40, 41), "base", "grpo@2").startswith(
        "On tier B the careful share pooled over the tier rises from 0.250 (base)")


# ------------------------------------------------------------------ steps_sentence, _arrow


def test_steps_sentence_per_tier_in_the_given_model_order():
    """Tiers in the table's order, models in the given order (not the table's), the last pass@k column."""
    table = pd.DataFrame({
        "tier": ["B"] * 3 + ["A"] * 3, "model": ["rl@2", "base", "rl@1"] * 2,
        "pass@1": [0.74, 0.2, 0.8, 0.3, 0.1, 0.2], "pass@4": [0.5, 0.6, 0.7, 0.0, 0.0, 0.0],
        "pass@8": [0.85, 1.0, 0.9, 0.5, 0.5, 0.5]})
    assert findings.steps_sentence(table, ["base", "rl@1", "rl@2"]) == (
        "- tier B: pass@1 0.200 → 0.800 → 0.740 (not monotonic), pass@8 1.000 → 0.900 → 0.850 (falls at every step) "
        "over base, rl@1, rl@2.\n"
        "- tier A: pass@1 0.100 → 0.200 → 0.300 (rises at every step), pass@8 0.500 → 0.500 → 0.500 (unchanged) "
        "over base, rl@1, rl@2.")
    assert findings.steps_sentence(table, ["rl@2", "base"]).split("\n")[1] == (
        "- tier A: pass@1 0.300 → 0.100 (falls at every step), pass@8 0.500 → 0.500 (unchanged) over rl@2, base.")


@pytest.mark.parametrize("values, shape", [
    ([0.5, 0.5004, 0.5001], "unchanged"),  # steps under 5e-4 either way
    ([0.0, 0.0005], "rises at every step"),  # exactly 5e-4 is a change
    ([0.1, 0.1, 0.2], "not monotonic"),  # one flat step and one rise
    ([0.3, 0.2, 0.2], "not monotonic"),
    ([0.3, 0.2, 0.1], "falls at every step"),
    ([0.1, 0.3, 0.2], "not monotonic"),
])
def test_steps_sentence_shapes(values, shape):
    """Over all problems (by=None), each curve's shape along the checkpoints."""
    models = [f"m{i}" for i in range(len(values))]
    table = pd.DataFrame({"model": models, "pass@1": values, "pass@2": [0.9] * len(values)})
    text = findings.steps_sentence(table, models, by=None)
    arrow = " → ".join(f"{v:.3f}" for v in values)
    assert text == (f"- all problems: pass@1 {arrow} ({shape}), pass@2 {' → '.join(['0.900'] * len(values))} "
                    f"(unchanged) over {', '.join(models)}.")


def test_steps_sentence_groups_by_any_column():
    table = pd.DataFrame({"length": [3, 3, 5, 5], "model": ["a", "b"] * 2, "pass@1": [0.1, 0.2, 0.4, 0.3],
                          "pass@16": [0.6, 0.5, 0.7, 0.8]})
    assert findings.steps_sentence(table, ["a", "b"], by="length") == (
        "- length 3: pass@1 0.100 → 0.200 (rises at every step), pass@16 0.600 → 0.500 (falls at every step) "
        "over a, b.\n"
        "- length 5: pass@1 0.400 → 0.300 (falls at every step), pass@16 0.700 → 0.800 (rises at every step) "
        "over a, b.")


def test_steps_sentence_finds_the_pass_at_k_column_by_name():
    """pass@1 placed last and a non-pass column after it: the curve at large k is still pass@16."""
    table = pd.DataFrame({"model": ["a", "b"], "pass@16": [0.75, 0.5], "pass@1": [0.25, 0.375], "problems": [9, 9]})
    assert findings.steps_sentence(table, ["a", "b"], by=None) == (
        "- all problems: pass@1 0.250 → 0.375 (rises at every step), pass@16 0.750 → 0.500 (falls at every step) "
        "over a, b.")


def test_arrow():
    assert findings._arrow([0.1234, 1, 0.0005]) == "0.123 → 1.000 → 0.001"
    assert findings._arrow([]) == ""


# ------------------------------------------------------------------ histogram_sentence


def test_histogram_sentence_by_tier():
    """Per tier (table order), per model: bin 0 is never, bin 10 always; the first model's phrase is the long one."""
    hist = pd.DataFrame({
        "tier": ["C"] * 6 + ["A"] * 6, "model": (["rl"] * 3 + ["base"] * 3) * 2, "bin": [0, 5, 10] * 4,
        "count": [3, 0, 5, 1, 6, 1, 0, 2, 7, 4, 4, 2]})
    assert findings.histogram_sentence(hist) == (
        "- tier C: rl: 3 of 8 problems never solved, 5 always solved; base: 1 of 8 never solved, 1 always solved.\n"
        "- tier A: rl: 0 of 9 problems never solved, 7 always solved; base: 4 of 10 never solved, 2 always solved.")


def test_histogram_sentence_over_all_problems_sums_every_bin():
    """by=None: the totals include middle bins; a third model gets the short phrase too."""
    hist = pd.DataFrame({"model": ["base"] * 4 + ["rl"] * 4 + ["d"] * 4, "bin": [0, 1, 9, 10] * 3,
                         "count": [2, 3, 4, 5, 6, 0, 0, 1, 0, 1, 1, 0]})
    assert findings.histogram_sentence(hist, by=None) == (
        "- all problems: base: 2 of 14 problems never solved, 5 always solved; rl: 6 of 7 never solved, 1 always "
        "solved; d: 0 of 2 never solved, 0 always solved.")


# ------------------------------------------------------------------ seed_study_sentences, _interval

_THESE = "these seeds' trained models (problems resampled)"
_NOTHING = "nothing: seeds and problems resampled"


def _per_seed(regime, k_max, diffs, base_only, compared_only) -> pd.DataFrame:
    return pd.DataFrame({"regime": regime, "seed": range(len(diffs)), "k_max": k_max, "base - rl at k_max": diffs,
                         "base_only": base_only, "compared_only": compared_only})


def _seed_intervals(regime, k_max, diff, fixed, both, gain) -> pd.DataFrame:
    """Rows as tables.seed_study_intervals gives them: k = 1 then k_max, each held fixed then resampled.
    ``fixed``/``both`` are (low, high) at k_max; ``gain`` is (diff, low, high) of base - RL at k = 1, resampled."""
    rows = [(1, gain[0], gain[0] - 0.5, gain[0] + 0.5, _THESE), (1, *gain, _NOTHING),
            (k_max, diff, *fixed, _THESE), (k_max, diff, *both, _NOTHING)]
    return pd.DataFrame([{"regime": regime, "k": k, "diff": d, "ci_low": lo, "ci_high": hi, "conditions_on": c}
                         for k, d, lo, hi, c in rows])


def test_seed_study_sentences_exact_paragraphs_in_table_order():
    """Regimes in the table's order (not sorted), each with its own k_max, seed count, both intervals (fixed
    first), RL's pass@1 gain as RL − base (sign and bounds flipped) and the per-seed counts; ``what`` labels
    only the regimes it names."""
    per_seed = pd.concat([_per_seed("uncapped", 8, [0.25, 0.125, 0.5], [2, 1, 3], [0, 1, 0]),
                          _per_seed("narrowing", 4, [0.1, 0.3], [4, 5], [1, 0])], ignore_index=True)
    intervals = pd.concat([_seed_intervals("narrowing", 4, 0.2, (0.05, 0.35), (0.0, 0.4), (-0.125, -0.25, -0.0625)),
                           _seed_intervals("uncapped", 8, 0.2917, (0.125, 0.4375), (0.0625, 0.5),
                                           (0.0625, -0.03125, 0.1875))], ignore_index=True)
    text = findings.seed_study_sentences(per_seed, intervals, {"narrowing": "RL capped", "other": "x"})
    assert text.split("\n\n") == [
        "**uncapped**: over 3 seeds, base - RL pass@8 is +0.292: [+0.125, +0.438] holding these 3 trained models "
        "fixed (problems resampled), [+0.062, +0.500] resampling seeds, then problems. RL's pass@1 gain is -0.062 "
        "[-0.188, +0.031] (seed-aware). base_only per seed: 2, 1, 3; compared_only: 0, 1, 0. Verdict: RL narrows "
        "the boundary in every seed, and the seed-aware interval excludes 0.",
        "**narrowing** (RL capped): over 2 seeds, base - RL pass@4 is +0.200: [+0.050, +0.350] holding these 2 "
        "trained models fixed (problems resampled), [+0.000, +0.400] resampling seeds, then problems. RL's pass@1 "
        "gain is +0.125 [+0.062, +0.250] (seed-aware). base_only per seed: 4, 5; compared_only: 1, 0. Verdict: RL "
        "narrows the boundary in every seed, but with this many seeds the seed-aware interval still contains 0."]
    assert findings.seed_study_sentences(per_seed, intervals).startswith("**uncapped**: over 3 seeds")
    assert "**narrowing**: over 2 seeds" in findings.seed_study_sentences(per_seed, intervals, {"uncapped": "u"})


@pytest.mark.parametrize("diffs, low, verdict", [
    ([0.1, 0.2, 0.3], 0.01, "RL narrows the boundary in every seed, and the seed-aware interval excludes 0"),
    ([0.1, 0.2, 0.3], 0.0, "RL narrows the boundary in every seed, but with this many seeds the seed-aware interval "
                           "still contains 0"),
    ([0.2, 0.0, -0.1, 0.4], 0.01, "the seed-aware interval excludes 0, though 2 seed(s) do not narrow"),
    ([-0.1, -0.2], 0.001, "the seed-aware interval excludes 0, though 2 seed(s) do not narrow"),
    ([-0.1, 0.0], 0.0, "no seed narrows the boundary"),
    ([0.1, -0.1, 0.2], -0.05, "2 of 3 seeds narrow, and the seed-aware interval contains 0: the measurement does "
                              "not support a claim about RL here"),
    ([0.0, 0.0, 0.0, 0.3], 0.0, "1 of 4 seeds narrow, and the seed-aware interval contains 0: the measurement does "
                                "not support a claim about RL here"),
])
def test_seed_study_sentences_verdicts(diffs, low, verdict):
    """A verdict needs every seed to narrow (a seed at 0 does not) or the resampled interval's low end above 0
    (the held-fixed interval's low end, here always above 0, does not count)."""
    per_seed = _per_seed("r", 16, diffs, [1] * len(diffs), [0] * len(diffs))
    intervals = _seed_intervals("r", 16, 0.1, (0.02, 0.3), (low, 0.3), (-0.1, -0.2, 0.0))
    text = findings.seed_study_sentences(per_seed, intervals)
    assert text.endswith(f" Verdict: {verdict}.")
    assert text.startswith(f"**r**: over {len(diffs)} seeds, base - RL pass@16 is +0.100: [+0.020, +0.300] holding")


def test_seed_study_sentences_with_one_seed():
    """A regime measured with one seed: its k_max and counts come from that one row."""
    per_seed = _per_seed("solo", 32, [0.25], [3], [1])
    intervals = _seed_intervals("solo", 32, 0.25, (0.125, 0.375), (0.125, 0.375), (-0.5, -0.75, -0.25))
    assert findings.seed_study_sentences(per_seed, intervals) == (
        "**solo**: over 1 seeds, base - RL pass@32 is +0.250: [+0.125, +0.375] holding these 1 trained models fixed "
        "(problems resampled), [+0.125, +0.375] resampling seeds, then problems. RL's pass@1 gain is +0.500 "
        "[+0.250, +0.750] (seed-aware). base_only per seed: 3; compared_only: 1. Verdict: RL narrows the boundary "
        "in every seed, and the seed-aware interval excludes 0.")


def test_interval():
    assert findings._interval({"ci_low": -0.0625, "ci_high": 0.25, "diff": 9}) == "[-0.062, +0.250]"


# ------------------------------------------------------------------ seed_study_report


def _flat_study() -> SeedStudy:
    """Two seeds whose problems all differ by the same amount, so every bootstrap interval is a point: tier B
    (two problems) base 64 (n = 256) or 512 (n = 1024) correct, RL none; tier A RL ahead."""
    rows = []
    for n, c in [(256, 64), (1024, 512)]:
        for seed in (2, 7):
            for model, b, a in [("base", c, 1), ("rl", 0, n)]:
                rows += [{"regime": "narrowing", "seed": seed, "n_max": n, "model": model, "problem_id": f"{t}{i}",
                          "tier": t, "length": 2, "n": n, "correct": x, "careful": 0}
                         for t, x, count in [("B", b, 2), ("A", a, 3)] for i in range(count)]
    meta = {"date": "2026-12-07T00:00:00+00:00", "commit": "abc1234", "command": "python scripts/seed_study.py",
            "machine": {"cpu": "test CPU", "host_capability": "AVX512", "mode": "pinned", "aten": "AVX2",
                        "mkl_cbwr": "COMPATIBLE"}, "regimes": {"narrowing": {"what": "RL capped"}}}
    return SeedStudy(meta=meta, counts=pd.DataFrame(rows))


def test_seed_study_report_defaults_exact():
    """Tier B at n = 256 and n = 1024 (defaults), the source line, two seeds; each n's own numbers."""
    text = findings.seed_study_report(_flat_study(), ["narrowing"])
    source = ("measured by `python scripts/seed_study.py` on 2026-12-07 at commit abc1234, on test CPU (torch "
              "capability AVX512, numerics pinned: ATen AVX2, MKL COMPATIBLE)")

    def para(n, gain):
        return (f"**narrowing** (RL capped): over 2 seeds, base - RL pass@{n} is +1.000: [+1.000, +1.000] holding "
                f"these 2 trained models fixed (problems resampled), [+1.000, +1.000] resampling seeds, then "
                f"problems. RL's pass@1 gain is {gain} [{gain}, {gain}] (seed-aware). base_only per seed: 2, 2; "
                f"compared_only: 0, 0. Verdict: RL narrows the boundary in every seed, and the seed-aware interval "
                f"excludes 0.")
    assert text == (f"The multi-seed numbers are a committed measurement, not computed on this page: {source}; "
                    f"2 seeds per regime, tier B.\n\nAt n = 256 samples per problem:\n\n{para(256, '-0.250')}\n\n"
                    f"At n = 1024 samples per problem:\n\n{para(1024, '-0.500')}")


def test_seed_study_report_passes_tier_and_ns_through():
    """Tier A at one n: both solve every problem, RL's pass@1 is 1023/1024 higher."""
    text = findings.seed_study_report(_flat_study(), ["narrowing"], tier="A", ns=(1024,), n_boot=10)
    assert text.endswith("2 seeds per regime, tier A.\n\nAt n = 1024 samples per problem:\n\n**narrowing** (RL "
                         "capped): over 2 seeds, base - RL pass@1024 is +0.000: [+0.000, +0.000] holding these 2 "
                         "trained models fixed (problems resampled), [+0.000, +0.000] resampling seeds, then problems. "
                         "RL's pass@1 gain is +0.999 [+0.999, +0.999] (seed-aware). base_only per seed: 0, 0; "
                         "compared_only: 0, 0. Verdict: no seed narrows the boundary.")


def _study_with_spread() -> SeedStudy:
    """Two seeds of four tier-B problems (n = 8) whose intervals depend on the bootstrap's draws (2000 and 2001
    draws print different bounds), and a second regime the report is not asked for."""
    table = {(2, "base"): [4, 6, 8, 0], (2, "rl"): [1, 7, 8, 2], (7, "base"): [2, 7, 3, 2], (7, "rl"): [7, 2, 3, 5]}
    rows = [{"regime": regime, "seed": seed, "n_max": 8, "model": model, "problem_id": f"B{i}", "tier": "B",
             "length": 2, "n": 8, "correct": c if regime == "narrowing" else 8 - c, "careful": 0}
            for regime in ("uncapped", "narrowing") for (seed, model), cs in table.items() for i, c in enumerate(cs)]
    return SeedStudy(meta=_flat_study().meta, counts=pd.DataFrame(rows))


def test_seed_study_report_default_n_boot_and_only_the_regimes_asked_for():
    """The default n_boot is 2000 (the intervals of an explicit n_boot = 2000, not 2001's); only 'narrowing'."""
    study = _study_with_spread()
    per_seed = tables.seed_study_table(study, 8, "B", ["narrowing"])
    intervals = tables.seed_study_intervals(study, 8, "B", 2000, ["narrowing"])
    text = findings.seed_study_report(study, ["narrowing"], ns=(8,))
    assert text.endswith("2 seeds per regime, tier B.\n\nAt n = 8 samples per problem:\n\n"
                         + findings.seed_study_sentences(per_seed, intervals, {"narrowing": "RL capped"}))
    assert text != findings.seed_study_report(study, ["narrowing"], ns=(8,), n_boot=2001)
    assert "**uncapped**" not in text and text.count("**narrowing** (RL capped): over 2 seeds") == 1


def test_seed_study_report_without_regime_descriptions():
    """A study whose metadata describes no regime labels each by name alone."""
    flat = _flat_study()
    study = SeedStudy(meta={k: v for k, v in flat.meta.items() if k != "regimes"}, counts=flat.counts)
    text = findings.seed_study_report(study, ["narrowing"], ns=(256,), n_boot=10)
    assert "samples per problem:\n\n**narrowing**: over 2 seeds, base - RL pass@256 is +1.000" in text


# ------------------------------------------------------------------ mix_sentence, mix_report


def _mix(seed_changes, total, k_max=8) -> pd.DataFrame:
    """A tables.mix_table frame: per seed (pass@1 change, solved share change), then the 'all' row's
    (change, low, high) for pass@1 and for the solved share."""
    rows = [{"seed": s, "base pass@1": 0.5, f"base pass@{k_max}": 0.9, "rl pass@1": 0.5 + p, f"rl pass@{k_max}": 0.8,
             "pass@1 change": p, "solved share change": q} for s, (p, q) in zip((3, 1, 4), seed_changes)]
    (p, p_lo, p_hi), (q, q_lo, q_hi) = total
    rows.append({"seed": "all", "base pass@1": 0.5, f"base pass@{k_max}": 0.9, "pass@1 change": p,
                 "solved share change": q, "pass@1 change low": p_lo, "pass@1 change high": p_hi,
                 "solved share change low": q_lo, "solved share change high": q_hi})
    return pd.DataFrame(rows)


_UP_DOWN = [(0.1, -0.05), (0.2, -0.1), (0.3, -0.15)]


@pytest.mark.parametrize("seeds, total, verdict", [
    (_UP_DOWN, ((0.2, 0.05, 0.35), (-0.1, -0.2, -0.01)), "yes: in every seed, and both seed-aware intervals "
                                                          "exclude 0"),
    (_UP_DOWN, ((0.2, 0.0, 0.35), (-0.1, -0.2, -0.01)), "in every seed, but a seed-aware interval still contains 0"),
    (_UP_DOWN, ((0.2, 0.05, 0.35), (-0.1, -0.2, 0.0)), "in every seed, but a seed-aware interval still contains 0"),
    ([(0.1, -0.05), (0.0, -0.1), (0.3, 0.0)], ((0.2, 0.05, 0.35), (-0.1, -0.2, -0.01)),
     "in 1 of 3 seeds only: not a property of RL in this world"),
    ([(0.1, -0.05), (0.2, -0.1), (-0.1, -0.15)], ((0.2, 0.05, 0.35), (-0.1, -0.2, -0.01)),
     "in 2 of 3 seeds only: not a property of RL in this world"),
    ([(0.0, -0.05), (0.2, 0.1), (-0.1, -0.15)], ((0.2, 0.05, 0.35), (-0.1, -0.2, -0.01)), "no: no seed shows it"),
])
def test_mix_sentence_verdicts(seeds, total, verdict):
    """pass@1 strictly up and the share strictly down in a seed; 'yes' needs both intervals to exclude 0."""
    text = findings.mix_sentence(_mix(seeds, total), {"A": 0.875, "B": 0.125}, "narrowing")
    assert text.endswith(f"pass@1 up and coverage down: {verdict}.")
    assert text.startswith("**narrowing**, on one benchmark mixing tier A 87.5%, tier B 12.5%: RL - base pass@1")


def test_mix_sentence_exact():
    """The 'all' row's values and both intervals, k_max from the columns (16, not 1), the seed count."""
    mix = _mix([(0.1, -0.05), (0.2, -0.1)], ((0.15, 0.0625, 0.25), (-0.075, -0.125, -0.03125)), k_max=16)
    assert findings.mix_sentence(mix, {"B": 0.3, "A": 0.7}, "uncapped", "RL uncapped") == (
        "**uncapped** (RL uncapped), on one benchmark mixing tier B 30.0%, tier A 70.0%: RL - base pass@1 +0.150 "
        "[+0.062, +0.250], share of problems solved at k = 16 -0.075 [-0.125, -0.031] (mean over 2 seeds, "
        "seed-aware 95% intervals). pass@1 up and coverage down: yes: in every seed, and both seed-aware intervals "
        "exclude 0.")


def test_mix_report_one_paragraph_per_regime_asked_for():
    """Regimes in the order asked, each on its own rows of the frame, labelled by the study's metadata."""
    study = SeedStudy(meta={"regimes": {"narrowing": {"what": "RL capped"}, "unused": {"what": "x"}}},
                      counts=pd.DataFrame())
    weights = {"A": 0.75, "B": 0.25}
    mix = pd.concat([
        _mix(_UP_DOWN, ((0.2, 0.05, 0.35), (-0.1, -0.2, -0.01))).assign(regime="narrowing"),
        _mix([(0.1, 0.05), (0.2, 0.0)], ((-0.25, -0.5, 0.125), (0.025, 0.0, 0.05))).assign(regime="uncapped"),
        _mix([(0.0, 0.0)], ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))).assign(regime="other")], ignore_index=True)
    assert findings.mix_report(study, ["uncapped", "narrowing"], 8, weights, mix) == (
        "**uncapped**, on one benchmark mixing tier A 75.0%, tier B 25.0%: RL - base pass@1 -0.250 [-0.500, +0.125], "
        "share of problems solved at k = 8 +0.025 [+0.000, +0.050] (mean over 2 seeds, seed-aware 95% intervals). "
        "pass@1 up and coverage down: no: no seed shows it.\n\n"
        "**narrowing** (RL capped), on one benchmark mixing tier A 75.0%, tier B 25.0%: RL - base pass@1 +0.200 "
        "[+0.050, +0.350], share of problems solved at k = 8 -0.100 [-0.200, -0.010] (mean over 3 seeds, "
        "seed-aware 95% intervals). pass@1 up and coverage down: yes: in every seed, and both seed-aware intervals "
        "exclude 0.")
    assert findings.mix_report(SeedStudy(meta={}, counts=pd.DataFrame()), ["narrowing"], 8, weights, mix).startswith(
        "**narrowing**, on one")
