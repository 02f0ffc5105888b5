"""The micro-world's results of one config and seed, in memory: :class:`MicroResults`.

The pipeline (:mod:`boundary_lab.micro.pipeline`) builds one from its cached stages; pages read
it through :mod:`boundary_lab.report`. Models are rows of ``res.models`` described by columns, and
pages pick them with :meth:`MicroResults.select`; labels such as ``grpo-noB@300`` name models in
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

import pandas as pd

from ..errors import InputError


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
