"""``boundary-lab book --jobs N``: independent runs execute at once, a run waits for its ``after`` runs."""
from __future__ import annotations

import json

import nbformat
import pytest

from boundary_lab import book
from boundary_lab.errors import InputError

# Each page writes when it starts; the first two each wait for the other's start, so they pass only
# when they run at the same time (sequentially the first one would time out and fail).
PAGE = """
import pathlib, time
d = pathlib.Path({dir!r})
(d / "{name}.start").write_text(str(time.time()))
others = [d / f"{{o}}.start" for o in {other!r}.split(",") if o]
deadline = time.time() + 240
while not all(o.exists() for o in others):
    assert time.time() < deadline, "another page never started: runs did not execute in parallel"
    time.sleep(0.05)
(d / "{name}.end").write_text(str(time.time()))
"""


def _page(tmp_path, name: str, other: str = "") -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PAGE.format(dir=str(tmp_path), name=name,
                                                                                 other=other))])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return str(path)


def test_jobs_run_independent_pages_together_and_respect_after(tmp_path):
    runs = [book.Run("a", _page(tmp_path, "a", "b")), book.Run("b", _page(tmp_path, "b", "a")),
            book.Run("c", _page(tmp_path, "c"), after=("*",))]
    out = tmp_path / "executed"
    timings = book.execute(runs, out_dir=out, log=lambda _: None, jobs=2)
    assert set(timings) == {"a", "b", "c"}
    t = {f.name: float(f.read_text()) for f in tmp_path.glob("*.st*")} | {
        f.name: float(f.read_text()) for f in tmp_path.glob("*.end")}
    assert t["c.start"] >= max(t["a.end"], t["b.end"])
    assert json.loads((out / "timings.json").read_text()).keys() == {"a", "b", "c"}
    assert all((out / f"{n}.ipynb").exists() and not (out / f"{n}.partial.ipynb").exists() for n in "abc")


def test_after_names_a_listed_run(tmp_path):
    runs = tmp_path / "runs.yml"
    runs.write_text("runs:\n  - {name: status, notebook: notebooks/status.ipynb, after: [nope]}\n")
    with pytest.raises(InputError, match="after: no run named 'nope'"):
        book.load_runs_file(runs)


def test_book_scale_parameters_are_checked_and_apply_only_without_a_preset(tmp_path):
    runs = tmp_path / "runs.yml"
    runs.write_text("runs:\n  - {name: status, notebook: notebooks/status.ipynb, book_scale: {nope: 1}}\n")
    with pytest.raises(InputError, match=r"has no parameter\(s\) \['nope'\]"):
        book.load_runs_file(runs)
    parsed = book.load_runs_file(book.RUNS_FILE)
    scaled = {r.name: r for r in book.at_book_scale(parsed.runs) if r.book_scale}
    assert scaled and all(r.parameters["config"] == r.book_scale["config"] for r in scaled.values())
    from boundary_lab.commands.book import _with_preset

    tiny = {r.name: r for r in _with_preset(parsed.runs, "tiny")}
    own = {r.name: r.parameters for r in parsed.runs}
    assert all(tiny[name].parameters.get("config") == own[name].get("config") for name in scaled)
    assert all(tiny[name].parameters["preset"] == "tiny" for name in scaled)


def _cell_page(tmp_path, name: str, code: str) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return str(path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_keep_going_runs_the_others_and_a_failed_page_leaves_nothing_behind(tmp_path, jobs):
    bad = book.Run("bad", _cell_page(tmp_path, "bad", "raise ValueError('the model is not on this host')"))
    good = book.Run("good", _cell_page(tmp_path, "good", "x = 1"))
    out = tmp_path / "executed"
    with pytest.raises(Exception, match="not on this host"):  # the default: the first failure stops the build
        book.execute([bad, good], out_dir=out, log=lambda _: None, jobs=1)
    assert not (out / "good.ipynb").exists() and not list(out.glob("*.ipynb"))  # no partial page either
    logs = []
    with pytest.raises(book.RunsFailed) as info:
        book.execute([bad, good], out_dir=out, log=logs.append, jobs=jobs, keep_going=True)
    assert info.value.failures == {"bad": "ValueError: the model is not on this host"}
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["good.ipynb"]
    assert any(line == "[book] bad: failed: ValueError: the model is not on this host" for line in logs)


def test_runs_sharing_a_store_never_run_at_once(tmp_path):
    code = ("import pathlib, time; d = pathlib.Path({d!r}); (d / '{n}.start').write_text(str(time.time())); "
            "time.sleep(2); (d / '{n}.end').write_text(str(time.time()))")
    runs = [book.Run(name, _cell_page(tmp_path, name, code.format(d=str(tmp_path), n=name)),
                     {"model": f"org/{name}", "baseline": "Qwen/Qwen2.5-32B", "benchmark": "gsm8k", "n": 128})
            for name in ("simplerl", "dapo")]
    assert book.store_keys(runs[0]) & book.store_keys(runs[1])  # both sample the base model's gsm8k store
    book.execute(runs, out_dir=tmp_path / "executed", log=lambda _: None, jobs=2)
    t = {f.name: float(f.read_text()) for f in tmp_path.glob("*.start")} | {
        f.name: float(f.read_text()) for f in tmp_path.glob("*.end")}
    assert t["dapo.start"] >= t["simplerl.end"] or t["simplerl.start"] >= t["dapo.end"]
