"""Plot helpers: what is drawn, checked on the figure's own data."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from boundary_lab import plots


def test_metric_lines_join_a_metric_logged_on_some_steps_only():
    # kl_base is logged on step 1 and every 10th step; reward on every step.
    steps = np.arange(1, 31)
    history = pd.DataFrame({"step": steps, "run": "grpo", "reward_mean": steps / 30,
                            "kl_base": np.where((steps == 1) | (steps % 10 == 0), steps / 100, np.nan)})
    fig = plots.metric_lines(history, x="step", metrics=["reward_mean", "kl_base"], hue="run")
    reward, kl = (ax.get_lines()[0] for ax in fig.axes[:2])
    assert list(reward.get_xdata()) == list(steps)
    assert list(kl.get_xdata()) == [1, 10, 20, 30] and not np.isnan(kl.get_ydata()).any()
