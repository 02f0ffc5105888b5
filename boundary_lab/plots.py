"""Figures that mirror the paper's. Each takes a tidy DataFrame and returns a Figure.

>>> import pandas as pd
>>> df = pd.DataFrame({"model": ["base", "base"], "k": [1, 2], "pass_at_k": [.2, .3], "low": [.1, .2],
...                    "high": [.3, .4]})
>>> fig = passk_curves(df)
>>> len(fig.axes)
1
"""
from __future__ import annotations

# No matplotlib.use("Agg") here: forcing it in a Jupyter kernel replaces the inline backend and
# executed notebooks lose every figure. Headless scripts fall back to Agg by themselves.
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .passk import HISTOGRAM_LABELS  # noqa: E402

# One colour per model, the same on every page, from the model's description (the columns of
# ``res.models``: kind, algorithm, remedy, split, step), never from its label. Hues are distinct:
# every pair of the colours below is at least 24 apart in CIE76 ΔE (tests/test_plots.py checks it).
PALETTE = {"base": "#1f77b4", "rl": "#d62728", "distilled": "#2ca02c", "teacher": "#2f4f4f", "instruct": "#000000",
           "guess": "#7f7f7f"}
ALGORITHM_COLORS = {"grpo": "#d62728", "ppo": "#ff7f0e", "rloo": "#9467bd", "reinforce_pp": "#8c564b",
                    "remax": "#e377c2", "dapo": "#bcbd22"}
REMEDY_COLORS = {"entropy": "#17becf", "entropy_bonus": "#393b79", "kl_reset": "#e6ab02", "pass_at_k": "#7b4173",
                 "nsr": "#637939", "more_rollouts": "#a6761d"}
DISTINCT = 15.0  # ΔE below which two series' colours are called indistinct (a just-noticeable ΔE is ~2.3)
WIDTH = 9.0  # inches: the book's content width at the inline dpi, so labels print at their set size
MARKERS = "osD^vP*X"
DESCRIBED = ("kind", "algorithm", "remedy", "split", "step")


def lab(color) -> np.ndarray:
    """CIE L*a*b* (D65) of a matplotlib colour.

    >>> [round(float(v)) for v in lab("#ffffff")]
    [100, 0, 0]
    """
    rgb = np.array(mcolors.to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = [np.cbrt(t) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz / np.array([0.95047, 1.0, 1.08883])]
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a, b) -> float:
    """CIE76 colour difference of two colours (0: the same; under ~15: easily confused in a legend).

    >>> round(delta_e("#d62728", "#d62728"), 1), delta_e("#1f77b4", "#d62728") > 50
    (0.0, True)
    """
    return float(np.linalg.norm(lab(a) - lab(b)))


def _mix(color, white: float = 0.0, black: float = 0.0) -> tuple:
    rgb = np.array(mcolors.to_rgb(color))
    return tuple(float(v) for v in np.clip(rgb * (1 - white - black) + white, 0, 1))


def model_color(kind=None, algorithm=None, remedy=None, split=None) -> tuple:
    """The colour of a model from its description: its remedy's, else (for RL) its algorithm's, else its kind's;
    a model trained without tier B (``split="noB"``) is a darker shade of the same hue.

    >>> model_color("rl", "ppo") == mcolors.to_rgb(ALGORITHM_COLORS["ppo"])
    True
    >>> delta_e(model_color("rl", "grpo"), model_color("rl", "grpo", split="noB")) > DISTINCT
    True
    """
    def given(v):
        return isinstance(v, str) and v not in ("", "none", "nan")

    if given(remedy) and remedy in REMEDY_COLORS:
        base = REMEDY_COLORS[remedy]
    elif kind == "rl" and given(algorithm) and algorithm in ALGORITHM_COLORS:
        base = ALGORITHM_COLORS[algorithm]
    else:
        base = PALETTE.get(kind, "#555555")
    return _mix(base, black=0.45) if split == "noB" else tuple(mcolors.to_rgb(base))


