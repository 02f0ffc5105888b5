"""The micro-world's results for the book's pages, built in memory (the tables are in :mod:`boundary_lab.tables`).

``micro(preset, config=..., seed=...)`` runs only the missing stages of the
micro-world pipeline (each is cached) and returns a :class:`MicroResults`. Models
are rows of ``res.models`` described by columns, and pages pick them with
:meth:`MicroResults.select`; labels such as ``grpo-noB@300`` name models in
tables and figures but are never parsed.

>>> import pandas as pd
>>> models = pd.DataFrame({"model": ["base", "grpo@100", "grpo@300", "grpo-noB@300"],
...                        "kind": ["base", "rl", "rl", "rl"], "algorithm": ["", "grpo", "grpo", "grpo"],
...                        "split": ["", "full", "full", "noB"], "step": [0, 100, 300, 300],
...                        "main": [False, True, True, False], "final": [True, False, True, True]})
>>> res = MicroResults(config=None, models=models, counts=pd.DataFrame())
>>> res.select(kind="rl", final=True), res.one(main=True, final=True)
(['grpo@300', 'grpo-noB@300'], 'grpo@300')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError


@dataclass
class MicroResults:
    """Every table of one micro-world config and seed, in memory (see ``boundary_lab.micro.pipeline``).

    ``models``: one row per model: ``model`` (its label), ``kind`` (base, rl, distilled,
    teacher), ``algorithm``, ``remedy``, ``split`` (full or noB), ``step``, ``seed``, ``main``
    (a checkpoint of the configured algorithm on the full split), ``final`` (its run's last
    step), ``path``. ``counts``: one row per (model, held-out problem) with ``n, correct,
    answer_correct, tier, length, careful, shortcut, careful_correct, kind``.
    """

    config: object
    models: pd.DataFrame
    counts: pd.DataFrame
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)
    strategy_shares: pd.DataFrame = field(default_factory=pd.DataFrame)
    guess: pd.DataFrame = field(default_factory=pd.DataFrame)
    rl_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    train_logs: pd.DataFrame = field(default_factory=pd.DataFrame)
    perplexity: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict = field(default_factory=dict)
    sample_dirs: dict = field(default_factory=dict)

    def select(self, **columns) -> list[str]:
        """Labels of the models whose columns equal the given values, in evaluation order."""
        rows = self.models
        for name, value in columns.items():
            if name not in rows:
                raise InputError(f"select: no column {name!r}; models have {', '.join(self.models.columns)}")
            rows = rows[rows[name] == value]
        return rows["model"].tolist()

    def one(self, **columns) -> str:
        """The label of the one model that matches (an InputError if none or several do)."""
        found = self.select(**columns)
        if len(found) != 1:
            raise InputError(f"select {columns}: {len(found)} models match ({', '.join(found) or 'none'}); "
                             f"the models are {', '.join(self.models['model'])}")
        return found[0]

    def samples(self, model: str) -> pd.DataFrame:
        """Every sample of one evaluated model."""
        if model not in self.sample_dirs:
            raise InputError(f"samples: no evaluated model {model!r}; known: {', '.join(self.sample_dirs)}")
        return pd.read_parquet(self.sample_dirs[model] / "samples.parquet")

    def answer_guess(self) -> pd.DataFrame:
        """pass@k of guessing the answer uniformly (the baseline of answer-only curves)."""
        return self.guess[self.guess["metric"] == "answer"]


def micro(preset: str = "default", config: dict | str | list | None = None, seed: int = 0, workdir: str = "runs/micro",
          algorithms=(), remedies=(), remedies_without_tier_b: bool | None = None,
          progress: bool = False, stages=None) -> MicroResults:
    """Run the missing stages of the micro-world and return its results, built in memory.

    ``config`` holds settings by dotted name (``{"task.shortcut_slip_rate": 0.01}``), names a
    YAML/JSON file of them, or lists such dicts and files (later ones win); ``algorithms`` and
    ``remedies`` add RL runs to the config's own; ``stages`` (default: all of
    ``pipeline.STAGES``) leaves out the ones a page does not show, such as ``distill``. Each
    stage is cached by its settings and code, so a later call that asks for the same models
    trains nothing, and the result never depends on what other calls ran before. Prints one
    summary line (no training logs) unless ``progress``.
    """
    import time

    from .micro.config import MicroConfig, with_overrides
    from .micro.pipeline import STAGES, run_pipeline

    cfg = MicroConfig.preset(preset, config=config, seed=seed)
    extra = {"rl.algorithms": tuple(dict.fromkeys([*cfg.rl.algorithms, *algorithms])),
             "rl.remedies": tuple(dict.fromkeys([*cfg.rl.remedies, *remedies]))}
    if remedies_without_tier_b is not None:
        extra["rl.remedies_without_tier_b"] = remedies_without_tier_b
    cfg = with_overrides(cfg, extra, source="micro")
    t0 = time.time()
    res = run_pipeline(cfg, workdir, stages=stages or STAGES, progress=progress)
    if not progress:
        ran = [k for k, v in res.timings.items() if k != "total" and not v["cached"]]
        print(f"micro-world ({preset}, seed {seed}): {len(ran)} stages run, "
              f"{len(res.timings) - 1 - len(ran)} reused from {workdir}, {time.time() - t0:.0f} s", flush=True)
    return res


def kept_sentence(counts: pd.DataFrame, base: str, models: list[str], tier: str = "B") -> str:
    """One sentence: how many of the base's solved problems on ``tier`` each model never solves.

    >>> c = pd.DataFrame({"model": ["base", "base", "a", "a", "b", "b"], "problem_id": ["1", "2"] * 3,
    ...                   "n": [4] * 6, "correct": [1, 2, 0, 3, 1, 1], "tier": ["B"] * 6})
    >>> kept_sentence(c, "base", ["a", "b"])
    'On tier B the base solves 2 problems at k = 4; b keeps all of them; a never solves 1 of them.'
    >>> kept_sentence(c.assign(correct=0), "base", ["a", "b"])
    'On tier B the base solves no problem at k = 4, so there is nothing to keep.'
    """
    from . import tables

    cov = tables.coverage(counts[counts["tier"] == tier], base, models).set_index("model")
    k = int(counts.loc[counts["model"] == base, "n"].min())
    if int(cov["base_solved"].iloc[0]) == 0:
        return f"On tier {tier} the base solves no problem at k = {k}, so there is nothing to keep."
    kept = [m for m in models if cov.loc[m, "base_only"] == 0]
    lost = sorted((m for m in models if m not in kept), key=lambda m: (cov.loc[m, "base_only"], m))
    parts = [f"{', '.join(kept)} {'keeps' if len(kept) == 1 else 'keep'} all of them"] if kept else []
    parts += [f"{m} never solves {int(cov.loc[m, 'base_only'])} of them" for m in lost]
    return (f"On tier {tier} the base solves {int(cov['base_solved'].iloc[0])} problems at k = {k}; "
            + "; ".join(parts) + ".")


def source_sentence(res: MicroResults | None) -> str:
    """One sentence naming where a page's figures come from: the user's counts, or the micro-world
    regime of ``res`` (``boundary_lab.micro.phase.regime_of``)."""
    if res is None:
        return "The figures on this page come from the counts you gave (the `counts` parameter)."
    from .micro.phase import regime_sentence

    return regime_sentence(res.config)


def checkpoint(label: str, preset: str = "default", config: dict | str | None = None, seed: int = 0,
               workdir: str = "runs/micro") -> str:
    """The directory of a trained micro-world model by label (``base``, ``grpo@300``, ``distilled``, or
    ``rl``: the main run's last checkpoint); trains nothing, so the model's stage must have run."""
    from .micro.config import MicroConfig
    from .micro.pipeline import Pipeline

    models = Pipeline(MicroConfig.preset(preset, config=config, seed=seed), workdir, progress=False).models()
    hit = [m for m in models if m["model"] == label or (label == "rl" and m["main"] and m["final"])]
    if not hit:
        raise InputError(f"model {label!r}: not a micro-world model; known: {', '.join(m['model'] for m in models)}")
    if not (Path(hit[0]["path"]) / "config.json").exists():
        raise InputError(f"model {label!r}: not trained yet under {workdir} "
                         f"(boundary-lab micro --preset {preset} --seed {seed} --workdir {workdir})")
    return hit[0]["path"]


def load(counts: str = "", preset: str = "default", seed: int = 0, workdir: str = "runs/micro",
         config: dict | str | list | None = None) -> tuple[MicroResults | None, pd.DataFrame]:
    """A page's data: the user's counts (CSV or store) if given, else the micro-world's (run if needed)."""
    from .counts import read_counts

    if counts:
        return None, read_counts(counts)
    res = micro(preset, config=config, seed=seed, workdir=workdir)
    return res, res.counts


def examples(res: MicroResults, model: str = "base", per_tier: int = 2) -> pd.DataFrame:
    """A few held-out problems per tier with one sample of ``model`` and its verdicts."""
    samples = res.samples(model)
    first = samples[samples["sample_id"] == 0]
    picked = res.problems.groupby("tier", sort=True).head(per_tier)
    out = picked.merge(first[["problem_id", "completion", "correct", "answer_correct"]], on="problem_id", how="left")
    return out[["tier", "problem_id", "prompt", "answer", "completion", "answer_correct", "correct"]]


def available(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The subset of ``columns`` present in ``frame`` (metrics differ between trainers)."""
    return [c for c in columns if c in frame.columns]


def timings_frame(timings: dict) -> pd.DataFrame:
    """Stage timings (seconds, cached or not) as a table."""
    return pd.DataFrame([{"stage": k, **v} for k, v in timings.items()])
