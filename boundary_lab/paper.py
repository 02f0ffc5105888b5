"""The paper's reported numbers, as package data, so pages can show them beside ours.

Every value comes from Yue et al. 2025 (arXiv 2504.13837, v2), transcribed in the
project's notes on the paper; each row names its table or figure. Percentages are
stored as fractions (0.344 for "34.4"). Pages show them labelled ``reported``:

>>> t = table("algorithms")
>>> t.loc[(t.model == "GRPO") & (t.benchmark == "MATH500"), ["metric", "value"]].values.tolist()
[['pass@1', 0.744], ['pass@256', 0.972]]
>>> d = table("delta_se")   # derived from Table 2: pass@256(base) - pass@1(algorithm)
>>> round(float(d.loc[(d.model == "DAPO") & (d.benchmark == "MATH500"), "value"].iloc[0]), 3)
0.206
>>> sorted(TABLES)
['algorithms', 'cot_validity', 'coverage', 'delta_se', 'model_pairs', 'passk', 'training_steps']

Names (``table(name)``):

- ``algorithms``: pass@1 and pass@256 of Qwen2.5-7B and six RL algorithms (Table 2).
- ``delta_se``: ΔSE = pass@256(base) − pass@1(RL) per algorithm and split, derived from
  Table 2 (it reproduces the values Figure 8 prints, e.g. DAPO on MATH500 0.206).
- ``training_steps``: pass@1 and pass@256 of GRPO at steps 150/300/450 (Table 3).
- ``coverage``: solvable problem indices, base and RL (Table 4, AIME24; Table 5, LiveCodeBench 400–450).
- ``cot_validity``: hard solvable problems with a valid chain of thought (§3.1).
- ``passk``: pass@k values the notes transcribe for the paper's own model pairs (few: the
  Figure 2 curves are not transcribed; :func:`passk_for` says so for the others).
- ``model_pairs``: the paper's base / RL model pairs and their benchmarks (§2, Protocol).

Every table has a ``source`` column; :data:`LABEL` is the label pages print beside them.
"""
from __future__ import annotations

import pandas as pd

from .errors import InputError
from .passk import pass_at_k_curve

LABEL = "reported (Yue et al. 2025)"
CITATION = "Yue et al. 2025, arXiv 2504.13837 v2"

# Table 2 (percent): pass@1 / pass@256 per split. Training split Omni-MATH-Train, in-domain test
# Omni-MATH-Test, out-of-domain MATH500. VeRL, Qwen2.5-7B base, 8 rollouts, temperature 1.0, no KL.
_TABLE2 = {
    "Qwen2.5-7B": [(9.9, 67.2), (10.2, 69.1), (34.5, 96.2)],
    "GRPO": [(26.1, 66.3), (25.1, 68.3), (74.4, 97.2)],
    "PPO": [(27.2, 65.8), (26.8, 69.2), (75.2, 97.2)],
    "ReMax": [(24.4, 65.5), (23.8, 67.5), (73.5, 96.6)],
    "RLOO": [(28.6, 66.4), (28.1, 69.2), (75.0, 97.4)],
    "Reinforce++": [(28.2, 67.7), (28.0, 69.7), (75.4, 96.8)],
    "DAPO": [(31.4, 66.1), (26.5, 67.0), (75.6, 96.4)],
}
# Table 3 (percent): GRPO checkpoints, same splits.
_TABLE3 = {
    0: [(9.9, 67.2), (10.2, 69.1), (34.5, 96.2)],
    150: [(26.1, 66.3), (25.1, 68.3), (74.4, 97.2)],
    300: [(33.6, 65.3), (27.1, 66.6), (75.4, 96.0)],
    450: [(42.5, 64.3), (28.3, 63.9), (76.3, 95.4)],
}
_SPLITS = ("Omni-MATH-Train", "Omni-MATH-Test", "MATH500")
# Tables 4 and 5: solvable problem indices.
_TABLE4_BASE = (0, 1, 4, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26, 27, 28, 29)
_TABLE4_RL = (0, 1, 6, 7, 8, 9, 12, 14, 15, 16, 18, 22, 23, 24, 25, 26, 27, 28, 29)
_TABLE5_BASE = (400, 402, 403, 407, 409, 412, 413, 417, 418, 419, 422, 423, 427, 432, 433, 436, 438, 439, 440,
                444, 445, 448, 449)