def colors(frame: pd.DataFrame, hue: str = "model", models: pd.DataFrame | None = None) -> dict:
    """Colour of each ``hue`` value. Models are described by ``models`` (``res.models``: one row per
    label, with kind, algorithm, remedy, split, step) or by those columns of ``frame``; earlier
    checkpoints of one run are lighter shades (ΔE > 15 apart; the last step has the run's colour).
    Values with no description take tab10 colours in order.

    >>> m = pd.DataFrame({"model": ["base", "grpo@1", "grpo@2", "ppo@2"], "kind": ["base", "rl", "rl", "rl"],
    ...                   "algorithm": ["", "grpo", "grpo", "ppo"], "step": [0, 1, 2, 2]})
    >>> c = colors(m)
    >>> c["grpo@2"] == mcolors.to_rgb("#d62728"), c["ppo@2"] == mcolors.to_rgb("#ff7f0e")
    (True, True)
    >>> delta_e(c["grpo@1"], c["grpo@2"]) > DISTINCT
    True
    """
    labels = list(dict.fromkeys(frame[hue]))
    source = models if models is not None and "model" in models else (frame if hue == "model" else None)
    desc = {}
    if source is not None and "kind" in source:
        cols = [c for c in DESCRIBED if c in source]
        desc = {row["model"]: row for row in source[["model", *cols]].drop_duplicates("model").to_dict("records")}
    elif "kind" in frame:
        desc = {label: {"kind": kind} for label, kind in zip(frame[hue], frame["kind"])}
    out, runs = {}, {}
    for label in labels:
        d = desc.get(label)
        if d is None or d.get("kind") not in PALETTE:
            continue
        key = (d.get("kind"), d.get("algorithm"), d.get("remedy"), d.get("split"))
        out[label] = model_color(*key)
        runs.setdefault(key, []).append((d.get("step"), label))
    for run in runs.values():  # checkpoints of one run: lighter for earlier steps
        steps = sorted(run, key=lambda t: (t[0] is None or t[0] != t[0], t[0] if t[0] == t[0] else 0))
        for j, (_, label) in enumerate(reversed(steps)):
            if j:
                out[label] = _mix(out[label], white=min(0.7, 0.35 * j))
    tab = iter(sns.color_palette("tab10"))
    for label in labels:
        if label not in out:
            out[label] = next(tab, "#555555")
    return out


def line_styles(frame: pd.DataFrame, hue: str = "model", models: pd.DataFrame | None = None) -> dict:
    """Dashed for a model trained without tier B (split noB), solid otherwise."""
    source = models if models is not None and "split" in models else (frame if "split" in frame else None)
    split = dict(zip(source["model"], source["split"])) if source is not None and "model" in source else {}
    return {label: "--" if split.get(label) == "noB" else "-" for label in dict.fromkeys(frame[hue])}


def integer_ticks(axis) -> None:
    """Tick labels as plain integers (k = 1, 2, 4, ... 1024; counts of problems), never 3.0 or 2^10."""
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 and v == round(v) else ""))
    axis.set_minor_formatter(mticker.NullFormatter())


