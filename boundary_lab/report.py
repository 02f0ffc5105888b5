"""Tables behind the book's figures, computed from counts (and, for the micro-world, its results).

Every function takes a tidy counts frame (``model, problem_id, n, correct`` plus
optional columns such as ``tier`` or ``answer_correct``) and returns a tidy
frame, so the same call serves a micro-world run and a 7B model's sample store.

>>> import pandas as pd
>>> counts = pd.DataFrame({"model": ["base", "base", "rl", "rl"], "problem_id": ["a", "b", "a", "b"],
...                        "n": [4, 4, 4, 4], "correct": [1, 2, 4, 0]})
>>> coverage_table(counts, "base", ["rl"])[["comparison", "both", "base_only", "rl_only"]].to_dict("records")
[{'comparison': 'base vs rl', 'both': 1, 'base_only': 1, 'rl_only': 0}]
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import passk
from .counts import align, curves, select_model
from .errors import InputError


def _groups(counts: pd.DataFrame, by: str | None):
    if by is None:
        yield "all", counts
    else:
        for key, group in counts.groupby(by, sort=True):
            yield key, group


def pass_table(counts: pd.DataFrame, models: list[str], ks: list[int], by: str | None = None,
               correct: str = "correct") -> pd.DataFrame:
    """pass@k of each model (rows) at a few k (columns), optionally per group: the paper's Tables 2-3."""
    rows = []
    for key, group in _groups(counts, by):
        for model in models:
            sub = select_model(group, model)
            values = passk.pass_at_k_curve(sub["n"], sub[correct], ks)
            rows.append({**({by: key} if by else {}), "model": model,
                         **{f"pass@{k}": float(v) for k, v in zip(ks, values)}})
    return pd.DataFrame(rows)


def coverage_table(counts: pd.DataFrame, base: str, others: list[str], by: str | None = None,
                   correct: str = "correct") -> pd.DataFrame:
    """Both / base only / other only / neither per comparison (and group), solved = at least one correct."""
    rows = []
    for key, group in _groups(counts, by):
        for other in others:
            merged = align(select_model(group, base), select_model(group, other))
            cov = passk.coverage_sets(merged["problem_id"].tolist(), merged[f"{correct}_base"], merged[f"{correct}_rl"])
            d = cov.to_dict()
            rows.append({**({by: key} if by else {}), "comparison": f"{base} vs {other}", "model": other,
                         "both": d["both"], "base_only": d["base_only"], "rl_only": d["rl_only"],
                         "neither": d["neither"], "base_solved": d["both"] + d["base_only"],
                         "model_solved": d["both"] + d["rl_only"], "subset_of_base": cov.rl_subset_of_base,
                         "rl_only_ids": " ".join(map(str, d["rl_only_ids"]))})
    return pd.DataFrame(rows)


def solvable_ids(counts: pd.DataFrame, models: list[str], correct: str = "correct") -> pd.DataFrame:
    """Solvable problem ids of each model, in problem order (the paper's Table 4)."""
    rows = []
    for model in models:
        sub = select_model(counts, model)
        rows.append({"model": model, "solved": int((sub[correct] > 0).sum()), "of": len(sub),
                     "problem_ids": " ".join(map(str, sub.loc[sub[correct] > 0, "problem_id"]))})
    return pd.DataFrame(rows)


def histogram_table(counts: pd.DataFrame, models: list[str], by: str | None = None,
                    correct: str = "correct") -> pd.DataFrame:
    """Tidy accuracy histograms (bins 0..10 = the paper's 0, (0,0.1], ..., (0.9,1.0])."""
    rows = []
    for key, group in _groups(counts, by):
        for model in models:
            sub = select_model(group, model)
            for b, count in enumerate(passk.accuracy_histogram(sub["n"], sub[correct])):
                rows.append({**({by: key} if by else {}), "model": model, "bin": b,
                             "label": passk.HISTOGRAM_LABELS[b], "count": int(count)})
    return pd.DataFrame(rows)