_TABLE5_RL = (400, 402, 403, 407, 412, 413, 417, 418, 419, 422, 423, 427, 430, 433, 438, 439, 440, 444, 445, 449)

# The paper's math model pairs (§2 and Protocol: SimpleRL-Zoo GRPO on GSM8K + MATH train; Oat-Zero;
# DAPO). Hub ids are the public checkpoints of those runs; `n` is the largest k the paper plots per
# benchmark ("128 for MATH500, Minerva and GSM8K; 1024 for AMC23 and AIME24; 128 for Olympiad with
# Qwen and 1024 with LLaMA").
_PAIR_COLUMNS = ("family", "base", "rl", "rl_method", "template")
_ZOO = "SimpleRL-Zoo (GRPO)"
MODEL_PAIRS = [dict(zip(_PAIR_COLUMNS, row)) for row in (
    ("qwen2.5-7b", "Qwen/Qwen2.5-7B", "hkust-nlp/Qwen-2.5-7B-SimpleRL-Zoo", _ZOO, "qwen-boxed"),
    ("qwen2.5-14b", "Qwen/Qwen2.5-14B", "hkust-nlp/Qwen-2.5-14B-SimpleRL-Zoo", _ZOO, "qwen-boxed"),
    ("qwen2.5-32b", "Qwen/Qwen2.5-32B", "hkust-nlp/Qwen-2.5-32B-SimpleRL-Zoo", _ZOO, "qwen-boxed"),
    ("llama-3.1-8b", "meta-llama/Llama-3.1-8B", "hkust-nlp/Llama-3.1-8B-SimpleRL-Zoo", _ZOO, "qwen-boxed"),
    ("qwen2.5-math-7b", "Qwen/Qwen2.5-Math-7B", "sail/Qwen2.5-Math-7B-Oat-Zero", "Oat-Zero", "oat-zero"),
    ("qwen2.5-32b-dapo", "Qwen/Qwen2.5-32B", "BytedTsinghua-SIA/DAPO-Qwen-32B", "DAPO", "qwen-boxed"),
)]
PAPER_MAX_K = {"gsm8k": 128, "math500": 128, "minerva": 128, "olympiadbench": 128, "aime24": 1024, "amc23": 1024}
MATH_BENCHMARKS = tuple(PAPER_MAX_K)


def _pass_rows(table: dict, source: str, label) -> list[dict]:
    """Long rows (model, benchmark, metric, value) of a pass@1 / pass@256 table in percent."""
    return [{"model": label(key), "key": key, "benchmark": split, "metric": metric, "value": round(v / 100, 4),
             "source": source}
            for key, vals in table.items() for split, pair in zip(_SPLITS, vals)
            for metric, v in zip(("pass@1", "pass@256"), pair)]


def _algorithms() -> pd.DataFrame:
    return pd.DataFrame(_pass_rows(_TABLE2, "Table 2", str)).drop(columns="key")


def _delta_se() -> pd.DataFrame:
    base = dict(zip(_SPLITS, _TABLE2["Qwen2.5-7B"]))
    rows = [{"model": m, "benchmark": split, "metric": "delta_se",
             "value": round((base[split][1] - pair[0]) / 100, 4),
             "source": "derived from Table 2 (pass@256 of Qwen2.5-7B minus pass@1); Figure 8 prints these values"}
            for m, vals in _TABLE2.items() if m != "Qwen2.5-7B" for split, pair in zip(_SPLITS, vals)]
    return pd.DataFrame(rows)


