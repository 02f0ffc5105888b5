"""The book runner and the notebooks' parameter contract."""
from __future__ import annotations

from pathlib import Path

import papermill
import pytest

from boundary_lab import book, notebook, pages
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
    ns = {"__annotations__": {"k": int, "t": float, "name": str, "flag": bool},
          "k": 3, "t": 1, "name": "x", "flag": True}
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


def test_book_lists_every_input_problem_and_exits_2_before_running_anything(tmp_path, capsys):
    from boundary_lab.cli import main

    work = tmp_path / "micro"
    runs = tmp_path / "runs.yml"
    runs.write_text(f"""runs:
  - name: world
    notebook: notebooks/micro_world.ipynb
    parameters: {{preset: tiny, workdir: "{work}"}}
  - name: eval_a
    notebook: notebooks/evaluate.ipynb
    parameters: {{model: /no/such/model/dir, benchmark: nope-bench, n: many}}
    requires: [no-such-program-xyz]
  - name: eval_b
    notebook: notebooks/evaluate.ipynb
    parameters: {{model: org/hub-id, benchmark: {tmp_path}/missing.jsonl, backend: vllm}}
    requires: ["module:no_such_module_xyz"]
  - name: counts_page
    notebook: notebooks/passk_estimator.ipynb
    parameters: {{counts: {tmp_path}/missing.csv, bogus: 1}}
  - name: world_b
    notebook: notebooks/micro_world.ipynb
    parameters: {{preset: huge}}
  - name: gone
    notebook: notebooks/no_such_page.ipynb
""")
    assert main(["book", "--runs", str(runs), "--no-html"]) == 2
    err = capsys.readouterr().err
    for expected in ["eval_a: parameter n: expected int, got 'many'", "unknown benchmark 'nope-bench'",
                     "model directory '/no/such/model/dir' not found", "needs the program 'no-such-program-xyz'",
                     "missing.jsonl' not found", "needs the Python module 'no_such_module_xyz'",
                     "has no parameter(s) ['bogus']", "missing.csv' not found", "preset 'huge' unknown",
                     "notebook 'notebooks/no_such_page.ipynb' does not exist"]:
        assert expected in err, expected
    assert not work.exists()  # the valid first run never started: nothing was trained


def test_book_check_passes_on_the_shipped_runs_files():
    from boundary_lab.cli import main

    assert main(["book", "--check"]) in (0, 2)  # 2 only where bwrap or vllm is missing:
    problems = book.preflight(book.load_runs())
    assert all("bubblewrap" in p or "vLLM" in p for p in problems), problems


def test_fold_parameters_shows_one_cell_with_the_values_that_ran():
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('n: int = 256  # samples per problem\nmodel: str = "a"  # the model'),
        nbformat.v4.new_code_cell('# Parameters\nn = 8\n'),
    ])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells[1].metadata["tags"] = ["injected-parameters"]
    book.fold_parameters(nb)
    assert len(nb.cells) == 1
    assert nb.cells[0].source == 'n: int = 8  # samples per problem\nmodel: str = "a"  # the model'


def test_shards_split_the_runs_without_overlap():
    runs = [book.Run(str(i), "x") for i in range(7)]
    parts = [book.shard_runs(runs, f"{i}/3") for i in range(3)]
    assert sorted(r.name for p in parts for r in p) == sorted(r.name for r in runs)
    with pytest.raises(InputError, match="shard"):
        book.shard_runs(runs, "3/3")


def test_status_shows_where_each_benchmark_result_came_from(tmp_path):
    import json

    (tmp_path / "a.json").write_text(json.dumps({"date": "2026-11-29", "machine": {"platform": "Linux-x", "cpus": 2},
                                                 "commit": "abc123", "speed": 1.5}))
    (tmp_path / "b.json").write_text(json.dumps({"speed": 2.0}))
    prov = pages.benchmark_provenance(tmp_path).set_index("result")
    assert prov.loc["a", ["date", "machine", "commit"]].tolist() == ["2026-11-29", "Linux-x, 2 CPUs", "abc123"]
    assert prov.loc["b", ["date", "machine", "commit"]].tolist() == ["unknown"] * 3
    assert prov.loc["b", "file last committed"].startswith("unknown")  # not in git


def test_toc_leaves_out_unexecuted_pages_and_lists_the_gpu_runs(tmp_path):
    import yaml

    (tmp_path / "gpu").mkdir()
    parsed = book.load_runs_file(book.GPU_RUNS_FILE)
    toc = yaml.safe_load(book.write_toc(parsed, executed=tmp_path, log=lambda _: None).read_text())
    files = [c["file"] for p in toc["parts"] for c in p["chapters"]]
    assert "book/executed/gpu_index" in files and "book/methods" in files
    text = (tmp_path / "gpu_index.md").read_text()
    assert "**0 of 36 runs have results in this build.**" in text
    assert text.count("no results") == 36 + 1  # every cell, and the legend


def test_tiny_preset_shrinks_every_micro_page_and_samples_the_evaluate_page_with_hf():
    from boundary_lab.commands.book import TINY_N, _with_preset

    runs = {r.name: r for r in _with_preset(book.load_runs(), "tiny")}
    assert runs["micro_world"].parameters["preset"] == "tiny"
    ev = runs["evaluate"].parameters
    assert ev["micro_preset"] == "tiny" and ev["n"] == TINY_N and ev["backend"] == "hf"
    default = {r.name: r for r in book.load_runs()}
    assert default["evaluate"].parameters["backend"] == "vllm"  # the default book samples through vLLM


def test_main_pages_run_in_the_narrowing_regime_and_the_contrast_keeps_todays_world(monkeypatch):
    # Issue 11: the narrowing regime drives the main pages; today's world stays as the contrast.
    from boundary_lab.micro.config import MicroConfig
    from boundary_lab.micro.regimes import regime_of

    monkeypatch.chdir(ROOT)  # runs execute in the repository root; config paths are relative to it
    regimes = {run.name: regime_of(MicroConfig.preset("default", config=run.parameters.get("config") or None))
               for run in book.load_runs() if "preset" in run.parameters}
    for name in ("base_vs_rl", "training_steps", "histograms", "coverage", "algorithms", "remedies", "intro"):
        assert regimes[name] == "narrowing", name
    for name in ("micro_world", "perplexity", "distillation"):
        assert regimes[name] == "contrast", name
