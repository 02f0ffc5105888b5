"""The micro-world's results for the book's pages, built in memory (the tables are in :mod:`boundary_lab.tables`,
the sentences in :mod:`boundary_lab.findings`, the figures in :mod:`boundary_lab.plots`).

``micro(preset, config=..., seed=...)`` runs only the missing stages of the micro-world
pipeline (each is cached) and returns a :class:`~boundary_lab.micro.results.MicroResults`;
``regime_results`` does so for each named regime, ``phase_grid`` for every cell and seed of a
phase diagram, ``temperature_curves`` for the sampling temperatures of paper Fig. 16.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from . import numerics, tables
from .counts import read_counts
from .errors import InputError
from .micro.config import MicroConfig, settings_from, with_overrides
from .micro.evaluate import sampled_entropy
from .micro.model import load_checkpoint
from .micro.phase import run_cell, run_cells
from .micro.pipeline import STAGES, Pipeline, run_pipeline
from .micro.pretrain import batch_tensors
from .micro.regimes import regime_config, settings_of
from .micro.results import MicroResults  # noqa: F401  (bl.report.MicroResults: what pages receive)
from .micro.tokenizer import vocabulary
from .rl.registry import remedy


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
        print(f"micro-world: {world_name(config)}, {preset} scale, seed {seed}: {len(ran)} stages run, "
              f"{len(res.timings) - 1 - len(ran)} reused ({time.time() - t0:.0f} s)", flush=True)
    return res


def checkpoint(label: str, preset: str = "default", config: dict | str | None = None, seed: int = 0,
               workdir: str = "runs/micro") -> str:
    """The directory of a trained micro-world model by label (``base``, ``grpo@300``, ``distilled``, or
    ``rl``: the main run's last checkpoint); trains nothing, so the model's stage must have run."""
    models = Pipeline(MicroConfig.preset(preset, config=config, seed=seed), workdir, progress=False).models()
    hit = [m for m in models if m["model"] == label or (label == "rl" and m["main"] and m["final"])]
    if not hit:
        raise InputError(f"model {label!r}: not a micro-world model; known: {', '.join(m['model'] for m in models)}")
    if not (Path(hit[0]["path"]) / "config.json").exists():
        raise InputError(f"model {label!r}: not trained yet under {workdir} "
                         f"(boundary-lab micro --preset {preset} --seed {seed} --workdir {workdir})")
    return hit[0]["path"]


def load(counts: str = "", preset: str = "default", seed: int = 0, workdir: str = "runs/micro",
         config: dict | str | list | None = None, stages=None) -> tuple[MicroResults | None, pd.DataFrame]:
    """A page's data: the user's counts (CSV or store) if given, else the micro-world's (run if needed;
    ``stages`` as in :func:`micro`)."""
    if counts:
        return None, read_counts(counts)
    res = micro(preset, config=config, seed=seed, workdir=workdir, stages=stages)
    return res, res.counts


def compared_model(res: MicroResults | None, table: pd.DataFrame, rl: str = "") -> str:
    """The model a page compares with the base: ``rl`` if given, else the micro-world's main run's last
    checkpoint; with a reader's counts (``res`` None) it must be named.

    >>> compared_model(None, pd.DataFrame({"model": ["qwen", "qwen-rl"]}))
    Traceback (most recent call last):
    ...
    boundary_lab.errors.InputError: rl: name the model to compare with the base; your counts hold qwen, qwen-rl
    """
    if rl:
        return rl
    if res is None:
        raise InputError(f"rl: name the model to compare with the base; your counts hold "
                         f"{', '.join(sorted(map(str, table['model'].unique())))}")
    return res.one(main=True, final=True)


def panel_column(table: pd.DataFrame, group_by: str) -> str | None:
    """``group_by`` when the counts have that column, None for one panel (empty); anything else is an error.

    >>> panel_column(pd.DataFrame({"model": ["a"], "tier": ["B"]}), "tier"), panel_column(pd.DataFrame(), "")
    ('tier', None)
    """
    if not group_by:
        return None
    if group_by not in table.columns:
        raise InputError(f"group_by: the counts have no column {group_by!r} (they have "
                         f"{', '.join(map(str, table.columns))}); pass group_by='' for one panel")
    return group_by


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


# ------------------------------------------------------------------ the narrowing and phase-diagram pages


def regime_results(preset: str = "default", seed: int = 0, workdir: str | Path = "runs/micro",
                   extra: dict | None = None, regimes=("narrowing", "uncapped")) -> dict:
    """Results of each named regime (base and every checkpoint of the main RL run, evaluated),
    ``{"narrowing": MicroResults, ...}``. ``extra`` maps a regime name to settings (dict or
    YAML/JSON file) applied on top of it."""
    out = {}
    for name in regimes:
        cfg = regime_config(name, preset, seed, settings_of((extra or {}).get(name)))
        cfg = with_overrides(cfg, {"rl.without_tier_b": False}, source="regime")
        out[name] = run_pipeline(cfg, workdir, stages=("pretrain", "rl", "evaluate"), progress=False)
    return out


def phase_grid(preset: str, regime: str, axes: dict[str, list], seeds: list[int], workdir: str | Path,
               settings: dict | str | list | None = None, say: bool = False,
               n_boot: int = 2000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A phase diagram, ``(runs, cells)`` of ``tables.grid_tables``: every (cell, seed) trained and evaluated
    by ``micro.phase.run_cells`` (each cached, so re-running resumes an interrupted grid). ``settings``
    (a dict, a YAML/JSON file or a list of them) apply to every cell under the cell's own."""
    return tables.grid_tables(run_cells(preset, regime, axes, seeds, workdir, settings_of(settings), say),
                              n_boot=n_boot)