def _training_steps() -> pd.DataFrame:
    rows = _pass_rows(_TABLE3, "Table 3", lambda step: "Qwen2.5-7B" if step == 0 else f"GRPO step {step}")
    return pd.DataFrame(rows).rename(columns={"key": "step"})


def _coverage() -> pd.DataFrame:
    def row(benchmark, of, base_name, rl_name, base, rl, source):
        return {"benchmark": benchmark, "problems": of, "base": base_name, "rl": rl_name,
                "base_solved": len(base), "rl_solved": len(rl), "both": len(set(base) & set(rl)),
                "base_only": len(set(base) - set(rl)), "compared_only": len(set(rl) - set(base)),
                "rl_subset_of_base": set(rl) <= set(base),
                "compared_only_ids": " ".join(map(str, sorted(set(rl) - set(base)))), "source": source}
    return pd.DataFrame([
        row("AIME24", 30, "Qwen2.5-7B-Base", "SimpleRL-Qwen2.5-7B", _TABLE4_BASE, _TABLE4_RL, "Table 4"),
        row("LiveCodeBench 400-450", 51, "Qwen2.5-7B-Instruct-1M", "Coder-R1", _TABLE5_BASE, _TABLE5_RL, "Table 5"),
    ])


def _cot_validity() -> pd.DataFrame:
    # §3.1: hardest solvable problems (accuracy in (0, 5%]) checked by hand.
    return pd.DataFrame([
        {"benchmark": "GSM8K", "model": "base", "hard_solvable": 25, "with_valid_chain": 24, "source": "§3.1"},
        {"benchmark": "GSM8K", "model": "rl", "hard_solvable": 25, "with_valid_chain": 23, "source": "§3.1"},
        {"benchmark": "AIME24", "model": "base", "hard_solvable": 6, "with_valid_chain": 5, "source": "§3.1"},
        {"benchmark": "AIME24", "model": "rl", "hard_solvable": 6, "with_valid_chain": 4, "source": "§3.1"},
    ])


def _passk() -> pd.DataFrame:
    # Only the pass@k values the notes transcribe for the paper's own models: Qwen2.5-7B on MATH500
    # (Tables 2-3, VeRL prompt). The per-benchmark curves of Figure 2 are not transcribed.
    rows = [{"model": "Qwen/Qwen2.5-7B", "benchmark": "math500", "k": k, "value": v,
             "setting": "VeRL prompt (verl-think), temperature 1.0 (§4.3)", "source": "Tables 2-3"}
            for k, v in ((1, 0.345), (256, 0.962))]
    return pd.DataFrame(rows)


def _model_pairs() -> pd.DataFrame:
    return pd.DataFrame([{**p, "benchmarks": ", ".join(MATH_BENCHMARKS), "source": "§2, Protocol"}
                         for p in MODEL_PAIRS])


TABLES = {
    "algorithms": _algorithms, "delta_se": _delta_se, "training_steps": _training_steps, "coverage": _coverage,
    "cot_validity": _cot_validity, "passk": _passk, "model_pairs": _model_pairs,
}

# Other reported facts, quoted (no table of numbers behind them).
FACTS = {
    "minerva_32b": "Minerva, 32B: the base model leads the RL model by about 9 points at k = 128 (§3, Fig. 2).",
    "kl_ablation": "KL 0.001: pass@1 about the same as GRPO without KL, pass@128 much lower (Fig. 15).",
    "rollouts": "32 rollouts instead of 8: pass@128 slightly higher; the base still wins at large k (Fig. 15).",
    "entropy": "Raising the RL model's temperature to the base's entropy improves pass@k a little; "
               "it stays below the base (Fig. 17).",
    "delta_se_text": "ΔSE 'remains consistently above 40 points' on the in-domain test (§4.3, Fig. 8).",
}


