"""The book runner and the notebooks' parameter contract."""
from __future__ import annotations

from pathlib import Path

import papermill
import pytest

from boundary_lab import book, notebook
from boundary_lab.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_runs_file_is_valid():
    runs = book.load_runs()
    assert runs and all((ROOT / r.notebook).exists() for r in runs)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_parameter_is_typed_and_visible_to_papermill(nb):
    declared = notebook.declared_parameters(nb)
    assert declared, f"{nb.name}: parameters cell declares nothing"
    # Papermill must infer the same names (it silently drops some lines, e.g. comments with ';').
    inferred = papermill.inspect_notebook(str(nb))
    assert set(inferred) == set(declared)
    assert all(info["help"] for info in inferred.values()), "every parameter needs a comment"


@pytest.mark.parametrize("entry,message", [
    ("runs:\n  - name: a\n", "needs 'name' and 'notebook'"),
    ("runs:\n  - name: a\n    notebook: notebooks/nope.ipynb\n", "does not exist"),
    ("runs:\n  - name: a\n    notebook: notebooks/status.ipynb\n    parameters: {bogus: 1}\n", "bogus"),
    ("runs:\n  - name: a\n    notebook: notebooks/status.ipynb\n  - name: a\n    notebook: notebooks/status.ipynb\n",
     "duplicate"),
    ("runs: []\n", "no runs"),
])
def test_bad_runs_file(tmp_path, entry, message):
    path = tmp_path / "runs.yml"
    path.write_text(entry)
    with pytest.raises(InputError, match=message):
        book.load_runs(path)


def test_check_parameters_types():
    ns = {"__annotations__": {"k": int, "t": float, "name": str, "flag": bool}, "k": 3, "t": 1, "name": "x", "flag": True}
    assert notebook.check_parameters(ns)["t"] == 1
    with pytest.raises(InputError, match="parameter k"):
        notebook.check_parameters({**ns, "k": 2.5})
    with pytest.raises(InputError, match="parameter flag"):
        notebook.check_parameters({**ns, "flag": "yes"})
    with pytest.raises(InputError, match="unknown parameter"):
        notebook.check_parameters({**ns, "extra": 1})


@pytest.mark.slow
def test_execute_caches_unchanged_runs(tmp_path):
    runs = [book.Run("status", "notebooks/status.ipynb", {"results_dir": str(tmp_path)})]
    logs = []
    first = book.execute(runs, out_dir=tmp_path, log=logs.append)
    assert (tmp_path / "status.ipynb").exists() and first["status"]["seconds"] > 0
    book.execute(runs, out_dir=tmp_path, log=logs.append)
    assert logs[-1] == "[book] status: cached"
    book.execute([book.Run("status", "notebooks/status.ipynb", {"results_dir": str(ROOT)})], out_dir=tmp_path,
                 log=logs.append)
    assert logs[-1].endswith(" s")  # new parameters: executed again


@pytest.mark.slow
def test_executed_pages_keep_their_figures(tmp_path):
    # A forced non-inline matplotlib backend once left every executed page without its plots.
    import json

    counts = str(ROOT / "tests" / "data" / "counts_small.csv")
    runs = [book.Run("passk_estimator", "notebooks/passk_estimator.ipynb",
                     {"counts": counts, "n_boot": 20, "n_draws": 5, "n_choices": 47})]
    book.execute(runs, out_dir=tmp_path, log=lambda _: None)
    nb = json.loads((tmp_path / "passk_estimator.ipynb").read_text())
    figure_cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "bl.plots." in "".join(c["source"])]
    assert figure_cells
    for cell in figure_cells:
        assert any("image/png" in o.get("data", {}) for o in cell["outputs"]), "".join(cell["source"])[:80]
