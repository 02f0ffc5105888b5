"""``boundary-lab micro``: train and evaluate the micro-world (pretrain, rl, distill, evaluate).

Every field of :class:`boundary_lab.micro.config.MicroConfig` is a setting: on the
command line as ``--set task.shortcut_slip_rate=0.01`` or ``--task.shortcut_slip_rate 0.01``
(one flag per field, generated from the dataclasses and their help text), or in a
YAML/JSON file given with ``--config``. Later settings win: preset, file, ``--set``, flags.
Stages are cached by their settings and code under ``--workdir``; re-running reuses
trained models. Prints pass@1 / pass@n per model and tier.

Example::

    boundary-lab micro --preset full --set task.shortcut_slip_rate=0.01 --set rl.trainer.steps=600 --seed 1
"""
from __future__ import annotations

import argparse
import typing

from ..errors import InputError
from ..micro.config import DERIVED_TRAINER_FIELDS, PRESETS, MicroConfig, leaf_fields, read_settings, with_overrides

SET_PREFIX = "set:"


def register(sub) -> None:
    p = sub.add_parser("micro", help="train a tiny base model, RL it, distil it and evaluate it (CPU, cached)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="default", choices=PRESETS,
                   help="scale: tiny (tests), default (the book), full (the default world at n = 1024)")
    p.add_argument("--config", default=None, help="YAML or JSON file of settings (nested or dotted keys)")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                   help="one setting by dotted name (repeatable), e.g. rl.trainer.steps=600")
    p.add_argument("--stages", default="pretrain,rl,distill,evaluate",
                   help="comma-separated stages among pretrain,rl,distill,evaluate")
    p.add_argument("--workdir", default="runs/micro", help="cache directory (the book's is runs/micro)")
    p.add_argument("--out", default=None, help="also write counts.csv and models.csv here (for passk/compare)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    groups = {}
    for path, f, value, hint in leaf_fields(MicroConfig()):  # one flag per field, help from its metadata
        if path.startswith("rl.trainer.") and f.name in DERIVED_TRAINER_FIELDS:
            continue  # set from the world (seed, device, threads, rl.max_new_tokens)
        section = path.rpartition(".")[0] or "world"
        if section not in groups:
            groups[section] = p.add_argument_group(f"settings: {section}")
        groups[section].add_argument(f"--{path}", dest=SET_PREFIX + path, default=argparse.SUPPRESS,
                                     metavar=_metavar(hint),
                                     help=f"{f.metadata.get('help', '')} (default: {_show(value)})".replace("%", "%%"))
    p.set_defaults(func=run)


def _metavar(hint) -> str:
    """``INT``, ``FLOAT|none``, ``INT,INT``, ``STR,...`` for a field's type."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is tuple:
        return ",".join("..." if a is Ellipsis else _metavar(a) for a in typing.get_args(hint))
    if len(args) < len(typing.get_args(hint)):  # Optional[X]
        return _metavar(args[0]) + "|none"
    return hint.__name__.upper()


def _show(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def settings_from_args(args) -> dict:
    """Dotted settings from ``--config``, ``--set`` and the per-field flags, later ones winning."""
    settings = read_settings(args.config) if args.config else {}
    for item in args.set:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise InputError(f"--set {item!r}: expected FIELD=VALUE, e.g. rl.trainer.steps=600")
        settings[key.strip()] = value
    settings.update({k[len(SET_PREFIX):]: v for k, v in vars(args).items() if k.startswith(SET_PREFIX)})
    return settings


def config_from_args(args):
    """The ``MicroConfig`` the arguments describe."""
    return with_overrides(MicroConfig.preset(args.preset), settings_from_args(args))


def run(args) -> int:
    from pathlib import Path

    import pandas as pd

    from ..micro.pipeline import run_pipeline
    from ..tables import pass_table

    cfg = config_from_args(args)
    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    res = run_pipeline(cfg, args.workdir, stages=stages, progress=not args.quiet)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        res.counts.to_csv(out / "counts.csv", index=False)
        res.models.to_csv(out / "models.csv", index=False)
        print(f"wrote {out / 'counts.csv'} and {out / 'models.csv'}")
    if len(res.counts):
        models = res.select(kind="base") + res.select(kind="rl") + res.select(kind="distilled")
        with pd.option_context("display.width", 200, "display.max_rows", 500):
            print(pass_table(res.counts, models, by="tier").round(3).to_string(index=False))
    return 0
