"""The micro-world pipeline: pretrain -> rl -> distill -> evaluate (and perplexity), each stage cached.

Every trained model is an HF directory under ``WORKDIR/models/<stage>-<hash>/``;
every evaluation (samples and counts of one model) is under ``WORKDIR/evals/``
and every perplexity table under ``WORKDIR/ppl/``. A directory's hash covers
the settings the stage reads, the hashes of its inputs and the source of the
modules that produce it (:func:`code_hash`), so changing a setting or the code
retrains exactly the stages it affects. A directory that holds ``DONE.json`` is
reused; a killed run resumes (the RL trainer also resumes inside a run from
``last/``). Everything is deterministic given ``cfg.seed`` (held-out problems
given ``task.eval_seed``).

:func:`run_pipeline` returns a :class:`boundary_lab.micro.results.MicroResults` built in
memory from those caches; nothing is written that a reader must find by path.
Models are described by columns (``kind, algorithm, remedy, split, step, seed,
main, final``); their labels (``base``, ``grpo@300``, ``grpo-noB+nsr@300``,
``distilled``) name them in tables and figures and are never parsed.

>>> from boundary_lab.micro.config import MicroConfig
>>> [r.label for r in rl_runs(MicroConfig.preset("tiny", config={"rl.remedies": ["nsr"]}))]
['grpo', 'grpo-noB', 'grpo+nsr']
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import time
from functools import cache
from pathlib import Path

from .. import layers, numerics
from ..errors import InputError
from ..passk import guess_pass_at_k
from ..rl.registry import remedy
from .config import MicroConfig, stage_hash
from .distill import distill
from .evaluate import evaluate_checkpoint, strategy_shares
from .instruct import instruct
from .model import load_checkpoint, save_checkpoint
from .perplexity import answer_perplexities
from .pretrain import pretrain
from .results import MicroResults
from .task import CAREFUL, check, clean_trace, completion_tokens, heldout_tiers, problems_table, training_problems

STAGES = ("pretrain", "rl", "distill", "evaluate")
# Stages a page asks for by name (never run by default): the instruct model of paper Fig. 7.
OPTIONAL_STAGES = ("instruct",)

# The Pipeline methods that run each stage. A stage's code is their source and every module in the
# import closure (boundary_lab.layers.closure: function-local imports and package __init__s included)
# of the package modules they import or read (STAGE_CODE, derived, not kept by hand), so a change
# in any module a stage runs re-runs it (tests/test_stage_code.py).
STAGE_METHODS = {
    "pretrain": ("Pipeline.run_pretrain",),
    "rl": ("Pipeline.run_rl", "Pipeline._train_rl"),
    "distill": ("Pipeline.run_distill",),
    "instruct": ("Pipeline.run_instruct",),
    "evaluate": ("Pipeline.run_evaluate",),
    "perplexity": ("Pipeline.run_perplexity", "Pipeline._perplexity"),
}
STAGE_CODE = {stage: tuple(sorted(layers.entry_modules(__name__, methods))) for stage, methods in STAGE_METHODS.items()}


@cache
def code_hash(stage: str) -> str:
    """sha256 (12 hex digits) of the stage's methods and the source of the import closure of ``STAGE_CODE[stage]``
    (a name outside the package counts as its own file)."""
    digest = hashlib.sha256(layers.function_source(__name__, STAGE_METHODS.get(stage, ())).encode())
    inside = [name for name in STAGE_CODE[stage] if name.startswith(layers.PACKAGE + ".")]
    files = [(name, layers.module_file(name)) for name in sorted(layers.closure(inside))]
    files += [(name, Path(importlib.util.find_spec(name).origin)) for name in STAGE_CODE[stage] if name not in inside]
    for name, path in files:
        digest.update(name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _write_json(path: Path, obj) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=1, default=str))
    os.replace(tmp, path)


def _done(path: Path) -> bool:
    return (path / "DONE.json").exists()


@contextlib.contextmanager
def stage_lock(out: Path, on_wait=None, wait: bool = True):
    """Hold an exclusive ``fcntl.flock`` on ``.<out>.lock`` (a hidden file next to the stage directory).

    Two processes on one workdir (``boundary-lab book --jobs 2``) then never train the same
    stage twice and never read a half-written one: the second waits here, then finds
    ``DONE.json`` and reuses the stage. ``on_wait`` is called once if the lock is taken; with
    ``wait=False`` the context yields False at once instead of waiting (True: the lock is held).
    The kernel drops the lock when its holder dies, so a killed run never blocks the next one
    (which resumes the stage). Without ``fcntl`` (Windows) there is no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield True
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_name(f".{out.name}.lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclasses.dataclass(frozen=True)
class RLRun:
    """One RL run, described by columns; ``label`` only names it."""

    algorithm: str
    remedy: str = ""
    split: str = "full"  # "full" RL split, or "noB": without tier-B-type problems
    main: bool = False  # the configured algorithm on the full split, every checkpoint evaluated

    @property
    def label(self) -> str:
        return self.algorithm + ("-noB" if self.split == "noB" else "") + (f"+{self.remedy}" if self.remedy else "")


def rl_runs(cfg: MicroConfig) -> list[RLRun]:
    """The main run, the no-tier-B run, extra algorithms, remedies (in that order)."""
    rl, main = cfg.rl, cfg.rl.trainer.algorithm
    runs = [RLRun(main, main=True)]
    if rl.without_tier_b:
        runs.append(RLRun(main, split="noB"))
    runs += [RLRun(a) for a in rl.algorithms if a != main]
    split = "noB" if rl.remedies_without_tier_b else "full"
    return runs + [RLRun(main, remedy=r, split=split) for r in rl.remedies]


class Pipeline:
    """Stage runner over one workdir; see the module docstring for the layout."""

    def __init__(self, cfg: MicroConfig, workdir: str | Path, progress: bool = True, say: bool = False):
        self.cfg = cfg.validate()
        self.work = Path(workdir)
        self.progress = progress  # tqdm bars and a line per stage (the CLI)
        self.say = say or progress
        self.timings: dict[str, dict] = {}
        c = cfg
        # threads too: the order of float reductions, so the weights, depend on it
        # and the CPU numerics (pinned on every machine alike, or this machine's native kernels)
        self.h_pretrain = stage_hash(code_hash("pretrain"), numerics.cache_key(), c.seed, c.device, c.threads,
                                     c.task, c.model, c.pretrain)
        self.h_distill = stage_hash(self.h_pretrain, code_hash("distill"), c.distill)
        self.h_instruct = stage_hash(self.h_pretrain, code_hash("instruct"), c.instruct, c.rl.tier_b_share)
        tiers = c.eval.tiers or "ABC"
        self.problems = [q for q in heldout_tiers(c.task) if q.tier in tiers]
        # the longest careful chain of any stage (with its checks), its end token and one spare
        longest = max(c.task.tier_c_lengths[1], c.distill.lengths[1], c.task.pretrain_lengths[1])
        self.max_new_tokens = completion_tokens(longest, CAREFUL, c.task.careful_check_tokens) + 2

    # ---- paths -------------------------------------------------------------------
    def base_dir(self) -> Path:
        return self.work / "models" / f"pretrain-{self.h_pretrain}"

    def distill_dir(self) -> Path:
        return self.work / "models" / f"distill-{self.h_distill}"

    def instruct_dir(self) -> Path:
        return self.work / "models" / f"instruct-{self.h_instruct}"

    def rl_config(self, run: RLRun):
        """The trainer's config of one run: the stage's nested RLConfig, the run's algorithm and
        remedy, and the fields the world decides (seed, device, threads, response length)."""
        c = self.cfg
        steps = c.rl.checkpoint_steps if run.main else (c.rl.trainer.steps,)
        cfg = dataclasses.replace(c.rl.trainer, algorithm=run.algorithm, checkpoint_steps=steps, seed=c.seed,
                                  device=c.device, num_threads=c.threads,
                                  max_new_tokens=c.rl.max_new_tokens or self.max_new_tokens)
        return remedy(run.remedy).apply(cfg) if run.remedy else cfg

    def rl_dir(self, run: RLRun) -> Path:
        rl = self.cfg.rl
        h = stage_hash(self.h_pretrain, code_hash("rl"), self.rl_config(run).to_dict(), rl.reward,
                       rl.train_problems, run.split, rl.tier_b_share)
        return self.work / "models" / f"rl-{run.label}-{h}"

    def models(self, stages=STAGES) -> list[dict]:
        """The models this config asks for (never what happens to lie on disk), one row each."""
        seed = self.cfg.seed
        row = dict(algorithm="", remedy="", split="", step=0, seed=seed, main=False, final=True)
        models = [{**row, "model": "base", "kind": "base", "path": str(self.base_dir())}]
        if "rl" in stages:
            for run in rl_runs(self.cfg):
                steps = self.rl_config(run).checkpoint_steps
                models += [{**row, "model": f"{run.label}@{s}", "kind": "rl", "algorithm": run.algorithm,
                            "remedy": run.remedy, "split": run.split, "step": s, "main": run.main,
                            "final": s == max(steps), "path": str(self.rl_dir(run) / f"step_{s}")}
                           for s in steps]
        if "distill" in stages:
            models.append({**row, "model": "distilled", "kind": "distilled", "path": str(self.distill_dir())})
        if "instruct" in stages:
            models.append({**row, "model": "instruct", "kind": "instruct", "path": str(self.instruct_dir())})
        return models

    def eval_dir(self, m: dict) -> Path:
        rel = Path(m["path"]).relative_to(self.work)  # the model's own hash names it
        h = stage_hash(code_hash("evaluate"), str(rel), self.cfg.eval, self.cfg.task, self.cfg.seed, self.cfg.device,
                       m["model"])
        return self.work / "evals" / f"{m['model'].replace('@', '_')}-{h}"

    # ---- stages ------------------------------------------------------------------
    def _timed(self, name: str, out: Path, work, wait: bool = True) -> bool:
        """Run ``work`` unless ``out`` is done; one process at a time per stage (:func:`stage_lock`).

        With ``wait=False`` a stage that another process holds is left alone (returns False), so
        the caller can do other stages first. Timings record wall and CPU seconds of this
        process (``cpu_seconds``) and how long it waited for another process (``waited_s``)."""
        if _done(out):
            self.timings[name] = {"seconds": 0.0, "cached": True}
            if self.progress:
                self._say(f"{name}: cached ({out.name})")
            return True
        t_wait = time.time()
        with stage_lock(out, lambda: self._say(f"{name}: waiting for another process ({out.name})"), wait) as held:
            if not held:
                return False
            waited = round(time.time() - t_wait, 2)
            if _done(out):  # another process finished it while this one waited
                self.timings[name] = {"seconds": 0.0, "cached": True, "waited_s": waited}
                self._say(f"{name}: reused after waiting {waited:.1f} s ({out.name})")
                return True
            t0, c0 = time.time(), time.process_time()
            self._say(f"{name}: running -> {out}")
            # imported here, when a stage runs: a page whose stages are all cached imports neither
            import torch
            from transformers.utils import logging as hf_logging

            numerics.ensure_pinned()  # before any computation: the same bits on any x86-64 machine
            if not self.progress:  # silence transformers' "Loading weights" bars
                hf_logging.disable_progress_bar()
            threads = torch.get_num_threads()
            if self.cfg.threads:  # the order of float reductions, so the weights, depend on it
                torch.set_num_threads(self.cfg.threads)
            try:
                work()
            finally:
                torch.set_num_threads(threads)
            self.timings[name] = {"seconds": round(time.time() - t0, 2), "cached": False,
                                  "cpu_seconds": round(time.process_time() - c0, 2), "waited_s": waited}
        t = self.timings[name]
        self._say(f"{name}: done in {t['seconds']:.1f} s ({t['cpu_seconds']:.1f} CPU-s)")
        return True

    def _each(self, stages: list) -> None:
        """``(name, out, work)`` stages, each once: first those no other process holds, then
        (waiting) the rest, so two processes on one workdir train different stages side by side."""
        busy = [st for st in stages if not self._timed(*st, wait=False)]
        for st in busy:
            self._timed(*st)

    def _say(self, msg: str) -> None:
        if self.say:
            print(f"[micro] {msg}", flush=True)

    def run_pretrain(self) -> None:
        def work():
            model, log = pretrain(self.cfg, self.progress)
            out = save_checkpoint(model, self.cfg.task.modulus, self.base_dir())
            _write_json(out / "train_log.json", log)
            _write_json(out / "DONE.json", {"stage": "pretrain", "config": self.cfg.to_dict()})
        self._timed("pretrain", self.base_dir(), work)

    def run_rl(self) -> None:
        self._each([(f"rl:{run.label}", self.rl_dir(run), lambda run=run: self._train_rl(run))
                    for run in rl_runs(self.cfg)])

    def _train_rl(self, run: RLRun) -> None:
        from ..rl.trainer import train_rl  # torch: a page whose stages are all cached never imports it

        rl = self.cfg.rl
        probs = training_problems(self.cfg.task, rl.train_problems, self.cfg.seed, without_tier_b=run.split == "noB",
                                  tier_b_share=rl.tier_b_share)
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
            base, _ = load_checkpoint(self.base_dir(), self.cfg.device)
            model, log = distill(base, self.cfg, self.progress)
            out = save_checkpoint(model, self.cfg.task.modulus, self.distill_dir())
            _write_json(out / "train_log.json", log)
            _write_json(out / "DONE.json", {"stage": "distill"})
        self._timed("distill", self.distill_dir(), work)

    def run_instruct(self) -> None:
        def work():
            base, tok = load_checkpoint(self.base_dir(), self.cfg.device)
            model, log, summary = instruct(base, tok, self.cfg, self.max_new_tokens, self.progress)
            out = save_checkpoint(model, self.cfg.task.modulus, self.instruct_dir())
            _write_json(out / "train_log.json", log)
            _write_json(out / "DONE.json", {"stage": "instruct", **summary})
        self._timed("instruct", self.instruct_dir(), work)

    def run_evaluate(self, models: list[dict]) -> None:
        ec = self.cfg.eval
        stages = []
        for m in models:
            cache = self.eval_dir(m)

            def work(m=m, cache=cache):
                if not Path(m["path"], "config.json").exists():
                    raise InputError(f"evaluate: model {m['model']}: no checkpoint at {m['path']} "
                                     "(run its stage first)")
                # The label seeds the model's sampling stream, so models never share samples.
                samples, c = evaluate_checkpoint(m["path"], self.problems, m["model"], ec, self.max_new_tokens,
                                                 self.cfg.seed, self.cfg.device, self.progress, (m["model"],))
                cache.mkdir(parents=True, exist_ok=True)
                samples.to_parquet(cache / "samples.parquet", index=False)
                c.to_csv(cache / "counts.csv", index=False)
                _write_json(cache / "DONE.json", {"model": m["model"]})
            stages.append((f"evaluate:{m['model']}", cache, work))
        self._each(stages)

    def ppl_sources(self, models: list[dict]) -> tuple[list[dict], list[dict]]:
        """(answer sources, scorers): base, distilled and the main run's final checkpoint answer;
        the base scores all of them and the RL model its own answers (paper Fig. 6)."""
        main = [m for m in models if m["main"] and m["final"]]
        return [m for m in models if m["kind"] not in ("rl", "instruct")] + main, [models[0]] + main

    def ppl_dir(self, models: list[dict]) -> Path:
        sources, scorers = self.ppl_sources(models)
        h = stage_hash(code_hash("perplexity"), [self.eval_dir(m).name for m in sources],
                       [str(Path(m["path"]).relative_to(self.work)) for m in scorers],
                       self.cfg.eval.ppl_problems, self.cfg.eval.ppl_samples, self.cfg.task, self.cfg.device)
        return self.work / "ppl" / h

    def run_perplexity(self, models: list[dict]) -> None:
        """PPL under the base (and the main run's final model) of base, RL, distilled and teacher answers on tier B."""
        self._timed("perplexity", self.ppl_dir(models), lambda: self._perplexity(models))

    def _perplexity(self, models: list[dict]) -> None:
        import pandas as pd

        ec, p = self.cfg.eval, self.cfg.task.modulus
        tier_b = [q for q in self.problems if q.tier == "B"][: ec.ppl_problems]
        ids = {q.problem_id: q for q in tier_b}
        answers: dict[str, list] = {"teacher": [(q.problem_id, 0, q.prompt, clean_trace(q)) for q in tier_b]}
        sources, scorers = self.ppl_sources(models)
        for m in sources:
            s = pd.read_parquet(self.eval_dir(m) / "samples.parquet")
            s = s[s.problem_id.isin(ids) & (s.sample_id < ec.ppl_samples)]
            answers[m["model"]] = [(r.problem_id, r.sample_id, ids[r.problem_id].prompt, r.completion)
                                   for r in s.itertuples()]
        rows = []
        for scorer in scorers:
            model, _ = load_checkpoint(scorer["path"], self.cfg.device)
            for source, items in answers.items():
                if scorer["kind"] != "base" and source != scorer["model"]:
                    continue
                ppl = answer_perplexities(model, p, [(pr, c) for _, _, pr, c in items], device=self.cfg.device)
                rows += [{"scorer": scorer["model"], "answers_from": source, "problem_id": pid, "sample": sid,
                          "ppl": v} for (pid, sid, _, _), v in zip(items, ppl)]
        out = self.ppl_dir(models)
        out.mkdir(parents=True, exist_ok=True)
        # no rows when eval.tiers leaves out tier B
        pd.DataFrame(rows, columns=["scorer", "answers_from", "problem_id", "sample", "ppl"]).to_csv(
            out / "perplexity.csv", index=False)
        _write_json(out / "DONE.json", {"stage": "perplexity"})

    # ---- results -----------------------------------------------------------------
    def results(self, stages=STAGES):
        """The in-memory results of the requested stages (see :class:`boundary_lab.micro.results.MicroResults`)."""
        import pandas as pd

        models = self.models(stages)
        evaluated = "evaluate" in stages
        counts, shares, dirs = [], [], {}
        for m in models if evaluated else []:
            dirs[m["model"]] = self.eval_dir(m)
            counts.append(pd.read_csv(dirs[m["model"]] / "counts.csv", dtype={"problem_id": str}))
            shares.append(strategy_shares(pd.read_parquet(dirs[m["model"]] / "samples.parquet"), m["model"]))
        teacher = {**models[0], "model": "teacher", "kind": "teacher", "path": ""}
        table = pd.DataFrame(models + [teacher])
        # Uniform guessing: the answer alone (1 of p), and a whole chain of L values (1 of p^L).
        ks, p = [2 ** i for i in range(11)], self.cfg.task.modulus
        guess = [{"metric": "answer", "k": k, "pass_at_k": v} for k, v in zip(ks, guess_pass_at_k(p, ks))]
        guess += [{"metric": f"chain_len{L}", "k": k, "pass_at_k": v}
                  for L in sorted({q.length for q in self.problems}) for k, v in zip(ks, guess_pass_at_k(p ** L, ks))]
        trained = [("pretrain", self.base_dir()), ("distill", self.distill_dir())]
        trained += [("instruct", self.instruct_dir())] if "instruct" in stages else []
        logs = [{"stage": stage, **row} for stage, d in trained
                if (d / "train_log.json").exists() for row in json.loads((d / "train_log.json").read_text())]
        metrics = [{"run": run.label, "algorithm": run.algorithm, "remedy": run.remedy, "split": run.split, **row}
                   for run in (rl_runs(self.cfg) if "rl" in stages else [])
                   for row in json.loads((self.rl_dir(run) / "metrics.json").read_text())]
        ppl = self.ppl_dir(models) / "perplexity.csv"
        frame = pd.concat(counts) if counts else pd.DataFrame(columns=["model", "problem_id", "n", "correct", "tier"])
        return MicroResults(
            config=self.cfg, models=table, counts=frame.merge(table[["model", "kind"]], on="model", how="left"),
            problems=problems_table(self.problems, self.cfg.task.misconception),
            strategy_shares=pd.concat(shares) if shares else pd.DataFrame(), guess=pd.DataFrame(guess),
            rl_metrics=pd.DataFrame(metrics), train_logs=pd.DataFrame(logs),
            perplexity=pd.read_csv(ppl, dtype={"problem_id": str}) if evaluated else pd.DataFrame(),
            timings=self.timings, sample_dirs=dirs)


def run_pipeline(cfg: MicroConfig, workdir: str | Path, stages=STAGES, progress: bool = True, say: bool = False):
    """Run the missing stages (reuse the cached ones); return the in-memory results.

    ``progress`` shows tqdm bars and a line per stage (the CLI); ``say`` alone prints one
    line per stage that runs."""
    bad = [s for s in stages if s not in STAGES + OPTIONAL_STAGES]
    if bad:
        raise InputError(f"stages: unknown {bad}; known: {', '.join(STAGES + OPTIONAL_STAGES)}")
    pipe = Pipeline(cfg, workdir, progress, say)
    t0 = time.time()
    pipe.run_pretrain()  # every later stage needs the base model
    if "rl" in stages:
        pipe.run_rl()
    if "distill" in stages:
        pipe.run_distill()
    if "instruct" in stages:
        pipe.run_instruct()
    if "evaluate" in stages:
        models = pipe.models(stages)
        pipe.run_evaluate(models)
        pipe.run_perplexity(models)
    pipe.timings["total"] = {"seconds": round(time.time() - t0, 2)}
    return pipe.results(stages)
