"""scripts/check_pages.py fails on what a reader would see broken, in a real headless Chromium.

A small site of hand-written pages stands in for the book: one clean page and one page per fault.
The only request off the site goes to the loopback address (nothing leaves the machine).
"""
from __future__ import annotations

import base64
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSER = shutil.which("chromium")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Debian's chromium is not installed (apt-get install chromium)")

# a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
                       "awAAAABJRU5ErkJggg==")


def _load():
    spec = importlib.util.spec_from_file_location("check_pages", ROOT / "scripts" / "check_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body><article>{body}</article></body></html>"


def test_check_pages_passes_a_clean_page_and_names_every_fault(tmp_path, capsys):
    site = tmp_path / "html"
    site.mkdir()
    (site / "fig.png").write_bytes(PNG)
    (site / "index.html").write_text(_page('<p>fine</p><div class="cell_output"><img src="fig.png"></div>'))
    (site / "console.html").write_text(_page("<script>console.error('boom from the page')</script>"))
    (site / "broken.html").write_text(_page('<div class="cell_output"><img src="missing.png"></div>'))
    (site / "external.html").write_text(_page('<img src="http://127.0.0.1:9/tracker.png">'))
    shots = tmp_path / "shots"
    code = _load().main([str(site), "--screenshots", str(shots), "--browser", BROWSER])
    out = capsys.readouterr().out
    assert code == 1
    assert "ok   index.html" in out
    assert "console error: boom from the page" in out
    assert "image does not load: missing.png" in out
    assert "external request: http://127.0.0.1:9/tracker.png" in out
    assert "1 passed, 3 failed" in out
    assert sorted(p.name for p in shots.glob("*.png")) == ["broken.png", "console.png", "external.png", "index.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in shots.glob("*.png"))


def test_check_pages_without_a_build_exits_2(tmp_path, capsys):
    assert _load().main([str(tmp_path), "--browser", BROWSER]) == 2
    assert "no built book" in capsys.readouterr().err


def _figure(path: Path, colours: list[str]) -> None:
    """A line plot with one thick line per colour, saved as PNG (what a notebook's figure is)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    for i, colour in enumerate(colours):
        ax.plot([0, 1, 2, 3], [i, i + 1, i + 0.5, i + 2], color=colour, lw=3, marker="o", label=f"model {i}")
    ax.legend()
    fig.savefig(path)
    plt.close(fig)


WIDE_ROW = "<tr>" + "".join(f"<td>column_{i}_with_a_long_value</td>" for i in range(14)) + "</tr>"
PHONE_ROW = "<tr>" + "".join(f"<td>value_with_text_{i}</td>" for i in range(6)) + "</tr>"  # ~800 px wide
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'  # as every book page has


def test_the_new_checks_fail_on_a_clipped_table_a_log_line_indistinct_colours_and_a_bad_download(tmp_path, capsys):
    """(page, planted fault, the line check_pages must print): each new check fails on its planted page,
    and a page with the same content done right passes."""
    site = tmp_path / "html"
    (site / "_sources").mkdir(parents=True)
    (site / "_sources" / "page.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                                "nbformat_minor": 5}))
    (site / "_sources" / "broken.ipynb").write_text("<html>404</html>")
    _figure(site / "distinct.png", ["#1f77b4", "#d62728", "#2ca02c"])
    _figure(site / "reds.png", ["#d62728", "#da3c3d", "#df5051"])  # tints of one red: ΔE < 15 apart
    css = "<style>article{width:900px} .scroll{overflow-x:auto} .cut{overflow:hidden}</style>"
    clean = (css + '<div class="scroll"><table>' + WIDE_ROW + "</table></div>"
             '<a href="_sources/page.ipynb">.ipynb</a>'
             '<div class="cell_output"><div class="output text_plain"><pre>pass@1 0.25</pre></div>'
             '<img src="distinct.png"></div>')
    planted = {
        "clipped.html": (css + '<div class="cut"><table>' + WIDE_ROW + "</table></div>", "clipped at 1280 px: table"),
        "phone.html": (css.replace("width:900px", "max-width:900px") + "<table>" + PHONE_ROW + "</table>",
                       "clipped at 390 px: table"),
        "log.html": ('<div class="cell_output"><div class="output stderr"><pre>/x.py:3: RuntimeWarning: invalid value'
                     "</pre></div></div>", "raw log output: /x.py:3: RuntimeWarning: invalid value"),
        "stdout_log.html": ('<div class="cell_output"><div class="output stream"><pre>micro-world ready\n'
                            "[INFO] 3 stages run</pre></div></div>", "raw log output: [INFO] 3 stages run"),
        "colours.html": ('<div class="cell_output"><img src="reds.png"></div>', "figure colours not distinct"),
        "download.html": ('<a href="_sources/broken.ipynb">.ipynb</a>', "download does not return a notebook"),
    }
    (site / "index.html").write_text(_page(clean))
    for name, (body, _) in planted.items():
        (site / name).write_text(_page(body, head=VIEWPORT))
    code = _load().main([str(site), "--screenshots", str(tmp_path / "shots"), "--browser", BROWSER])
    out = capsys.readouterr().out
    assert code == 1
    assert "ok   index.html" in out, out
    blocks = {b.split(":")[0].split()[-1]: b for b in out.split("\n") if b.startswith(("ok", "FAIL"))}
    for name, (_, expected) in planted.items():
        assert blocks[name].startswith("FAIL"), (name, out)
        section = out.split(name, 1)[1].split("\nFAIL", 1)[0].split("\nok ", 1)[0]
        assert expected in section, (name, expected, out)
    assert f"1 passed, {len(planted)} failed" in out


def test_indistinct_colours_names_near_identical_reds_and_passes_distinct_hues(tmp_path):
    module = _load()
    _figure(tmp_path / "reds.png", ["#d62728", "#da3c3d", "#df5051"])
    _figure(tmp_path / "palette.png", ["#1f77b4", "#d62728", "#ff7f0e", "#9467bd"])
    assert module.indistinct_colours(tmp_path / "reds.png")
    assert module.indistinct_colours(tmp_path / "palette.png") == []