def delta_se_table(counts: pd.DataFrame, base: str, models: list[str], k: int | None = None,
                   by: str | None = None, correct: str = "correct") -> pd.DataFrame:
    """ΔSE = pass@K(base) - pass@1(model) per model (paper Fig. 8), with both ends shown."""
    rows = []
    for key, group in _groups(counts, by):
        b = select_model(group, base)
        kk = int(k or b["n"].min())
        for model in models:
            m = select_model(group, model)
            rows.append({**({by: key} if by else {}), "model": model, "K": kk,
                         "base pass@K": float(passk.pass_at_k_curve(b["n"], b[correct], [kk])[0]),
                         "pass@1": float(passk.pass_at_k_curve(m["n"], m[correct], [1])[0]),
                         f"pass@{kk}": float(passk.pass_at_k_curve(m["n"], m[correct], [kk])[0]),
                         "delta_se": passk.delta_se(b["n"], b[correct], m["n"], m[correct], k=kk)})
    return pd.DataFrame(rows)


def tier_curves(counts: pd.DataFrame, models: list[str], by: str | None = "tier", ks=None,
                correct: str = "correct", n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Bootstrap pass@k curves of the chosen models, per group (the paper's Fig. 2 panels)."""
    sub = counts[counts["model"].isin(models)]
    for model in models:
        select_model(sub, model)
    group_cols = ["model"] + ([by] if by else [])
    out = curves(sub, ks=ks, by=group_cols, n_boot=n_boot, seed=seed, correct=correct)
    order = {m: i for i, m in enumerate(models)}
    return out.sort_values(by=[*([by] if by else []), "model", "k"], key=lambda s: s.map(order) if s.name == "model" else s,
                           kind="stable").reset_index(drop=True)


def lucky_answers(counts: pd.DataFrame, models: list[str], max_accuracy: float = 0.05) -> pd.DataFrame:
    """The paper's §3.1 check, automated: hard problems solved by answer, and how many have a valid chain.

    A problem counts as *hard but solvable* when 0 < answer accuracy <= ``max_accuracy``
    (the paper inspected problems with accuracy between 0 and 5%). It is *valid* when
    at least one sample has a correct answer *and* a valid chain.
    """
    if "answer_correct" not in counts:
        raise InputError("counts: column 'answer_correct' is needed for the chain-validity check")
    rows = []
    for model in models:
        sub = select_model(counts, model)
        acc = sub["answer_correct"] / sub["n"]
        hard = sub[(acc > 0) & (acc <= max_accuracy)]
        rows.append({"model": model, "hard_solvable": len(hard), "with_valid_chain": int((hard["correct"] > 0).sum()),
                     "answer_correct_samples": int(sub["answer_correct"].sum()),
                     "lucky_samples": int((sub["answer_correct"] - sub["correct"]).sum()),
                     "lucky_share": float((sub["answer_correct"] - sub["correct"]).sum() / max(1, sub["answer_correct"].sum()))})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------- micro-world


@dataclass
class MicroResults:
    """The tables of one micro-world results directory (see ``boundary_lab.micro.pipeline``)."""

    path: Path
    counts: pd.DataFrame
    problems: pd.DataFrame
    models: pd.DataFrame
    strategy_shares: pd.DataFrame
    guess: pd.DataFrame
    rl_metrics: pd.DataFrame
    train_logs: pd.DataFrame
    perplexity: pd.DataFrame
    timings: dict
    config: dict

    def samples(self, model: str) -> pd.DataFrame:
        path = self.path / "samples" / f"{model}.parquet"
        if not path.exists():
            raise InputError(f"{path}: no samples for model {model!r}")
        return pd.read_parquet(path)

    def model_names(self, kind: str) -> list[str]:
        """Model names of one kind (``base``, ``rl``, ``distilled``, ...), in evaluation order."""
        return self.models.loc[self.models["kind"] == kind, "model"].tolist()

    @property
    def main_run(self) -> str:
        """Name of the main RL run (the configured algorithm)."""
        return self.config.get("rl", {}).get("algorithm", "grpo")

    def checkpoints(self, run: str | None = None) -> list[str]:
        """Model names of one RL run's evaluated checkpoints, by step (default: the main run)."""
        rows = self.models[(self.models["kind"] == "rl") & (self.models["run"].fillna("") == (run or self.main_run))]
        return rows.sort_values("step")["model"].tolist()

    def final(self, run: str | None = None) -> str:
        """The last evaluated checkpoint of an RL run (default: the main run)."""
        names = self.checkpoints(run)
        if not names:
            raise InputError(f"{self.path}: no evaluated checkpoints of RL run {run or self.main_run!r}")
        return names[-1]

    def answer_guess(self) -> pd.DataFrame:
        """pass@k of guessing the answer uniformly (the baseline of answer-only curves)."""
        return self.guess[self.guess["metric"] == "answer"]

    def split_run(self, without_tier_b: bool) -> str:
        """The main algorithm's run on the full RL split, or on the one without tier-B-type problems."""
        return self.main_run + ("-noB" if without_tier_b else "")

    def rl_runs(self) -> list[str]:
        """Every RL run that has evaluated checkpoints, main run first."""
        runs = list(dict.fromkeys(self.models.loc[self.models["kind"] == "rl", "run"]))
        return sorted(runs, key=lambda r: r != self.main_run)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.exists() and path.stat().st_size > 1 else pd.DataFrame()


def load_micro_results(path: str | Path) -> MicroResults:
    """Read a micro-world results directory written by ``run_pipeline``."""
    path = Path(path)
    if not (path / "counts.csv").exists():
        raise InputError(f"{path}: not a micro-world results directory (no counts.csv)")
    counts = pd.read_csv(path / "counts.csv", dtype={"problem_id": str})
    return MicroResults(
        path=path, counts=counts,
        problems=_read_csv(path / "problems.csv"), models=_read_csv(path / "models.csv"),
        strategy_shares=_read_csv(path / "strategy_shares.csv"), guess=_read_csv(path / "guess.csv"),
        rl_metrics=_read_csv(path / "rl_metrics.csv"), train_logs=_read_csv(path / "train_logs.csv"),
        perplexity=_read_csv(path / "perplexity.csv"),
        timings=json.loads((path / "timings.json").read_text()) if (path / "timings.json").exists() else {},
        config=json.loads((path / "config.json").read_text()) if (path / "config.json").exists() else {},
    )


def micro(preset: str = "default", seed: int = 0, workdir: str = "runs/micro", progress: bool = False,
          algorithms: tuple[str, ...] = (), remedies: tuple[str, ...] = (),
          remedies_without_tier_b: bool = False) -> MicroResults:
    """Run (or reuse from cache) the micro-world pipeline and load its results.

    ``algorithms`` and ``remedies`` add RL runs to the preset's own (each cached
    by its config, so a later page that asks for the same runs trains nothing);
    ``remedies_without_tier_b`` trains the remedies on the split without tier-B-type problems.
    """
    import dataclasses

    from .micro.config import MicroConfig
    from .micro.pipeline import run_pipeline

    cfg = MicroConfig.preset(preset, seed=seed)
    if algorithms or remedies:
        rl = dataclasses.replace(
            cfg.rl,
            algorithms=tuple(dict.fromkeys([*cfg.rl.algorithms, *algorithms])),
            remedies=tuple(dict.fromkeys([*cfg.rl.remedies, *remedies])),
            remedies_without_tier_b=remedies_without_tier_b,
        )
        cfg = dataclasses.replace(cfg, rl=rl).validate()
    # Notebooks get one line per stage that runs (quiet text), the CLI its tqdm bars.
    return load_micro_results(run_pipeline(cfg, workdir, preset=preset, progress=progress, say=True))


def examples(res: MicroResults, model: str = "base", per_tier: int = 2) -> pd.DataFrame:
    """A few held-out problems per tier with one sample of ``model`` and its verdicts."""
    samples = res.samples(model)
    first = samples[samples["sample_id"] == 0] if "sample_id" in samples else samples.drop_duplicates("problem_id")
    picked = res.problems.groupby("tier", sort=True).head(per_tier)
    out = picked.merge(first[["problem_id", "completion", "correct", "answer_correct"]], on="problem_id", how="left")
    return out[["tier", "problem_id", "prompt", "answer", "completion", "answer_correct", "correct"]]


def available(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The subset of ``columns`` present in ``frame`` (metrics differ between trainers)."""
    return [c for c in columns if c in frame.columns]


def timings_frame(timings: dict) -> pd.DataFrame:
    """Stage timings (seconds, cached or not) as a table."""
    return pd.DataFrame([{"stage": k, **(v if isinstance(v, dict) else {"seconds": v})} for k, v in timings.items()])


def seeds_table(frames: list[pd.DataFrame], value_cols: list[str], key_cols: list[str]) -> pd.DataFrame:
    """Mean and spread over seeds of per-seed tables with the same keys."""
    data = pd.concat([f.assign(seed=i) for i, f in enumerate(frames)])
    agg = data.groupby(key_cols, sort=False)[value_cols].agg(["mean", "min", "max"])
    agg.columns = [f"{c} {s}" for c, s in agg.columns]
    return agg.reset_index()


def strategy_share(shares: pd.DataFrame, strategy: str = "careful", models: list[str] | None = None) -> pd.DataFrame:
    """Share of one strategy per model (rows) and tier (columns), optionally for ``models`` only."""
    strategy = {"careful": "C", "shortcut": "S"}.get(strategy, strategy)  # names or trace tokens
    sub = shares[shares["strategy"] == strategy]
    if models is not None:
        sub = sub[sub["model"].isin(models)]
    return sub.pivot_table(index="model", columns="tier", values="share", sort=False).reset_index()


def per_k_frame(curve: passk.Curve, **labels) -> pd.DataFrame:
    """A Curve as a tidy frame (columns k, pass_at_k, low, high and the given labels)."""
    return pd.DataFrame({**labels, "k": curve.ks, "pass_at_k": curve.value, "low": curve.low, "high": curve.high})


def ppl_summary(ppl: pd.DataFrame) -> pd.DataFrame:
    """Median and quartiles of perplexity per (scorer, answers_from)."""
    g = ppl.groupby(["scorer", "answers_from"], sort=False)["ppl"]
    return g.agg(median="median", q25=lambda s: np.quantile(s, 0.25), q75=lambda s: np.quantile(s, 0.75),
                 responses="count").reset_index()


def load(counts: str = "", preset: str = "default", seed: int = 0, workdir: str = "runs/micro",
         progress: bool = False) -> tuple[MicroResults | None, pd.DataFrame]:
    """A notebook's data: the user's counts (CSV or store) if given, else the micro-world's (run if needed)."""
    from .counts import read_counts

    if counts:
        return None, read_counts(counts)
    res = micro(preset, seed=seed, workdir=workdir, progress=progress)
    return res, res.counts


def crossover(curves_frame: pd.DataFrame, base: str, other: str, by: str | None = None) -> pd.DataFrame:
    """Per group: pass@1 and pass@max of both models and the smallest k where the base catches up."""
    rows = []
    for key, group in _groups(curves_frame, by):
        b = group[group["model"] == base].set_index("k")["pass_at_k"]
        o = group[group["model"] == other].set_index("k")["pass_at_k"]
        ks = b.index.intersection(o.index)
        solved = b[ks].max() > 0 or o[ks].max() > 0  # two flat zero curves never "catch up"
        catch = [k for k in ks if b[k] >= o[k] - 1e-12] if solved else []
        kmax = int(ks.max())
        rows.append({**({by: key} if by else {}), f"{base} pass@1": b[1], f"{other} pass@1": o[1],
                     f"{base} pass@{kmax}": b[kmax], f"{other} pass@{kmax}": o[kmax],
                     "base catches up at k": catch[0] if catch else None})
    return pd.DataFrame(rows)


def paired_table(counts: pd.DataFrame, base: str, other: str, by: str | None = None, ks=None,
                 n_boot: int = 1000, seed: int = 0, correct: str = "correct") -> pd.DataFrame:
    """Per group and k: other minus base pass@k with a paired bootstrap 95% interval, wins/losses/ties."""
    rows = []
    for key, group in _groups(counts, by):
        merged = align(select_model(group, base), select_model(group, other))
        kk = ks or passk.default_ks(int(min(merged["n_base"].min(), merged["n_rl"].min())))
        pc = passk.paired_comparison(merged["n_rl"], merged[f"{correct}_rl"], merged["n_base"],
                                     merged[f"{correct}_base"], kk, n_boot=n_boot, seed=seed)
        for k, row in pc.to_dict().items():
            rows.append({**({by: key} if by else {}), "k": int(k), **row})
    return pd.DataFrame(rows)