def label_color(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (WCAG relative luminance).

    >>> label_color("#67000d"), label_color("#fff5f0")
    ('white', 'black')
    """
    rgb = np.array(mcolors.to_rgb(rgba))
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ np.array([0.2126, 0.7152, 0.0722]))
    return "white" if (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05) else "black"


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, title: str | None = None, fmt: str = "{:.3g}",
            cmap: str = "RdBu_r") -> plt.Figure:
    """A value over a grid of two settings, each cell labelled in the colour that reads on it
    (``label_color``); a diverging map centred on 0 where the value takes both signs."""
    grid = frame.pivot_table(index=y, columns=x, values=value, aggfunc="mean").sort_index(ascending=False)
    fig, ax = plt.subplots(figsize=(min(WIDTH, 2 + 1.6 * grid.shape[1]), 1.2 + 0.9 * grid.shape[0]))
    vals = grid.to_numpy(dtype=float)
    span = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
    lo, hi = (-span, span) if np.nanmin(vals) < 0 < np.nanmax(vals) else (np.nanmin(vals), np.nanmax(vals))
    mesh = ax.imshow(vals, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1, aspect="auto")
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=10, color=label_color(mesh.to_rgba(v)))
    ax.set_xticks(range(grid.shape[1]), [f"{c:g}" if isinstance(c, float) else str(c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{r:g}" if isinstance(r, float) else str(r) for r in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(mesh, ax=ax, label=value)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


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
                 title: str | None = None, ncols: int = 3, value: str = "pass_at_k",
                 models: pd.DataFrame | None = None) -> plt.Figure:
    """pass@k against log2 k with bootstrap bands, one panel per value of ``panel`` (paper Fig. 2).

    ``guess`` (columns ``k``, ``pass_at_k``) draws the random-guessing baseline as a dashed line.
    ``models`` (``res.models``) describes the models, so each keeps its colour on every page.
    """
    panels = list(dict.fromkeys(curves[panel])) if panel else [None]
    fig, axes = _grid(len(panels), ncols)
    palette, styles = colors(curves, hue, models), line_styles(curves, hue, models)
    for ax, name in zip(axes.flat, panels):
        sub = curves if name is None else curves[curves[panel] == name]
        for i, (label, g) in enumerate(sub.groupby(hue, sort=False)):
            ax.plot(g["k"], g[value], marker=MARKERS[i % len(MARKERS)], ms=3, label=str(label), color=palette[label],
                    ls=styles.get(label, "-"))
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
        integer_ticks(ax.xaxis)
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


def accuracy_histograms(hist: pd.DataFrame, hue: str = "model", panel: str | None = None, ncols: int = 3,
                        models: pd.DataFrame | None = None) -> plt.Figure:
    """Per-problem accuracy histograms with the paper's bins (Fig. 5, 13).

    ``hist`` has columns ``bin`` (0..10), ``count`` and the ``hue``/``panel`` columns.
    """
    panels = list(dict.fromkeys(hist[panel])) if panel else [None]
    fig, axes = _grid(len(panels), ncols, height=3.2)
    palette = colors(hist, hue, models)
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
        ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
        if name is not None:
            ax.set_title(f"{panel} {name}")
    _legend(fig, axes)
    return fig


def coverage_bars(coverage: pd.DataFrame, by: str | None = None) -> plt.Figure:
    """Stacked horizontal bars of both / base only / RL only / neither per model (and group of ``by``):
    the paper's Tables 4, 5 as a picture."""
    parts = ["both", "base_only", "compared_only", "neither"]
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
    """Perplexity of responses under a scoring model (Fig. 6): one box per response source.

    Perplexities span orders of magnitude (one response the scorer finds unlikely can sit at 60
    while the boxes sit near 1.5), so the y axis is logarithmic whenever the largest value is more
    than 10 times the smallest; every point is still drawn."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    values = pd.to_numeric(ppl[y], errors="coerce")
    log = bool(values.gt(0).all() and values.max() > 10 * values.min())
    sns.boxplot(data=ppl, x=x, y=y, ax=ax, showfliers=False, color="#c6dbef", log_scale=log or None)
    sns.stripplot(data=ppl, x=x, y=y, ax=ax, size=2, color="black", alpha=0.3)
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_ylabel(f"{y} (log scale)")
    ax.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    return fig


def metric_lines(history: pd.DataFrame, x: str, metrics: list[str], hue: str | None = None,
                 models: pd.DataFrame | None = None) -> plt.Figure:
    """Training curves (reward, entropy, KL...), one panel per metric (Fig. 17 style). A metric
    logged on some steps only (``kl_base``: every ``kl_metrics_every`` steps) joins the steps it has."""
    fig, axes = _grid(len(metrics), len(metrics))
    palette = colors(history, hue, models) if hue else {}
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


def phase_map(cells: pd.DataFrame, x: str, y: str, value: str = "coverage change", title: str | None = None):
    """A phase diagram (``tables.grid_tables``' cells): one value over two axes, each cell annotated with
    its value and, for the coverage change, its seed-aware 95% interval (seeds and problems resampled)."""
    xs, ys = sorted(cells[x].unique()), sorted(cells[y].unique())
    grid = np.full((len(ys), len(xs)), np.nan)
    fig, ax = plt.subplots(figsize=(1.8 + 1.6 * len(xs), 1.2 + 1.0 * len(ys)))
    for row in cells.to_dict("records"):
        grid[ys.index(row[y]), xs.index(row[x])] = row[value]
    frame = cells.set_index([y, x])
    bound = max(1e-9, float(np.nanmax(np.abs(grid))))
    im = ax.imshow(grid, cmap="RdBu_r", vmin=-bound, vmax=bound, origin="lower", aspect="auto")
    for i, y_value in enumerate(ys):
        for j, x_value in enumerate(xs):
            cell = frame.loc[(y_value, x_value)]
            text = f"{cell[value]:.2f}" if abs(cell[value]) < 1 and value != "coverage change" else f"{cell[value]:.1f}"
            if value == "coverage change":
                text += f"\n[{cell['seed_ci_low']:.1f}, {cell['seed_ci_high']:.1f}]"
            ax.text(j, i, text, ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(im, ax=ax, label=value)
    ax.set_title(title or value)
    fig.tight_layout()
    return fig


def careful_shares(shares: pd.DataFrame):
    """Careful share against RL step (0 = base), one panel per regime, one line per chain length
    (``tables.share_per_checkpoint``)."""
    regimes = list(dict.fromkeys(shares["regime"]))
    fig, axes = plt.subplots(1, len(regimes), figsize=(4.2 * len(regimes), 3.2), squeeze=False)
    for ax, name in zip(axes.flat, regimes):
        for length, g in shares[shares["regime"] == name].groupby("length", sort=True):
            ax.plot(g["step"], g["careful share"].clip(lower=1e-4), marker="o", ms=3,
                    label=f"length {length}" if length != "all" else "all lengths",
                    lw=2.5 if length == "all" else 1.2)
        ax.set_yscale("log")
        ax.set_ylim(5e-5, 1.5)
        ax.set_xlabel("RL step (0 = base)")
        ax.set_ylabel("careful share (log)")
        ax.set_title(f"{name} regime")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def seed_spread(per_seed: pd.DataFrame, intervals: pd.DataFrame, own: pd.DataFrame | None = None) -> plt.Figure:
    """The multi-seed study: base - RL at k_max per seed (dots) with the seed-aware 95% interval (bar),
    and base_only per seed; ``own`` (columns regime, base - rl at k_max, base_only) marks the page's run."""
    regimes = list(dict.fromkeys(per_seed["regime"]))
    if own is not None and "base - rl at k_max" not in own:
        own = own.assign(**{"base - rl at k_max": own["base pass@kmax"] - own["rl pass@kmax"]})
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.5 + 0.55 * len(regimes) + 1.2), sharey=True)
    ypos = {r: i for i, r in enumerate(regimes)}
    k_max = int(per_seed["k_max"].iloc[0])
    both = intervals[(intervals["k"] == k_max) & intervals["conditions_on"].str.startswith("nothing")]
    for r, row in both.set_index("regime").iterrows():
        axes[0].plot([row["ci_low"], row["ci_high"]], [ypos[r]] * 2, color="0.55", lw=5, alpha=0.5,
                     solid_capstyle="butt", label="seed-aware 95% interval" if ypos[r] == 0 else None)
    jitter = np.linspace(-0.15, 0.15, per_seed["seed"].nunique())
    order = {s: i for i, s in enumerate(sorted(per_seed["seed"].unique()))}
    for col, ax in zip(("base - rl at k_max", "base_only"), axes):
        ys = [ypos[r] + jitter[order[s]] for r, s in zip(per_seed["regime"], per_seed["seed"])]
        # markers without anti-aliasing: few, small dots would otherwise leave rings of near-identical shades
        ax.plot(per_seed[col], ys, "o", ms=5.5, color="#1f5fbf", zorder=3, label="one seed (committed study)",
                antialiased=False)
        if own is not None and not own.empty:
            ax.plot(own[col], [ypos[r] for r in own["regime"]], "*", ms=10, color="#d4730b", zorder=4,
                    label="this page's run", antialiased=False)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(regimes)), regimes)
    axes[0].invert_yaxis()
    axes[0].set_xlabel(f"base - RL, pass@{k_max}")
    axes[1].set_xlabel(f"problems only the base solves (of {int(per_seed['problems'].iloc[0])})")
    axes[1].xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    axes[0].legend(loc="lower right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def mix_quadrant(mix: pd.DataFrame) -> plt.Figure:
    """Each seed of each regime on one mixed benchmark: RL - base pass@1 (x) against RL - base share of
    problems solved at k_max (y). The paper's pattern is the lower right: pass@1 up, coverage down."""
    seeds = mix[mix["seed"] != "all"]
    regimes = list(dict.fromkeys(mix["regime"]))
    palette = dict(zip(regimes, sns.color_palette("colorblind", len(regimes))))
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for r in regimes:
        sub = seeds[seeds["regime"] == r]
        ax.plot(sub["pass@1 change"], sub["solved share change"], "o", ms=6, color=palette[r], label=r, zorder=3,
                antialiased=False)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("RL - base pass@1")
    ax.set_ylabel("RL - base share solved at k_max")
    ax.text(0.98, 0.03, "the paper's pattern", transform=ax.transAxes, ha="right", va="bottom", color="0.35")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def forecast_curves(table: pd.DataFrame, title: str = "forecast from a few samples vs the exact curve of all of them"):
    """One panel per model: the exact pass@k of all samples (black) and each fit size's forecast band
    (a :func:`boundary_lab.forecast.versus_truth` frame)."""
    models = list(dict.fromkeys(table["model"]))
    if not models:  # every fit size is at least the samples there are: nothing to forecast
        fig, ax = plt.subplots(figsize=(5, 1))
        ax.set_axis_off()
        return fig
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 3.6), sharey=True, squeeze=False)
    for ax, model in zip(axes[0], models):
        sub = table[table["model"] == model]
        for f, part in sub.groupby("fit_on"):
            line, = ax.plot(part["k"], part["forecast"], label=f"forecast from n = {f}")
            ax.fill_between(part["k"], part["low"], part["high"], color=line.get_color(), alpha=0.15)
            ax.axvline(f, color=line.get_color(), lw=0.6, ls=":")
        truth = sub.drop_duplicates("k").dropna(subset=["truth"])
        ax.plot(truth["k"], truth["truth"], color="black", lw=2, label=f"exact, n = {int(truth['k'].max())}")
        ax.set_xscale("log", base=2)
        ax.set_title(model)
        ax.set_xlabel("k")
    axes[0][0].set_ylabel("pass@k")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def perplexity_panels(ppl: pd.DataFrame, panel: str = "world", x: str = "responses", y: str = "ppl") -> plt.Figure:
    """:func:`perplexity_boxes` side by side, one panel per value of ``panel`` (paper Fig. 6 in each world),
    sharing a y axis: logarithmic when the largest value is more than 10 times the smallest."""
    names = list(dict.fromkeys(ppl[panel]))
    fig, axes = plt.subplots(1, len(names), figsize=(WIDTH, 3.8), sharey=True, squeeze=False)
    values = pd.to_numeric(ppl[y], errors="coerce")
    log = bool(values.gt(0).all() and values.max() > 10 * values.min())
    for ax, name in zip(axes.flat, names):
        sub = ppl[ppl[panel] == name]
        sns.boxplot(data=sub, x=x, y=y, ax=ax, showfliers=False, color="#c6dbef", log_scale=log or None)
        sns.stripplot(data=sub, x=x, y=y, ax=ax, size=2, color="black", alpha=0.3)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_title(str(name))
        ax.set_xlabel("")
        ax.tick_params(axis="x", rotation=30, labelsize=8)
    axes.flat[0].set_ylabel(f"{y} (log scale)" if log else y)
    fig.tight_layout()
    return fig