def temperature_curves(preset: str, seed: int, workdir: str | Path, regime: str, temperatures: list[float],
                       tier: str = "B", settings: dict | str | list | None = None, n_boot: int = 1000) -> pd.DataFrame:
    """pass@k of the base and the final RL checkpoint of one regime sampled at each temperature
    (paper Fig. 16); each (model, temperature) evaluation is cached on its own. Other temperatures
    sample only ``tier``; at the regime's own temperature its evaluation of every tier is reused.
    ``settings``: a dict, a YAML/JSON file or a list of them, on top of the regime."""
    settings = settings_of(settings)
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
    rows = []
    with _threads(0):
        _entropies(results, tier, problems, samples, rows)
    return pd.DataFrame(rows)


def _entropies(results: dict, tier: str, problems: int, samples: int, rows: list) -> None:
    import torch

    for name, res in results.items():
        modulus = res.config.task.modulus
        paths = dict(zip(res.models["model"], res.models["path"]))
        for model in ["base", *res.select(kind="rl", main=True)]:
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


# ------------------------------------------------------------------ paper Fig. 17 and the paper's sampling settings


def _cell(cfg: MicroConfig, workdir: str | Path) -> tuple[pd.DataFrame, Pipeline, dict]:
    """:func:`run_cell` (base and the main run's final checkpoint, trained and evaluated if missing), with
    the pipeline that names them and their model rows by label."""
    counts = run_cell(cfg, workdir)
    pipe = Pipeline(with_overrides(cfg, {"rl.without_tier_b": False, "rl.algorithms": (), "rl.remedies": ()},
                                   source="cell"), workdir, progress=False)
    models = {m["model"]: m for m in pipe.models(("pretrain", "rl"))
              if m["kind"] == "base" or (m["main"] and m["final"])}
    return counts, pipe, models


def _tier_config(regime: str, preset: str, seed: int, settings: dict | None, tier: str, **evaluation) -> MicroConfig:
    """The regime sampled on ``tier`` only with other ``eval.*`` settings (as :func:`temperature_curves`
    builds them, so the two share cached evaluations)."""
    own = regime_config(regime, preset, seed, settings)
    changed = {f"eval.{k}": v for k, v in evaluation.items() if getattr(own.eval, k) != v}
    only = {"eval.tiers": tier} if changed else {}
    return regime_config(regime, preset, seed, {**(settings or {}), **changed, **only})


def entropy_matched(preset: str, seed: int, workdir: str | Path, regime: str, tier: str = "B",
                    settings: dict | str | list | None = None, base_temperature: float = 0.6, problems: int = 16,
                    samples: int = 16, high: float = 3.0, steps: int = 8, n_boot: int = 1000) -> dict:
    """Paper Fig. 17: the temperature at which the final RL checkpoint's sampling entropy
    (:func:`boundary_lab.micro.evaluate.sampled_entropy`, on the first ``problems`` problems of ``tier``,
    ``samples`` samples each) matches the base's at ``base_temperature``, found by bisection on
    [``base_temperature``, ``high``] in ``steps`` halvings, rounded to 0.01; then pass@k on the tier of the
    base and RL at ``base_temperature`` and of RL at the matched temperature (top-p 1).

    Returns ``{"entropies", "counts", "curves", "matched", "reached"}``: every entropy measured (``role``
    target, probe or matched), the three models' counts (``role`` base, rl, rl matched; models labelled with
    their temperature), their pass@k curves with problem-bootstrap bands, the matched temperature, and
    whether RL reached the base's entropy below ``high``."""
    settings = settings_of(settings)
    counts, pipe, models = _cell(_tier_config(regime, preset, seed, settings, tier, temperature=base_temperature),
                                 workdir)
    base, rl = "base", next(name for name in models if name != "base")
    prompts = [q.prompt for q in pipe.problems if q.tier == tier][:problems]
    rows = []

    def entropy(model: str, temperature: float, role: str) -> float:
        found = sampled_entropy(models[model]["path"], pipe.cfg.task.modulus, prompts, temperature, samples,
                                pipe.max_new_tokens, seed, pipe.cfg.device, stream=("entropy", model))
        rows.append({"model": model, "temperature": round(temperature, 4), "role": role, **found})
        return found["entropy"]

    with _threads(pipe.cfg.threads):
        target = entropy(base, base_temperature, "target")
        low, top = base_temperature, high
        if entropy(rl, low, "probe") >= target:
            matched, reached = low, True
        elif entropy(rl, top, "probe") < target:
            matched, reached = top, False
        else:
            for _ in range(steps):
                mid = (low + top) / 2
                low, top = (mid, top) if entropy(rl, mid, "probe") < target else (low, mid)
            matched, reached = round((low + top) / 2, 2), True
        entropy(rl, matched, "matched")
    at_matched = run_cell(_tier_config(regime, preset, seed, settings, tier, temperature=matched), workdir)
    frames = [counts[counts["model"] == base].assign(role="base", temperature=base_temperature),
              counts[counts["model"] == rl].assign(role="rl", temperature=base_temperature),
              at_matched[at_matched["model"] == rl].assign(role="rl matched", temperature=matched)]
    both = pd.concat(frames, ignore_index=True)
    both = both[both["tier"] == tier]
    both["model"] = [f"{m} (T = {t:g}{', entropy-matched' if r == 'rl matched' else ''})"
                     for m, t, r in zip(both["model"], both["temperature"], both["role"])]
    curves = tables.curves(both, list(dict.fromkeys(both["model"])), n_boot=n_boot, seed=seed)
    return {"entropies": pd.DataFrame(rows), "counts": both, "curves": curves, "matched": matched,
            "reached": reached}


