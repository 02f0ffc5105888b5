"""The micro-world pipeline: pretrain -> rl -> distill -> evaluate, each stage cached.

Every trained model is an HF directory under ``WORKDIR/models/<stage>-<hash>/``,
where the hash covers the stage's config and its inputs' hashes; a stage whose
directory holds ``DONE.json`` is reused, so re-running does no training. A
killed run resumes: finished stages and finished model evaluations are kept
(the RL trainer also resumes inside a run from ``last/``). Everything is
deterministic given ``cfg.seed`` (held-out problems given ``task.eval_seed``).

Results layout (``run_pipeline`` returns ``WORKDIR/results/<preset>-seed<seed>/``):

- ``counts.csv``: one row per (model, held-out problem): ``model, problem_id, n,
  correct, answer_correct, tier, length, careful, shortcut, careful_correct``.
  ``correct`` counts whole-chain-correct samples (primary metric),
  ``answer_correct`` right answers, ``careful``/``shortcut`` samples per strategy.
  Models: ``base``, ``<alg>@<step>`` (main RL run checkpoints), ``<alg>-noB@<step>``
  (RL without tier-B-type problems), ``<alg>@<step>`` for extra algorithms,
  ``<alg>+<remedy>@<step>`` for remedies, ``distilled``.
- ``models.csv``: ``model, kind, run, step, path`` (the checkpoint directories).
- ``samples/<model>.parquet``: every sample (``problem_id, tier, length, sample_id,
  completion, correct, answer_correct, strategy``).
- ``strategy_shares.csv``: ``model, tier, strategy, share``.
- ``problems.csv``: held-out problems (``problem_id, tier, length, prompt, answer, shortcut_right``).
- ``guess.csv``: pass@k of uniform guessing, ``metric, k, pass_at_k``; metric ``answer``
  (one of p answers) or ``chain_len<L>`` (every value of an L-step chain guessed).
- ``rl_metrics.csv``: the trainer's per-step log with a ``run`` column.
- ``train_logs.csv``: pretrain and distill loss per step (``stage, step, loss, seconds``).
- ``perplexity.csv``: ``scorer, answers_from, problem_id, sample, ppl`` (scorer
  ``base`` on answers of ``base``, the final RL checkpoint, ``teacher``, ``distilled``;
  and the RL model on its own answers), computed by a forward pass in the micro-world.
- ``timings.json``: seconds per stage and whether it was cached; ``config.json``.

>>> from boundary_lab.micro.config import MicroConfig
>>> run_pipeline(MicroConfig.preset("tiny"), "/tmp/micro-work", progress=False)  # doctest: +SKIP
PosixPath('/tmp/micro-work/results/tiny-seed0')
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
import zlib
from pathlib import Path

from ..errors import InputError
from .config import REMEDIES, MicroConfig, stage_hash
from .task import check, heldout_tiers, problems_table, training_problems

STAGES = ("pretrain", "rl", "distill", "evaluate")
FORMAT_VERSION = 3  # bump when a stage's output changes meaning, to invalidate caches


def _write_json(path: Path, obj) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=1, default=str))
    os.replace(tmp, path)


def _done(path: Path) -> bool:
    return (path / "DONE.json").exists()


@dataclasses.dataclass(frozen=True)
class RLRun:
    """One RL run: its name, trainer overrides, split and the steps to evaluate."""

    name: str
    algorithm: str
    overrides: tuple[tuple[str, object], ...] = ()
    without_tier_b: bool = False
    eval_steps: tuple[int, ...] = ()


def rl_runs(cfg: MicroConfig) -> list[RLRun]:
    """The main run (all checkpoints), the no-tier-B run, extra algorithms, remedies."""
    rl, main = cfg.rl, cfg.rl.algorithm
    runs = [RLRun(main, main, eval_steps=tuple(rl.checkpoint_steps))]
    if rl.without_tier_b:
        runs.append(RLRun(f"{main}-noB", main, without_tier_b=True, eval_steps=(rl.steps,)))
    runs += [RLRun(a, a, eval_steps=(rl.steps,)) for a in rl.algorithms if a != main]
    split = "-noB" if rl.remedies_without_tier_b else ""
    runs += [RLRun(f"{main}{split}+{r}", main, tuple(sorted(REMEDIES[r].items())),
                   without_tier_b=rl.remedies_without_tier_b, eval_steps=(rl.steps,))
             for r in rl.remedies]
    return runs


class Pipeline:
    """Stage runner over one workdir; see the module docstring for the layout."""

    def __init__(self, cfg: MicroConfig, workdir: str | Path, preset: str = "custom", progress: bool = True,
                 say: bool = False):
        self.cfg = cfg.validate()
        self.work = Path(workdir)
        self.progress = progress  # tqdm bars (the CLI)
        self.say = say or progress  # one line per stage that runs (notebooks: quiet text)
        self.reused = 0
        self.results = self.work / "results" / f"{preset}-seed{cfg.seed}"
        self.timings: dict[str, dict] = {}
        if not progress:  # also silence transformers' "Loading weights" bars
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        c = cfg
        self.h_pretrain = stage_hash(FORMAT_VERSION, c.seed, c.task, c.model, c.pretrain)
        self.h_distill = stage_hash(self.h_pretrain, c.distill)
        self.problems = heldout_tiers(c.task)
        self.max_new_tokens = max(c.task.tier_c_lengths[1], c.distill.lengths[1], c.task.pretrain_lengths[1]) * 2 + 6  # C a v1 ... A ans: 2 tokens per step + 4, EOS

    # ---- paths -------------------------------------------------------------------
    def base_dir(self) -> Path:
        return self.work / "models" / f"pretrain-{self.h_pretrain}"

    def distill_dir(self) -> Path:
        return self.work / "models" / f"distill-{self.h_distill}"

    def rl_config(self, run: RLRun):
        from ..rl import RLConfig

        rl = self.cfg.rl
        main_ckpts = tuple(rl.checkpoint_steps) if run.name == rl.algorithm else (rl.steps,)
        kw = dict(algorithm=run.algorithm, steps=rl.steps, prompts_per_step=rl.prompts_per_step,
                  rollouts_per_prompt=rl.rollouts_per_prompt, temperature=rl.temperature,
                  max_new_tokens=self.max_new_tokens, lr=rl.lr, checkpoint_steps=main_ckpts,
                  seed=self.cfg.seed, device=self.cfg.device, eval_every=0, num_threads=self.cfg.threads)
        kw.update(dict(run.overrides))
        return RLConfig(**kw)

    def rl_dir(self, run: RLRun) -> Path:
        rl = self.cfg.rl
        h = stage_hash(self.h_pretrain, self.rl_config(run).to_dict(), rl.reward, rl.train_problems, run.without_tier_b)
        return self.work / "models" / f"rl-{run.name}-{h}"

    def model_list(self, stages) -> list[dict]:
        """Every model to evaluate (requested or already trained): name, kind, run, step, path."""
        models = [{"model": "base", "kind": "base", "run": "", "step": 0, "path": str(self.base_dir())}]
        for run in rl_runs(self.cfg):
            if "rl" in stages or _done(self.rl_dir(run)):
                for s in run.eval_steps:
                    models.append({"model": f"{run.name}@{s}", "kind": "rl", "run": run.name, "step": s,
                                   "path": str(self.rl_dir(run) / f"step_{s}")})
        if "distill" in stages or _done(self.distill_dir()):
            models.append({"model": "distilled", "kind": "distilled", "run": "", "step": 0,
                           "path": str(self.distill_dir())})
        return models

    # ---- stages ------------------------------------------------------------------
    def _timed(self, name: str, out: Path, work) -> None:
        if _done(out):
            self.timings[name] = {"seconds": 0.0, "cached": True}
            self.reused += 1
            if self.progress:
                self._say(f"{name}: cached ({out.name})")
            return
        t0 = time.time()
        self._say(f"{name}: running -> {out}")
        work()
        self.timings[name] = {"seconds": round(time.time() - t0, 2), "cached": False}
        self._say(f"{name}: done in {self.timings[name]['seconds']:.1f} s")

    def _say(self, msg: str) -> None:
        if self.say:
            print(f"[micro] {msg}", flush=True)

    def run_pretrain(self) -> None:
        def work():
            from .model import save_checkpoint
            from .pretrain import pretrain

            model, log = pretrain(self.cfg, self.progress)
            out = save_checkpoint(model, self.cfg.task.modulus, self.base_dir())
            _write_json(out / "train_log.json", log)
            _write_json(out / "DONE.json", {"stage": "pretrain", "config": self.cfg.to_dict()})
        self._timed("pretrain", self.base_dir(), work)

    def run_rl(self) -> None:
        for run in rl_runs(self.cfg):
            self._timed(f"rl:{run.name}", self.rl_dir(run), lambda run=run: self._train_rl(run))

    def _train_rl(self, run: RLRun) -> None:
        from ..rl import train_rl

        rl = self.cfg.rl
        probs = training_problems(self.cfg.task, rl.train_problems, self.cfg.seed, without_tier_b=run.without_tier_b)
        field = "correct" if rl.reward == "chain" else "answer_correct"

        def reward_fn(i: int, text: str) -> float:
            return float(getattr(check(probs[i], text), field))

        out = self.rl_dir(run)
        metrics = train_rl(str(self.base_dir()), str(out), [p.prompt for p in probs], reward_fn,
                           self.rl_config(run), progress=self.progress)
        _write_json(out / "metrics.json", metrics)
        _write_json(out / "DONE.json", {"stage": "rl", "run": dataclasses.asdict(run)})

    def run_distill(self) -> None:
        def work():
            from .distill import distill
            from .model import load_checkpoint, save_checkpoint

            base, _ = load_checkpoint(self.base_dir(), self.cfg.device)
            model, log = distill(base, self.cfg, self.progress)
            out = save_checkpoint(model, self.cfg.task.modulus, self.distill_dir())
            _write_json(out / "train_log.json", log)
            _write_json(out / "DONE.json", {"stage": "distill"})
        self._timed("distill", self.distill_dir(), work)

    def run_evaluate(self, stages) -> None:
        import pandas as pd

        from .evaluate import evaluate_checkpoint, strategy_shares

        self.results.mkdir(parents=True, exist_ok=True)
        (self.results / "samples").mkdir(exist_ok=True)
        ec = self.cfg.eval
        models = self.model_list(stages)
        counts, shares = [], []
        for m in models:
            if not Path(m["path"], "config.json").exists():
                raise InputError(f"evaluate: model {m['model']}: no checkpoint at {m['path']} (run its stage first)")
            h = stage_hash(FORMAT_VERSION, m["path"], ec, self.cfg.task, self.cfg.seed)
            cache = self.work / "evals" / f"{m['model'].replace('@', '_')}-{h}"

            def work(m=m, cache=cache):
                stream = (zlib.crc32(m["model"].encode()),)
                samples, c = evaluate_checkpoint(m["path"], self.problems, m["model"], ec, self.max_new_tokens,
                                                 self.cfg.seed, self.cfg.device, self.progress, stream)
                cache.mkdir(parents=True, exist_ok=True)
                samples.to_parquet(cache / "samples.parquet", index=False)
                c.to_csv(cache / "counts.csv", index=False)
                _write_json(cache / "DONE.json", {"model": m["model"]})
            self._timed(f"evaluate:{m['model']}", cache, work)
            samples = pd.read_parquet(cache / "samples.parquet")
            samples.to_parquet(self.results / "samples" / f"{m['model']}.parquet", index=False)
            counts.append(pd.read_csv(cache / "counts.csv"))
            shares.append(strategy_shares(samples, m["model"]))
        pd.concat(counts).to_csv(self.results / "counts.csv", index=False)
        pd.concat(shares).to_csv(self.results / "strategy_shares.csv", index=False)
        pd.DataFrame(models).to_csv(self.results / "models.csv", index=False)
        t0 = time.time()
        self._perplexity(models)
        self.timings["perplexity"] = {"seconds": round(time.time() - t0, 2), "cached": False}

    def _perplexity(self, models: list[dict]) -> None:
        """PPL under the base (and the final RL model) of base, RL, distilled and teacher answers on tier B."""
        import pandas as pd

        from .model import load_checkpoint
        from .perplexity import answer_perplexities
        from .task import clean_trace

        ec, p = self.cfg.eval, self.cfg.task.modulus
        tier_b = [q for q in self.problems if q.tier == "B"][: ec.ppl_problems]
        ids = {q.problem_id: q for q in tier_b}
        answers: dict[str, list] = {"teacher": [(q.problem_id, 0, q.prompt, clean_trace(q)) for q in tier_b]}
        main_rl = next((m for m in reversed(models) if m["kind"] == "rl" and m["run"] == self.cfg.rl.algorithm), None)
        picks = [m for m in models if m["kind"] != "rl"] + ([main_rl] if main_rl else [])
        for m in picks:
            s = pd.read_parquet(self.results / "samples" / f"{m['model']}.parquet")
            s = s[s.problem_id.isin(ids) & (s.sample_id < ec.ppl_samples)]
            answers[m["model"]] = [(r.problem_id, r.sample_id, ids[r.problem_id].prompt, r.completion)
                                   for r in s.itertuples()]
        scorers = [("base", self.base_dir())] + ([(main_rl["model"], main_rl["path"])] if main_rl else [])
        rows = []
        for scorer, path in scorers:
            model, _ = load_checkpoint(path, self.cfg.device)
            for source, items in answers.items():
                if scorer != "base" and source != scorer:
                    continue
                ppl = answer_perplexities(model, p, [(pr, c) for _, _, pr, c in items], device=self.cfg.device)
                rows += [{"scorer": scorer, "answers_from": source, "problem_id": pid, "sample": sid, "ppl": v}
                         for (pid, sid, _, _), v in zip(items, ppl)]
        pd.DataFrame(rows).to_csv(self.results / "perplexity.csv", index=False)

    def write_tables(self, stages) -> None:
        import pandas as pd

        self.results.mkdir(parents=True, exist_ok=True)
        problems_table(self.problems, self.cfg.task.misconception).to_csv(self.results / "problems.csv", index=False)
        from ..passk import guess_pass_at_k

        # Uniform guessing: the answer alone (1 of p), and a whole chain of L values (1 of p^L).
        ks, p = [2 ** i for i in range(11)], self.cfg.task.modulus
        lengths = sorted({q.length for q in self.problems})
        rows = [{"metric": "answer", "k": k, "pass_at_k": v} for k, v in zip(ks, guess_pass_at_k(p, ks))]
        rows += [{"metric": f"chain_len{L}", "k": k, "pass_at_k": v}
                 for L in lengths for k, v in zip(ks, guess_pass_at_k(p ** L, ks))]
        pd.DataFrame(rows).to_csv(self.results / "guess.csv", index=False)
        logs = []
        for stage, d in (("pretrain", self.base_dir()), ("distill", self.distill_dir())):
            if (d / "train_log.json").exists():
                logs += [{"stage": stage, **row} for row in json.loads((d / "train_log.json").read_text())]
        pd.DataFrame(logs).to_csv(self.results / "train_logs.csv", index=False)
        if "rl" in stages:
            rows = []
            for run in rl_runs(self.cfg):
                f = self.rl_dir(run) / "metrics.json"
                if f.exists():
                    rows += [{"run": run.name, **row} for row in json.loads(f.read_text())]
            pd.DataFrame(rows).to_csv(self.results / "rl_metrics.csv", index=False)
        _write_json(self.results / "config.json", self.cfg.to_dict())
        _write_json(self.results / "timings.json", self.timings)


def run_pipeline(cfg: MicroConfig, workdir: str | Path, stages=STAGES, preset: str = "custom",
                 progress: bool = True, say: bool = False) -> Path:
    """Run (or reuse) the requested stages; returns the results directory.

    ``progress`` shows tqdm bars and a line per stage (the CLI); ``say`` alone prints one
    line per stage that runs, and a count of cached ones (quiet text for notebooks)."""
    import torch

    bad = [s for s in stages if s not in STAGES]
    if bad:
        raise InputError(f"stages: unknown {bad}; known: {', '.join(STAGES)}")
    threads = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _run_stages(Pipeline(cfg, workdir, preset, progress, say), stages)
    finally:
        torch.set_num_threads(threads)


def _run_stages(pipe: Pipeline, stages) -> Path:
    t0 = time.time()
    pipe.run_pretrain()  # every later stage needs the base model
    if "rl" in stages:
        pipe.run_rl()
    if "distill" in stages:
        pipe.run_distill()
    if "evaluate" in stages:
        pipe.run_evaluate(stages)
    pipe.timings["total"] = {"seconds": round(time.time() - t0, 2)}
    pipe.write_tables(stages)
    if pipe.reused and not pipe.progress:
        pipe._say(f"{pipe.reused} stages reused from the cache in {pipe.work}")
    return pipe.results