def table(name: str) -> pd.DataFrame:
    """A reported table by name (see the module docstring); each row has a ``source``."""
    try:
        frame = TABLES[name]()
    except KeyError:
        raise InputError(f"reported: unknown table {name!r}; known: {', '.join(sorted(TABLES))}") from None
    return frame.assign(label=LABEL)


def passk_for(model: str, benchmark: str) -> pd.DataFrame:
    """Reported pass@k of one of the paper's models on one benchmark; empty when not transcribed."""
    t = table("passk")
    return t[(t["model"] == model) & (t["benchmark"] == benchmark)].reset_index(drop=True)


def beside(measured: pd.DataFrame, reported: pd.DataFrame, on: list[str], value: str = "value") -> pd.DataFrame:
    """Measured and reported values side by side, joined on ``on``: columns ``measured``, ``reported``.

    Rows present on one side only are kept (the other side is empty), so a page never drops a number.

    >>> m = pd.DataFrame({"model": ["GRPO"], "value": [0.1]})
    >>> r = pd.DataFrame({"model": ["GRPO", "PPO"], "value": [0.44, 0.42]})
    >>> beside(m, r, ["model"]).values.tolist()
    [['GRPO', 0.1, 0.44], ['PPO', nan, 0.42]]
    """
    left = measured[[*on, value]].rename(columns={value: "measured"})
    right = reported[[*on, value]].rename(columns={value: "reported"})
    return left.merge(right, on=on, how="outer")


# ------------------------------------------------------------------ claims vs this build


def _pass(counts: pd.DataFrame, model: str, k: int) -> float:
    sub = counts[counts["model"] == model]
    return float(pass_at_k_curve(sub["n"], sub["correct"], [k])[0])


def _solved(counts: pd.DataFrame, model: str) -> set:
    sub = counts[counts["model"] == model]
    return set(sub.loc[sub["correct"] > 0, "problem_id"])


