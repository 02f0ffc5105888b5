"""docs/design.md's "Add a page" and "Add a figure" walk-throughs, followed as tests (issue 22).

A throwaway page is written step by step as the walk-through says, checked by the book's own
preflight and executed with Papermill; a throwaway figure is written as step 1 of "Add a figure"
says and must give a model the colour every other figure gives it. Step 3 of "Add a page" (the
smoke parameters, the runs file, the toc) is checked for every page of notebooks/.
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import papermill  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

import boundary_lab as bl  # noqa: E402
from boundary_lab import book, notebook, plots  # noqa: E402

ROOT = Path(book.__file__).resolve().parents[1]
PAGE_WIDTH = 88  # docs/design.md, "Add a page" step 1


def _throwaway_page(path: Path) -> Path:
    """Steps 1 and 2 of "Add a page", as written."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A throwaway page"),
        nbformat.v4.new_code_cell("from typing import Union\n\nimport boundary_lab as bl"),
        nbformat.v4.new_code_cell(
            'preset: str = "tiny"  # micro-world preset\n'
            "seed: int = 0  # training seed\n"
            "config: Union[dict, str] = {}  # settings by dotted name, or a YAML/JSON file\n"
            'workdir: str = "runs/micro"  # where the stages are cached',
            metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("params = bl.notebook.check_parameters(globals())"),
        nbformat.v4.new_code_cell('bl.notebook.glue_text("demo", f"seed {seed} on the {preset} preset")'),
        nbformat.v4.new_markdown_cell("This page ran {glue:text}`demo`."),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_throwaway_page_passes_the_books_checks_and_runs(tmp_path):
    page = _throwaway_page(tmp_path / "demo.ipynb")
    declared = notebook.declared_parameters(page)
    assert declared == {"preset": "str", "seed": "int", "config": "Union[dict, str]", "workdir": "str"}
    assert set(papermill.inspect_notebook(str(page))) == set(declared)  # Papermill reads the same names
    code = [line for c in nbformat.read(page, 4).cells if c.cell_type == "code" for line in c.source.splitlines()]
    assert max(map(len, code)) <= PAGE_WIDTH
    # step 3's run, read the way `boundary-lab book` reads book/runs.yml
    runs = tmp_path / "runs.yml"
    runs.write_text(yaml.safe_dump({"runs": [{"name": "demo", "notebook": str(page), "parameters": {"seed": 3}}]}))
    parsed, problems = book.check_runs_file(runs)
    assert problems == [] and book.preflight(parsed.runs) == []
    runs.write_text(runs.read_text().replace("seed: 3", "seed: three"))
    assert ["parameter seed: expected int, got 'three'" in p for p in book.check_runs_file(runs)[1]] == [True]
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(page), str(out), parameters={"seed": 3}, kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path))
    glued = [o for c in nbformat.read(out, 4).cells if c.cell_type == "code" for o in c.outputs
             if o.get("metadata", {}).get("scrapbook", {}).get("name") == "demo"]
    assert len(glued) == 1 and "seed 3 on the tiny preset" in json.dumps(glued[0]["data"])


def test_every_page_has_smoke_parameters_a_run_and_a_toc_entry():
    """Step 3: tests/notebook_params.yml, book/runs.yml (or runs-gpu.yml) and _toc.yml name every page."""
    smoke = yaml.safe_load((ROOT / "tests" / "notebook_params.yml").read_text())
    runs = yaml.safe_load((ROOT / "book" / "runs.yml").read_text())["runs"]
    toc = (ROOT / "_toc.yml").read_text()
    for page in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert page.stem in smoke, f"{page.name}: add an entry to tests/notebook_params.yml"
        names = [r["name"] for r in runs if Path(r["notebook"]).stem == page.stem]
        assert names, f"{page.name}: add a run to book/runs.yml"
        assert any(f"{key}: book/executed/{n}\n" in toc for n in names for key in ("file", "root")), \
            f"{page.name}: add it to _toc.yml"


def demo_bars(frame: pd.DataFrame, hue: str = "model", models: pd.DataFrame | None = None) -> plt.Figure:
    """Step 1 of "Add a figure": a tidy frame in, a Figure out, models coloured by plots.colors."""
    palette = plots.colors(frame, hue, models)
    fig, ax = plt.subplots()
    ax.bar(frame[hue], frame["solved"], color=[palette[m] for m in frame[hue]])
    return fig


def test_a_throwaway_figure_gives_each_model_its_colour_on_every_page():
    models = pd.DataFrame({"model": ["base", "grpo"], "kind": ["base", "rl"], "algorithm": ["", "grpo"]})
    fig = demo_bars(pd.DataFrame({"model": ["grpo", "base"], "solved": [3, 5]}), models=models)
    bars = {p.get_x(): p.get_facecolor()[:3] for p in fig.axes[0].patches}
    curves = pd.DataFrame({"model": ["base", "base", "grpo", "grpo"], "k": [1, 2, 1, 2],
                           "pass_at_k": [0.2, 0.3, 0.4, 0.45]})
    lines = {ln.get_label(): matplotlib.colors.to_rgb(ln.get_color())
             for ln in plots.passk_curves(curves, models=models).axes[0].lines}
    assert [bars[x] for x in sorted(bars)] == [pytest.approx(lines["grpo"]), pytest.approx(lines["base"])]
    assert lines["grpo"] != pytest.approx(lines["base"])
    plt.close("all")
    assert bl.plots is plots  # step 3 calls it as bl.plots.<name>