def paper_sampling(preset: str, seed: int, workdir: str | Path, regimes: list[str], tier: str = "B",
                   settings: dict | str | list | None = None, temperature: float = 0.6,
                   top_p: float = 0.95) -> dict:
    """Counts of the base and the main run's final checkpoint of each regime, sampled at the paper's
    settings (temperature 0.6, top-p 0.95: Yue et al. 2025, §2.3), ``{regime: counts}``; each
    evaluation is cached on its own. Where a setting differs from the regime's own, only ``tier`` is
    sampled; at the regime's own settings its evaluation of every tier is reused, so callers select
    ``tier`` themselves (as :func:`boundary_lab.tables.sampling_curves` does)."""
    settings = settings_of(settings)
    return {name: _cell(_tier_config(name, preset, seed, settings, tier, temperature=temperature, top_p=top_p),
                        workdir)[0] for name in regimes}


class _threads:
    """Torch's thread count and the pinned numerics for computations outside a pipeline stage."""

    def __init__(self, threads: int):
        self.threads = threads

    def __enter__(self):
        import torch
        from transformers.utils import logging as hf_logging

        numerics.ensure_pinned()
        hf_logging.disable_progress_bar()  # no "Loading weights" bars on a page
        self.saved = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.saved)


def world_name(config: dict | str | list | None) -> str:
    """The world a page's ``config`` describes, in words: its world files by name and its other settings.

    >>> world_name(["book/worlds/narrowing.yaml", {"eval.tiers": "AB"}])
    'the narrowing world (eval.tiers=AB)'
    >>> world_name({})
    'the default world'
    """
    items = config if isinstance(config, (list, tuple)) else [config]
    files = [Path(str(item)).stem for item in items if isinstance(item, (str, Path)) and str(item)]
    changes = {k: v for item in items if isinstance(item, dict) for k, v in settings_from(item).items()}
    name = f"the {' + '.join(files) if files else 'default'} world"
    return name + (f" ({', '.join(f'{k}={v}' for k, v in changes.items())})" if changes else "")


# ------------------------------------------------------------------ the instruct model, both worlds, rollouts

WITH_INSTRUCT = (*STAGES, "instruct")  # the distillation page's stages: every default one and the instruct model


def instruct_summary(res: MicroResults) -> dict:
    """What the instruct stage kept (``problems``, ``samples``, ``kept``, ``problems_kept``) and its settings
    (``res.config.instruct``), read from the stage's record; trains nothing."""
    path = Path(res.models.set_index("model").loc["instruct", "path"]) / "DONE.json"
    if not path.exists():
        raise InputError(f"instruct: no trained instruct model at {path.parent} (run stages={WITH_INSTRUCT})")
    found = json.loads(path.read_text())
    ic = res.config.instruct
    return {k: found[k] for k in ("problems", "samples", "kept", "problems_kept")} | {
        "temperature": ic.temperature, "steps": ic.steps, "per_problem": ic.samples}


def worlds(preset: str, seed: int, workdir: str, configs: dict, stages=None) -> dict:
    """:func:`micro` of each named world, ``{name: MicroResults}`` (``configs``: name -> settings, as ``config``)."""
    return {name: micro(preset, config=cfg, seed=seed, workdir=workdir, stages=stages) for name, cfg in configs.items()}


def rollouts_per_prompt(res: MicroResults, labels: list[str]) -> dict:
    """Rollouts per prompt of each RL model (its remedy applied to the world's trainer settings)."""
    rows = res.models.set_index("model")
    trainer = res.config.rl.trainer
    return {label: (remedy(rows.loc[label, "remedy"]).apply(trainer) if rows.loc[label, "remedy"] else trainer)
            .rollouts_per_prompt for label in labels}