def claims(res) -> pd.DataFrame:
    """The paper's claims, its evidence (reported), and what this build measured for each.

    ``res`` is a :class:`boundary_lab.report.MicroResults`; every measured value is computed from
    its counts (whole-chain-correct, all held-out tiers pooled), so the table changes with the build.
    ``agrees`` is ``yes``, ``no`` or ``not measured``: the comparison is qualitative (an engineered
    micro-world, not a 7B model)."""
    counts = res.counts
    base = "base"
    rl = res.one(main=True, final=True)
    steps = res.models[(res.models["main"] == True) & (res.models["kind"] == "rl")].sort_values("step")  # noqa: E712
    n = int(counts["n"].min())
    t2, t3 = table("algorithms"), table("training_steps")

    def rep(t, model, bench, metric):
        return float(t[(t.model == model) & (t.benchmark == bench) & (t.metric == metric)]["value"].iloc[0])

    rows = []
    b1, r1, bn, rn = _pass(counts, base, 1), _pass(counts, rl, 1), _pass(counts, base, n), _pass(counts, rl, n)
    rows.append(("RL raises pass@1 over the base model",
                 f"MATH500 pass@1: Qwen2.5-7B {rep(t2, 'Qwen2.5-7B', 'MATH500', 'pass@1'):.3f}, GRPO "
                 f"{rep(t2, 'GRPO', 'MATH500', 'pass@1'):.3f} (Table 2)",
                 f"pass@1: base {b1:.3f}, {rl} {r1:.3f}", "yes" if r1 > b1 else "no", "base_vs_rl"))
    rows.append(("At large k the base model catches up with or overtakes the RL model",
                 f"Omni-MATH-Test pass@256: base {rep(t2, 'Qwen2.5-7B', 'Omni-MATH-Test', 'pass@256'):.3f}, GRPO "
                 f"{rep(t2, 'GRPO', 'Omni-MATH-Test', 'pass@256'):.3f} (Table 2); Minerva 32B: base ahead by "
                 "about 9 points at k = 128",
                 f"pass@{n}: base {bn:.3f}, {rl} {rn:.3f}", "yes" if bn >= rn - 1e-12 else "no", "base_vs_rl"))
    sb, sr = _solved(counts, base), _solved(counts, rl)
    cov = table("coverage").iloc[0]
    rows.append(("Problems the RL model solves are a subset of those the base solves",
                 f"AIME24: base solves {cov.base_solved}/{cov.problems}, RL {cov.rl_solved}, RL-only "
                 f"{cov.compared_only} (Table 4)",
                 f"solved at k = {n}: base {len(sb)}, {rl} {len(sr)} of {counts['problem_id'].nunique()}; "
                 f"{rl} only: {len(sr - sb)}", "yes" if sr <= sb else "no", "coverage"))
    dse = bn - r1
    d = table("delta_se")
    grpo_test = float(d[(d.model == "GRPO") & (d.benchmark == "Omni-MATH-Test")]["value"].iloc[0])
    rows.append(("The base model at large K beats the RL model at k = 1: ΔSE = pass@K(base) − pass@1(RL) > 0",
                 f"GRPO, Omni-MATH-Test: ΔSE {grpo_test:.3f} (K = 256; Table 2, Fig. 8); 'consistently above "
                 "40 points' in-domain",
                 f"ΔSE {dse:.3f} (K = {n})", "yes" if dse > 0 else "no", "algorithms"))
    if len(steps) >= 2:
        first, last = steps["model"].iloc[0], steps["model"].iloc[-1]
        p1 = (_pass(counts, first, 1), _pass(counts, last, 1))
        pn = (_pass(counts, first, n), _pass(counts, last, n))
        rows.append(("Longer RL training raises pass@1 and lowers pass@k at large k",
                     "Omni-MATH-Train, GRPO step 150 → 450: pass@1 "
                     f"{rep(t3, 'GRPO step 150', 'Omni-MATH-Train', 'pass@1'):.3f}"
                     f" → {rep(t3, 'GRPO step 450', 'Omni-MATH-Train', 'pass@1'):.3f}, pass@256 "
                     f"{rep(t3, 'GRPO step 150', 'Omni-MATH-Train', 'pass@256'):.3f} → "
                     f"{rep(t3, 'GRPO step 450', 'Omni-MATH-Train', 'pass@256'):.3f} (Table 3)",
                     f"{first} → {last}: pass@1 {p1[0]:.3f} → {p1[1]:.3f}, pass@{n} {pn[0]:.3f} → {pn[1]:.3f}",
                     "yes" if p1[1] > p1[0] and pn[1] < pn[0] else "no", "training_steps"))
    if "distilled" in set(counts["model"]):
        sd = _solved(counts, "distilled")
        rows.append(("Distillation, unlike RL, adds problems the base cannot solve",
                     "Minerva: the distilled model's curve lies above the base's at every k (Fig. 7; "
                     "values not transcribed)",
                     f"solved only by the distilled model, not the base: {len(sd - sb)}",
                     "yes" if sd - sb else "no", "distillation"))
    ppl = res.perplexity
    if isinstance(ppl, pd.DataFrame) and not ppl.empty and {"scorer", "answers_from", "ppl"} <= set(ppl.columns):
        under_base = ppl[ppl["scorer"] == base].groupby("answers_from")["ppl"].median()
        if base in under_base and rl in under_base:
            rows.append(("RL answers are ones the base model already finds likely (low perplexity)",
                         "AIME24: PPL_Base(Y_RL) sits at the low end of PPL_Base(Y_Base) (Fig. 6; values not "
                         "transcribed)",
                         f"median perplexity under the base: its own answers {under_base[base]:.2f}, "
                         f"{rl}'s {under_base[rl]:.2f}", "yes" if under_base[rl] <= under_base[base] else "no",
                         "perplexity"))
    return pd.DataFrame(rows, columns=["paper's claim", LABEL, "this build (micro-world)", "agrees", "page"])
