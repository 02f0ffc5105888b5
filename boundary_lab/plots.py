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

# Colour by a model's kind (a ``kind`` column); models without one take tab10 colours in order.
PALETTE = {"base": "#1f77b4", "rl": "#d62728", "distilled": "#2ca02c", "teacher": "#9467bd", "instruct": "#8c564b",
           "guess": "#7f7f7f"}
WIDTH = 9.0  # inches: the book's content width at the inline dpi, so labels print at their set size
MARKERS = "osD^vP*X"


def colors(frame: pd.DataFrame, hue: str = "model") -> dict:
    """Colour of each ``hue`` value: its kind's colour, lighter for earlier models of the same kind
    (e.g. RL checkpoints by step); tab10 in order where ``frame`` has no ``kind`` column.

    >>> colors(pd.DataFrame({"model": ["base", "grpo@1", "grpo@2"], "kind": ["base", "rl", "rl"]}))["grpo@2"]
    '#d62728'
    """
    labels = list(dict.fromkeys(frame[hue]))
    kinds = dict(zip(frame[hue], frame["kind"])) if "kind" in frame else {}
    out, seen = {}, {}
    for i, label in enumerate(labels):
        kind = kinds.get(label)
        if kind not in PALETTE:
            out[label] = sns.color_palette("tab10")[i % 10]
            continue
        same = [x for x in labels if kinds.get(x) == kind]
        j = seen[kind] = seen.get(kind, -1) + 1
        mix = 0.6 * (len(same) - 1 - j) / max(1, len(same) - 1)  # 0 for the last (final) model of a kind
        out[label] = PALETTE[kind] if mix == 0 else sns.blend_palette([PALETTE[kind], "#ffffff"], 101)[round(100 * mix)]
    return out


def _grid(n_panels: int, ncols: int, height: float = 3.0):
    ncols = min(ncols, n_panels)
    nrows = int(np.ceil(n_panels / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, height * nrows), squeeze=False)
    for ax in list(axes.flat)[n_panels:]:
        ax.set_visible(False)
    return fig, axes


def _legend(fig, axes) -> None:
    """One legend for the figure, below the panels (never over a curve, never clipped)."""
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(4, len(labels)), fontsize=9,
               frameon=False)


def passk_curves(curves: pd.DataFrame, panel: str | None = None, hue: str = "model", guess: pd.DataFrame | None = None,
                 title: str | None = None, ncols: int = 3, value: str = "pass_at_k") -> plt.Figure:
    """pass@k against log2 k with bootstrap bands, one panel per value of ``panel`` (paper Fig. 2).

    ``guess`` (columns ``k``, ``pass_at_k``) draws the random-guessing baseline as a dashed line.
    """
    panels = list(dict.fromkeys(curves[panel])) if panel else [None]
    fig, axes = _grid(len(panels), ncols)
    palette = colors(curves, hue)
    for ax, name in zip(axes.flat, panels):
        sub = curves if name is None else curves[curves[panel] == name]
        for i, (label, g) in enumerate(sub.groupby(hue, sort=False)):
            ax.plot(g["k"], g[value], marker=MARKERS[i % len(MARKERS)], ms=3, label=str(label), color=palette[label])
            if "low" in g and "high" in g:
                ax.fill_between(g["k"], g["low"], g["high"], alpha=0.15, color=palette[label], linewidth=0)
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
            ax.set_title(f"{panel} {name}")
    if title:
        fig.suptitle(title)
    _legend(fig, axes)
    return fig


def accuracy_histograms(hist: pd.DataFrame, hue: str = "model", panel: str | None = None, ncols: int = 3) -> plt.Figure:
    """Per-problem accuracy histograms with the paper's bins (Fig. 5, 13).

    ``hist`` has columns ``bin`` (0..10), ``count`` and the ``hue``/``panel`` columns.
    """
    panels = list(dict.fromkeys(hist[panel])) if panel else [None]
    fig, axes = _grid(len(panels), ncols, height=3.2)
    palette = colors(hist, hue)
    for ax, name in zip(axes.flat, panels):
        sub = hist if name is None else hist[hist[panel] == name]
        models = list(dict.fromkeys(sub[hue]))
        width = 0.8 / len(models)
        for i, model in enumerate(models):
            g = sub[sub[hue] == model].sort_values("bin")
            ax.bar(g["bin"] + (i - (len(models) - 1) / 2) * width, g["count"], width=width,
                   label=str(model), color=palette[model])
        ax.set_xticks(range(11))
        ax.set_xticklabels(HISTOGRAM_LABELS, rotation=60, ha="right", fontsize=7)
        ax.set_xlabel("per-problem accuracy")
        ax.set_ylabel("problems")
        if name is not None:
            ax.set_title(f"{panel} {name}")
    _legend(fig, axes)
    return fig


def coverage_bars(coverage: pd.DataFrame, by: str | None = None) -> plt.Figure:
    """Stacked horizontal bars of both / base only / RL only / neither per model (and group of ``by``):
    the paper's Tables 4, 5 as a picture."""
    parts = ["both", "base_only", "rl_only", "neither"]
    part_colors = ["#8c564b", PALETTE["base"], PALETTE["rl"], "#dddddd"]
    fig, ax = plt.subplots(figsize=(WIDTH, 1.2 + 0.32 * len(coverage)))
    left = np.zeros(len(coverage))
    names = (coverage["model"].astype(str) + (" / " + by + " " + coverage[by].astype(str) if by else "")).to_numpy()
    for part, color in zip(parts, part_colors):
        ax.barh(names, coverage[part], left=left, label=part.replace("_", " "), color=color)
        left += coverage[part].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("problems")
    ax.legend(fontsize=9, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def perplexity_boxes(ppl: pd.DataFrame, x: str = "responses", y: str = "perplexity") -> plt.Figure:
    """Perplexity of responses under a scoring model (Fig. 6): one box per response source."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    sns.boxplot(data=ppl, x=x, y=y, ax=ax, showfliers=False, color="#c6dbef")
    sns.stripplot(data=ppl, x=x, y=y, ax=ax, size=2, color="black", alpha=0.3)
    ax.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    return fig


def metric_lines(history: pd.DataFrame, x: str, metrics: list[str], hue: str | None = None) -> plt.Figure:
    """Training curves (reward, entropy, KL...), one panel per metric (Fig. 17 style). A metric
    logged on some steps only (``kl_base``: every ``kl_metrics_every`` steps) joins the steps it has."""
    fig, axes = _grid(len(metrics), len(metrics))
    palette = colors(history, hue) if hue else {}
    for ax, metric in zip(axes.flat, metrics):
        logged = history.dropna(subset=[metric])
        if hue:
            for label, g in logged.groupby(hue, sort=False):
                ax.plot(g[x], g[metric], label=str(label), color=palette[label])
        else:
            ax.plot(logged[x], logged[metric])
        ax.set_xlabel(x)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
    if hue:
        _legend(fig, axes)
    else:
        fig.tight_layout()
    return fig
