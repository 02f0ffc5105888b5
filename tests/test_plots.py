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


def _models():
    return pd.DataFrame({"model": ["base", "grpo@100", "grpo@300", "grpo-noB@300", "ppo@300", "grpo+nsr@300",
                                   "distilled"],
                         "kind": ["base", "rl", "rl", "rl", "rl", "rl", "distilled"],
                         "algorithm": ["", "grpo", "grpo", "grpo", "ppo", "grpo", ""],
                         "remedy": ["", "", "", "", "", "nsr", ""],
                         "split": ["", "full", "full", "noB", "full", "full", ""],
                         "step": [0, 100, 300, 300, 300, 300, 0]})


def test_every_palette_colour_is_distinct_from_every_other():
    named = {**plots.PALETTE, **plots.ALGORITHM_COLORS, **plots.REMEDY_COLORS}
    distinct = {c for c in named.values()}
    pairs = [(a, b) for a in distinct for b in distinct if a < b]
    assert min(plots.delta_e(a, b) for a, b in pairs) >= 24


def test_a_model_keeps_its_colour_whatever_else_is_plotted_and_colours_on_a_page_are_distinct():
    models = _models()
    all_colours = plots.colors(models)
    # the algorithms page (base + ppo) and the remedies page (base + a remedy): same colours as above
    for page in (["base", "ppo@300"], ["base", "grpo+nsr@300", "grpo@300"]):
        frame = pd.DataFrame({"model": page})
        assert plots.colors(frame, models=models) == {m: all_colours[m] for m in page}
    # (label, expected colour source): described by columns, never by parsing the label
    for label, expected in [("ppo@300", plots.ALGORITHM_COLORS["ppo"]), ("grpo+nsr@300", plots.REMEDY_COLORS["nsr"]),
                            ("grpo@300", plots.ALGORITHM_COLORS["grpo"]), ("base", plots.PALETTE["base"])]:
        assert plots.delta_e(all_colours[label], expected) < 1e-6
    labels = list(all_colours)
    assert min(plots.delta_e(all_colours[a], all_colours[b])
               for i, a in enumerate(labels) for b in labels[i + 1:]) > plots.DISTINCT
    assert plots.line_styles(models)["grpo-noB@300"] == "--" and plots.line_styles(models)["grpo@300"] == "-"


def test_passk_curves_draw_each_model_in_its_colour_and_k_as_integers():
    models = _models()
    curves = pd.DataFrame([{"model": m, "k": k, "pass_at_k": 0.1 * i + 0.01 * k}
                           for i, m in enumerate(["base", "ppo@300"]) for k in (1, 2, 4, 1024)])
    fig = plots.passk_curves(curves, models=models)
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    assert plots.delta_e(lines["ppo@300"].get_color(), plots.ALGORITHM_COLORS["ppo"]) < 1e-6
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert "1,024" in ticks and all("." not in t and "^" not in t for t in ticks)


def test_perplexity_boxes_switch_to_a_log_axis_when_one_outlier_would_flatten_the_boxes():
    ppl = pd.DataFrame({"responses": ["base"] * 5 + ["rl"] * 5,
                        "perplexity": [1.2, 1.3, 1.4, 1.5, 60.0, 1.1, 1.2, 1.2, 1.3, 1.4]})
    assert plots.perplexity_boxes(ppl).axes[0].get_yscale() == "log"
    narrow = ppl.assign(perplexity=[1.2, 1.3, 1.4, 1.5, 1.6] * 2)
    assert plots.perplexity_boxes(narrow).axes[0].get_yscale() == "linear"


def test_heatmap_labels_read_on_their_cells():
    cells = pd.DataFrame({"cap": [0, 0, 14, 14], "share": [-1.0, 0.25, -1.0, 0.25], "change": [0, 1, 10, 24]})
    fig = plots.heatmap(cells, x="share", y="cap", value="change", fmt="{:.0f}")
    ax = fig.axes[0]
    mesh = ax.get_images()[0]
    for text in ax.texts:
        cell = mesh.to_rgba(float(text.get_text()))
        # (cell colour, label colour): the label's contrast with its cell is at least 4.5:1 (WCAG AA)
        lum = [float(np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4) @ [0.2126, 0.7152, 0.0722])
               for c in (np.array(cell[:3]), np.array(matplotlib.colors.to_rgb(text.get_color())))]
        assert (max(lum) + 0.05) / (min(lum) + 0.05) >= 4.5, (text.get_text(), text.get_color())
