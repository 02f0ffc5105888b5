"""Regimes of the micro-world: when RL narrows the reasoning boundary, and when it does not.

Named settings (issue 11, LOG.md 2026-11-30):

- ``contrast``: the world of LOG.md 2026-11-27 (RL keeps every problem: the rare
  careful path is rewarded on the RL data and nothing takes its edge away);
- ``uncapped``: the narrowing world and RL data without the response-length cap;
- ``narrowing``: careful writers check each value (``task.careful_check_tokens = 1``,
  so a careful chain is longer than the shortcut's), tiers A/B span lengths 2-4, RL
  rollouts are cut at ``rl.max_new_tokens`` tokens (a careful chain of 4 steps exceeds
  the cap, a shortcut chain does not), a quarter of the RL split is tier-B type and the
  reward checks the whole chain. On long prompts RL only ever rewards the shortcut; on
  short ones the careful path wins; the base keeps its careful chains everywhere.

``regime_config(name)`` builds either (settings by dotted name on top); ``tier_b_table``
and ``pooled_difference`` compute the numbers the issue asks for; ``run_grid`` runs a
phase diagram, each cell cached on its own by the pipeline, so an interrupted grid resumes.

>>> regime_settings("narrowing")["rl.max_new_tokens"]
14
>>> regime_config("contrast", settings={"rl.trainer.steps": 600}).rl.checkpoint_steps
(200, 400, 600)
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import passk
from ..errors import InputError
from .config import MicroConfig, leaf_fields
from .config import settings_from as settings_of  # dict, file or list of them
from .task import CAREFUL, completion_tokens

REGIMES = ("narrowing", "uncapped", "contrast")

# A careful chain of L steps with one check per value takes 4 + 3L tokens, a shortcut chain 4 + 2L
# (task.completion_tokens): a cap of 14 admits careful chains up to 3 steps and shortcut chains up to 5.
NARROWING_CAP = completion_tokens(3, CAREFUL, 1) + 1
NARROWING = {
    "task.careful_check_tokens": 1,
    # tiers A and B hold short problems (careful chains fit the cap) and long ones (they do not)
    "task.tier_ab_lengths": (2, 4),
    "rl.max_new_tokens": NARROWING_CAP,
    # As drawn (~9% tier-B type) GRPO collapsed onto the shortcut at every length; at 0.5 it went careful at
    # every length in 2 of 3 seeds (LOG.md 2026-11-30, #1, #6, #8).
    "rl.tier_b_share": 0.25,
    # With the answer reward, GRPO wrote careful steps under the shortcut token without checks, a chain
    # that fits the cap (LOG.md 2026-11-30, #3); a whole-chain (format-checking) reward pays nothing for it.
    "rl.reward": "chain",
}


def regime_settings(name: str) -> dict:
    """The dotted settings of a named regime, on top of a preset: ``narrowing``, ``uncapped``
    (the same world and RL data without the cap) or ``contrast`` (today's world, no settings)."""
    if name not in REGIMES:
        raise InputError(f"regime: unknown {name!r}; choose one of {', '.join(REGIMES)}")
    if name == "contrast":
        return {}
    return {**NARROWING, "rl.max_new_tokens": 0} if name == "uncapped" else dict(NARROWING)


def regime_config(name: str, preset: str = "default", seed: int = 0, settings: dict | None = None) -> MicroConfig:
    """The preset's config in the named regime, then ``settings`` (dotted names) on top."""
    return MicroConfig.preset(preset, config={**regime_settings(name), **(settings or {})}, seed=seed)


# ------------------------------------------------------------------ tier-B numbers


def _aligned(counts: pd.DataFrame, base: str, rl: str, tier: str = "B") -> pd.DataFrame:
    """Both models' rows on one tier joined by problem id (``counts.align``: unpaired problems are an
    error, never silently dropped)."""
    from ..counts import align

    c = counts[counts["tier"] == tier] if tier else counts
    b, r = c[c["model"] == base], c[c["model"] == rl]
    if b.empty or r.empty:
        raise InputError(f"counts: no rows for model {base if b.empty else rl!r} on tier {tier}")
    return align(b, r, source=f"counts (tier {tier})").set_index("problem_id")


def crossover_k(n_base, c_base, n_rl, c_rl, ks) -> int | None:
    """The smallest k at which the base's pass@k reaches RL's, if RL leads at k = 1 (where the
    curves meet is read as in ``tables.crossover``)."""
    from ..tables import _pattern

    b = np.asarray(passk.pass_at_k_curve(n_base, c_base, ks), dtype=float)
    r = np.asarray(passk.pass_at_k_curve(n_rl, c_rl, ks), dtype=float)
    if b[0] >= r[0]:
        return None
    _, first = _pattern(b, r)
    return int(ks[first - 1]) if first else None


def tier_b_table(counts: pd.DataFrame, base: str, rl: str, tier: str = "B") -> dict:
    """pass@1, pass@16, pass@k_max of base and RL, solved, base_only, rl_only, careful
    share and the crossover k on one tier of one seed's counts (whole-chain correct)."""
    m = _aligned(counts, base, rl, tier)
    kmax = int(min(m["n_base"].min(), m["n_rl"].min()))
    ks = list(range(1, kmax + 1))  # every k, as tables.crossover
    row = {"k_max": kmax, "problems": len(m)}
    for who in ("base", "rl"):
        curve = passk.pass_at_k_curve(m[f"n_{who}"], m[f"correct_{who}"], [1, min(16, kmax), kmax])
        row.update({f"{who} pass@1": curve[0], f"{who} pass@16": curve[1], f"{who} pass@kmax": curve[2],
                    f"{who} solved": int((m[f"correct_{who}"] > 0).sum()),
                    f"{who} careful": float(m[f"careful_{who}"].sum() / m[f"n_{who}"].sum())})
    row["base_only"] = int(((m["correct_base"] > 0) & (m["correct_rl"] == 0)).sum())
    row["rl_only"] = int(((m["correct_rl"] > 0) & (m["correct_base"] == 0)).sum())
    row["crossover k"] = crossover_k(m["n_base"], m["correct_base"], m["n_rl"], m["correct_rl"], ks)
    return row


def pooled_difference(counts_by_seed: list[pd.DataFrame], base: str, rl: str, k: int | None = None,
                      tier: str = "B", n_boot: int = 2000, seed: int = 0) -> dict:
    """base pass@k minus RL pass@k on one tier, averaged over seeds, with a paired bootstrap 95%
    interval that resamples held-out problems (the same problems in every seed, so one
    resample of problem ids is applied to every seed)."""
    frames = [_aligned(c, base, rl, tier) for c in counts_by_seed]
    ids = frames[0].index
    for f in frames[1:]:
        if not f.index.sort_values().equals(ids.sort_values()):
            raise InputError("pooled_difference: seeds were evaluated on different held-out problems")
    k = k or int(min(min(f["n_base"].min(), f["n_rl"].min()) for f in frames))
    d = np.stack([passk.pass_at_k_matrix(f.loc[ids, "n_base"], f.loc[ids, "correct_base"], [k])[:, 0]
                  - passk.pass_at_k_matrix(f.loc[ids, "n_rl"], f.loc[ids, "correct_rl"], [k])[:, 0]
                  for f in frames]).mean(axis=0)
    boot = np.random.default_rng(seed).multinomial(len(d), np.full(len(d), 1 / len(d)), size=n_boot) @ d / len(d)
    return {"k": k, "seeds": len(frames), "diff": float(d.mean()), "ci_low": float(np.quantile(boot, 0.025)),
            "ci_high": float(np.quantile(boot, 0.975))}


def careful_share_by_length(counts: pd.DataFrame, models: list[str], tier: str = "B") -> pd.DataFrame:
    """Careful-strategy share of each model's samples per chain length on one tier."""
    c = counts[(counts["tier"] == tier) & counts["model"].isin(models)]
    g = c.groupby(["model", "length"])[["careful", "n"]].sum()
    return (g["careful"] / g["n"]).rename("careful share").reset_index()


# ------------------------------------------------------------------ phase diagram


def grid_cells(axes: dict[str, list]) -> list[dict]:
    """Every combination of the axes' values, as dotted settings (the first axis varies slowest).

    >>> grid_cells({"a": [1, 2], "b": ["x"]})
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    """
    cells = [{}]
    for key, values in axes.items():
        cells = [{**c, key: v} for c in cells for v in values]
    return cells


def run_cell(cfg: MicroConfig, workdir: str | Path, say: bool = False) -> pd.DataFrame:
    """Pretrain (cached), train the main RL run and evaluate the base and its final checkpoint;
    returns their counts. Only the main run is trained (no noB run, no extra algorithms)."""
    import torch

    from .config import with_overrides
    from .pipeline import Pipeline

    cfg = with_overrides(cfg, {"rl.without_tier_b": False, "rl.algorithms": (), "rl.remedies": ()}, source="cell")
    pipe = Pipeline(cfg, workdir, progress=False, say=say)
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        pipe.run_pretrain()
        pipe.run_rl()
        models = [m for m in pipe.models(("pretrain", "rl")) if m["kind"] == "base" or (m["main"] and m["final"])]
        pipe.run_evaluate(models)
    finally:
        torch.set_num_threads(threads)
    return pd.concat([pd.read_csv(pipe.eval_dir(m) / "counts.csv", dtype={"problem_id": str}) for m in models])


def final_label(cfg: MicroConfig) -> str:
    """The model label of the main RL run's final checkpoint (``grpo@300``)."""
    return f"{cfg.rl.trainer.algorithm}@{cfg.rl.trainer.steps}"


def run_grid(preset: str, regime: str, axes: dict[str, list], seeds: list[int], workdir: str | Path,
             settings: dict | None = None, say: bool = False, n_boot: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A phase diagram: ``(runs, cells)``. ``runs`` has one row per (cell, seed) with the axes'
    values and ``tier_b_table`` of base vs final RL; ``cells`` one row per cell with the tier-B
    coverage change at k_max (base solved minus RL solved, mean over seeds) and its paired
    problem-bootstrap 95% interval pooled over seeds, the pass@1 change and the careful share.
    Each cell's models and evaluations are cached, so re-running resumes an interrupted grid."""
    runs, cells = [], []
    for cell in grid_cells(axes):
        counts = []
        for s in seeds:
            cfg = regime_config(regime, preset, s, {**(settings or {}), **cell})
            counts.append(run_cell(cfg, workdir, say))
            runs.append({**cell, "seed": s, **tier_b_table(counts[-1], "base", final_label(cfg))})
        mine = pd.DataFrame(runs[-len(seeds):])
        pooled = pooled_difference(counts, "base", final_label(cfg), n_boot=n_boot)
        m = int(mine["problems"].iloc[0])
        # pass@n is 1 exactly when a problem is solved, so the pass@k_max difference times the
        # number of problems is the difference of solved counts.
        cells.append({**cell, "seeds": len(seeds), "k_max": pooled["k"],
                      "coverage change": pooled["diff"] * m, "ci_low": pooled["ci_low"] * m,
                      "ci_high": pooled["ci_high"] * m,
                      "pass@1 change": float((mine["rl pass@1"] - mine["base pass@1"]).mean()),
                      "base_only": float(mine["base_only"].mean()), "rl_only": float(mine["rl_only"].mean()),
                      "rl careful": float(mine["rl careful"].mean())})
    return pd.DataFrame(runs), pd.DataFrame(cells)


def plot_phase(cells: pd.DataFrame, x: str, y: str, value: str = "coverage change", title: str | None = None):
    """A heat map of one value over two axes, each cell annotated with its value and interval."""
    import matplotlib.pyplot as plt

    xs, ys = sorted(cells[x].unique()), sorted(cells[y].unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(xs), 1.2 + 1.0 * len(ys)))
    for row in cells.to_dict("records"):
        grid[ys.index(row[y]), xs.index(row[x])] = row[value]
    frame = cells.set_index([y, x])
    bound = max(1e-9, float(np.nanmax(np.abs(grid))))
    im = ax.imshow(grid, cmap="RdBu_r", vmin=-bound, vmax=bound, origin="lower", aspect="auto")
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            r = frame.loc[(yv, xv)]
            text = f"{r[value]:.2f}" if abs(r[value]) < 1 and value != "coverage change" else f"{r[value]:.1f}"
            if value == "coverage change":
                text += f"\n[{r['ci_low']:.1f}, {r['ci_high']:.1f}]"
            ax.text(j, i, text, ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(im, ax=ax, label=value)
    ax.set_title(title or value)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ both regimes side by side


def regime_results(preset: str = "default", seed: int = 0, workdir: str | Path = "runs/micro",
                   extra: dict | None = None, regimes=("narrowing", "uncapped")) -> dict:
    """Results of each named regime (base and every checkpoint of the main RL run, evaluated),
    ``{"narrowing": MicroResults, ...}``. ``extra`` maps a regime name to settings (dict or
    YAML/JSON file) applied on top of it."""
    from .config import with_overrides
    from .pipeline import run_pipeline

    out = {}
    for name in regimes:
        cfg = regime_config(name, preset, seed, settings_of((extra or {}).get(name)))
        cfg = with_overrides(cfg, {"rl.without_tier_b": False}, source="regime")
        out[name] = run_pipeline(cfg, workdir, stages=("pretrain", "rl", "evaluate"), progress=False)
    return out


def _main(res) -> list[str]:
    return res.select(kind="rl", main=True)


def regime_table(results: dict, tier: str = "B") -> pd.DataFrame:
    """One row per regime: ``tier_b_table`` of the base vs the main run's final checkpoint."""
    return pd.DataFrame([{"regime": name, "model": _main(res)[-1],
                          **tier_b_table(res.counts, "base", _main(res)[-1], tier)}
                         for name, res in results.items()])


def regime_coverage(results: dict, tier: str = "B") -> pd.DataFrame:
    """``tables.coverage`` of every main checkpoint against the base on one tier, per regime."""
    from .. import tables

    return pd.concat([tables.coverage(res.counts[res.counts["tier"] == tier], "base",
                                      res.select(kind="rl", main=True)).assign(regime=name)
                      for name, res in results.items()], ignore_index=True)


def regime_curves(results: dict, tier: str = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k curves (with bootstrap bands) of the base and every main checkpoint on one tier, per regime."""
    from .. import tables

    frames = []
    for name, res in results.items():
        c = tables.curves(res.counts[res.counts["tier"] == tier], ["base", *_main(res)], n_boot=n_boot, seed=seed)
        frames.append(c.assign(regime=name))
    return pd.concat(frames, ignore_index=True)


def share_per_checkpoint(results: dict, tier: str = "B") -> pd.DataFrame:
    """Careful share of each checkpoint's samples on one tier, overall and per chain length, per regime."""
    rows = []
    for name, res in results.items():
        models = ["base", *_main(res)]
        step = dict(zip(res.models["model"], res.models["step"]))
        c = res.counts[(res.counts["tier"] == tier) & res.counts["model"].isin(models)]
        for model, g in c.groupby("model", sort=False):
            rows.append({"regime": name, "model": model, "step": int(step.get(model, 0)), "length": "all",
                         "careful share": g["careful"].sum() / g["n"].sum()})
            for length, h in g.groupby("length"):
                rows.append({"regime": name, "model": model, "step": int(step.get(model, 0)), "length": str(length),
                             "careful share": h["careful"].sum() / h["n"].sum()})
    return pd.DataFrame(rows).sort_values(["regime", "length", "step"]).reset_index(drop=True)


def plot_shares(shares: pd.DataFrame):
    """Careful share against RL step (0 = base), one panel per regime, one line per chain length."""
    import matplotlib.pyplot as plt

    regimes = list(dict.fromkeys(shares["regime"]))
    fig, axes = plt.subplots(1, len(regimes), figsize=(4.2 * len(regimes), 3.2), squeeze=False)
    for ax, name in zip(axes.flat, regimes):
        for length, g in shares[shares["regime"] == name].groupby("length", sort=True):
            ax.plot(g["step"], g["careful share"].clip(lower=1e-4), marker="o", ms=3,
                    label=f"length {length}" if length != "all" else "all lengths",
                    lw=2.5 if length == "all" else 1.2)
        ax.set_yscale("log")
        ax.set_ylim(5e-5, 1.5)
        ax.set_xlabel("RL step (0 = base)")
        ax.set_ylabel("careful share (log)")
        ax.set_title(f"{name} regime")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def regime_sentences(results: dict, tier: str = "B") -> str:
    """Computed sentences (markdown list) comparing base and final RL on one tier, per regime."""
    from .. import findings

    lines = []
    for name, res in results.items():
        counts = res.counts[res.counts["tier"] == tier]
        for line in findings.compare(counts, "base", _main(res)[-1], by="tier"):
            lines.append(f"- {name} regime, {line}")
    return "\n".join(lines)


def classify(cell: dict) -> str:
    """Name a cell's outcome from its coverage-change interval and its pass@1 change."""
    narrows = cell["ci_low"] > 0
    if narrows and cell["pass@1 change"] > 0:
        return "RL narrows: it wins at k = 1 and loses coverage at k = n (the paper's pattern)"
    if narrows:
        return "RL collapses: it loses both pass@1 and coverage"
    if cell["ci_high"] < 0:
        return "RL widens coverage"
    return "RL keeps coverage (the interval includes 0)"


def grid_sentences(cells: pd.DataFrame) -> str:
    """One computed sentence per phase-diagram cell."""
    axes = [c for c in cells.columns if "." in c]
    out = []
    for cell in cells.to_dict("records"):
        where = ", ".join(f"{a} = {cell[a]}" for a in axes)
        out.append(f"{where}: base solved - RL solved at k = {cell['k_max']} is {cell['coverage change']:.1f} "
                   f"[{cell['ci_low']:.1f}, {cell['ci_high']:.1f}] over {cell['seeds']} seed(s); pass@1 change "
                   f"{cell['pass@1 change']:+.3f}; careful share after RL {cell['rl careful']:.3f}. {classify(cell)}.")
    return "\n".join(out)


def validity_curves(results: dict, tier: str = "B", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """pass@k of the base and the final RL checkpoint on one tier, counted two ways: the whole chain
    valid (the primary metric) and the answer alone (lucky answers included), per regime."""
    from .. import tables

    frames = []
    for name, res in results.items():
        counts = res.counts[res.counts["tier"] == tier]
        models = ["base", _main(res)[-1]]
        for metric, column in (("whole chain", "correct"), ("answer only", "answer_correct")):
            cur = tables.curves(counts, models, correct=column, n_boot=n_boot, seed=seed)
            frames.append(cur.assign(model=cur["model"] + f", {metric}", regime=name))
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------ paper Figs. 16 and 17


def temperature_curves(preset: str, seed: int, workdir: str | Path, regime: str, temperatures: list[float],
                       tier: str = "B", settings: dict | None = None, n_boot: int = 1000) -> pd.DataFrame:
    """pass@k of the base and the final RL checkpoint of one regime sampled at each temperature
    (paper Fig. 16); each (model, temperature) evaluation is cached on its own. Other temperatures
    sample only ``tier``; at the regime's own temperature its evaluation of every tier is reused."""
    from .. import tables

    own = regime_config(regime, preset, seed, settings).eval.temperature
    frames = []
    for t in temperatures:
        only = {} if t == own else {"eval.tiers": tier}
        cfg = regime_config(regime, preset, seed, {**(settings or {}), "eval.temperature": t, **only})
        counts = run_cell(cfg, workdir)
        cur = tables.curves(counts[counts["tier"] == tier], list(dict.fromkeys(counts["model"])), n_boot=n_boot,
                            seed=seed)
        frames.append(cur.assign(temperature=f"T = {t:g}"))
    return pd.concat(frames, ignore_index=True)


def output_entropy(results: dict, tier: str = "B", problems: int = 16, samples: int = 16) -> pd.DataFrame:
    """Mean per-token entropy (nats) of each checkpoint's next-token distribution over its own
    sampled completions, at temperature 1 (paper Fig. 17), per regime: the base and every main
    checkpoint, on the first ``problems`` problems of the tier and ``samples`` samples of each."""
    import torch

    from .model import load_checkpoint
    from .pretrain import batch_tensors
    from .tokenizer import vocabulary

    rows = []
    for name, res in results.items():
        modulus = res.config.task.modulus
        paths = dict(zip(res.models["model"], res.models["path"]))
        for model in ["base", *_main(res)]:
            s = res.samples(model)
            s = s[s["tier"] == tier]
            s = s[s["problem_id"].isin(list(dict.fromkeys(s["problem_id"]))[:problems]) & (s["sample_id"] < samples)]
            prompts = res.problems.set_index("problem_id").loc[s["problem_id"], "prompt"].tolist()
            net, _ = load_checkpoint(paths[model])
            ids, labels = batch_tensors(vocabulary(modulus), list(zip(prompts, s["completion"])))
            with torch.no_grad():
                logp = torch.log_softmax(net(input_ids=ids).logits[:, :-1].float(), -1)
            mask = labels[:, 1:] != -100
            entropy = -(logp.exp() * logp).sum(-1)
            step = int(res.models.set_index("model").loc[model, "step"])
            rows.append({"regime": name, "model": model, "step": step,
                         "entropy": float((entropy * mask).sum() / mask.sum()), "tokens": int(mask.sum())})
    return pd.DataFrame(rows)


def share_sentences(shares: pd.DataFrame) -> str:
    """Computed sentences (markdown list): each regime's careful share per chain length, base vs the
    last checkpoint, and whether RL split the strategies by length."""
    lines = []
    for name, g in shares[shares["length"] != "all"].groupby("regime", sort=False):
        last = g["step"].max()
        base = g[g["step"] == 0].set_index("length")["careful share"]
        final = g[g["step"] == last].set_index("length")["careful share"]
        parts = ", ".join(f"length {L}: {base[L]:.3f} -> {final[L]:.4f}" for L in final.index)
        if final.max() > 0.5 > final.min():
            verdict = "RL split the strategies by length: careful where it is kept, the shortcut elsewhere"
        elif final.max() <= 0.5:
            verdict = "RL moved onto the shortcut at every length"
        else:
            verdict = "RL moved onto the careful strategy at every length"
        lines.append(f"- {name} regime, careful share base -> step {last}: {parts}. {verdict}.")
    return "\n".join(lines)


def regime_of(cfg: MicroConfig) -> str:
    """Which named regime a config is in, read from the settings that decide it (``narrowing``,
    ``uncapped``, ``contrast`` = today's world, or ``custom``); the preset's scale does not matter.

    >>> regime_of(regime_config("narrowing", "tiny")), regime_of(MicroConfig.preset("tiny"))
    ('narrowing', 'contrast')
    >>> regime_of(regime_config("uncapped", "tiny", settings={"rl.tier_b_share": 0.5}))
    'custom'
    """
    values = {path: value for path, _, value, _ in leaf_fields(cfg)}
    defaults = {path: value for path, _, value, _ in leaf_fields(MicroConfig())}
    for name in ("narrowing", "uncapped"):
        if all(values[k] == (tuple(v) if isinstance(v, list) else v) for k, v in regime_settings(name).items()):
            return name
    return "contrast" if all(values[k] == defaults[k] for k in NARROWING) else "custom"


_REGIME_WORDS = {
    "narrowing": "the narrowing regime (careful chains are longer than the RL response cap of {cap} tokens on "
                 "long problems, so RL cannot remove the shortcut's edge there; `book/worlds/narrowing.yaml`)",
    "uncapped": "the uncapped regime (the narrowing world without the RL response cap)",
    "contrast": "today's world, the contrast regime (the careful path is rewarded wherever it is right, "
                "so RL keeps coverage)",
    "custom": "a custom world (settings that match no named regime)",
}


def regime_sentence(cfg: MicroConfig) -> str:
    """One computed sentence naming the regime a page's figures come from (for glue)."""
    name, t = regime_of(cfg), cfg.rl.trainer
    tiers = cfg.eval.tiers
    sampled = f" (tiers {' and '.join(tiers)} sampled, n = {cfg.eval.n})" if tiers and tiers != "ABC" else ""
    return ("The figures on this page come from " + _REGIME_WORDS[name].format(cap=cfg.rl.max_new_tokens)
            + f", with {t.steps} RL steps ({t.algorithm} unless named otherwise) on a base pretrained "
            f"{cfg.pretrain.steps} steps, seed {cfg.seed}{sampled}; the narrowing page shows both regimes "
            "side by side.")
