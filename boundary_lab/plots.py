"""Figures that mirror the paper's. Each takes a tidy DataFrame and returns a Figure.

>>> import pandas as pd
>>> df = pd.DataFrame({"model": ["base", "base"], "k": [1, 2], "pass_at_k": [.2, .3], "low": [.1, .2], "high": [.3, .4]})
>>> fig = passk_curves(df)
>>> len(fig.axes)
1
"""
from __future__ import annotations

# No matplotlib.use("Agg") here: forcing it in a Jupyter kernel replaces the inline backend and
# executed notebooks lose every figure. Headless scripts fall back to Agg by themselves.
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .passk import HISTOGRAM_LABELS  # noqa: E402

PALETTE = {"base": "#1f77b4", "rl": "#d62728", "distilled": "#2ca02c", "instruct": "#9467bd", "guess": "#7f7f7f"}


def _color(name: str, i: int):
    for key, color in PALETTE.items():
        if str(name).lower().startswith(key):
            return color
    return sns.color_palette("tab10")[i % 10]


def passk_curves(curves: pd.DataFrame, panel: str | None = None, hue: str = "model", guess: pd.DataFrame | None = None,
                 title: str | None = None, ncols: int = 3, value: str = "pass_at_k") -> plt.Figure:
    """pass@k against log2 k with bootstrap bands, one panel per value of ``panel`` (paper Fig. 2).

    ``guess`` (columns ``k``, ``pass_at_k``) draws the random-guessing baseline as a dashed line.
    """
    panels = list(dict.fromkeys(curves[panel])) if panel else [None]
    ncols = min(ncols, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, panels):
        sub = curves if name is None else curves[curves[panel] == name]
        for i, (label, g) in enumerate(sub.groupby(hue, sort=False)):
            color = _color(label, i)
            ax.plot(g["k"], g[value], marker="o", ms=3, label=str(label), color=color)
            if "low" in g and "high" in g:
                ax.fill_between(g["k"], g["low"], g["high"], alpha=0.15, color=color, linewidth=0)
        if guess is not None:
            gsub = guess if name is None or panel not in guess else guess[guess[panel] == name]
            gsub = gsub[gsub["k"] <= sub["k"].max()]  # no baseline beyond the measured k
            # one dashed line per baseline (a "metric" column may hold several)
            for j, (metric, gm) in enumerate(gsub.groupby("metric", sort=False) if "metric" in gsub else [("", gsub)]):
                ax.plot(gm["k"], gm["pass_at_k"], ls=("--", ":", "-.")[j % 3], color=PALETTE["guess"],
                        label=f"uniform guess ({metric})" if metric else "uniform guess")
        ax.set_xscale("log", base=2)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("k")
        ax.set_ylabel("pass@k")
        ax.grid(alpha=0.3)
        if name is not None:
            ax.set_title(str(name))
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def accuracy_histograms(hist: pd.DataFrame, hue: str = "model", panel: str | None = None, ncols: int = 3) -> plt.Figure:
    """Per-problem accuracy histograms with the paper's bins (Fig. 5, 13).

    ``hist`` has columns ``bin`` (0..10), ``count`` and the ``hue``/``panel`` columns.
    """
    panels = list(dict.fromkeys(hist[panel])) if panel else [None]
    ncols = min(ncols, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.2 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, panels):
        sub = hist if name is None else hist[hist[panel] == name]
        models = list(dict.fromkeys(sub[hue]))
        width = 0.8 / len(models)
        for i, model in enumerate(models):
            g = sub[sub[hue] == model].sort_values("bin")
            ax.bar(g["bin"] + (i - (len(models) - 1) / 2) * width, g["count"], width=width,
                   label=str(model), color=_color(model, i))
        ax.set_xticks(range(11))
        ax.set_xticklabels(HISTOGRAM_LABELS, rotation=45, ha="right", fontsize=7)
        ax.set_xlabel("per-problem accuracy")
        ax.set_ylabel("problems")
        if name is not None:
            ax.set_title(str(name))
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def coverage_bars(coverage: pd.DataFrame, panel: str = "comparison") -> plt.Figure:
    """Stacked bars of both / base only / RL only / neither (Tables 4, 5 as a picture)."""
    parts = ["both", "base_only", "rl_only", "neither"]
    colors = ["#8c564b", PALETTE["base"], PALETTE["rl"], "#dddddd"]
    fig, ax = plt.subplots(figsize=(max(4, 1.3 * len(coverage)), 3.4))
    bottom = np.zeros(len(coverage))
    for part, color in zip(parts, colors):
        ax.bar(coverage[panel].astype(str), coverage[part], bottom=bottom, label=part.replace("_", " "), color=color)
        bottom += coverage[part].to_numpy()
    ax.set_ylabel("problems")
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    return fig


def perplexity_boxes(ppl: pd.DataFrame, x: str = "responses", y: str = "perplexity") -> plt.Figure:
    """Perplexity of responses under a scoring model (Fig. 6): one box per response source."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    sns.boxplot(data=ppl, x=x, y=y, ax=ax, showfliers=False, color="#c6dbef")
    sns.stripplot(data=ppl, x=x, y=y, ax=ax, size=2, color="black", alpha=0.3)
    ax.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    return fig


def metric_lines(history: pd.DataFrame, x: str, metrics: list[str], hue: str | None = None) -> plt.Figure:
    """Training curves (reward, entropy, KL...), one panel per metric (Fig. 17 style)."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        if hue:
            for i, (label, g) in enumerate(history.groupby(hue, sort=False)):
                ax.plot(g[x], g[metric], label=str(label), color=_color(label, i))
        else:
            ax.plot(history[x], history[metric])
        ax.set_xlabel(x)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
    if hue:
        axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
