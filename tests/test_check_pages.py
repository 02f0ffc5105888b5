"""scripts/check_pages.py fails on what a reader would see broken, in a real headless Chromium.

A small site of hand-written pages stands in for the book: one clean page and one page per fault.
The only request off the site goes to the loopback address (nothing leaves the machine).
"""
from __future__ import annotations

import base64
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSER = shutil.which("chromium")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="Debian's chromium is not installed (apt-get install chromium)")

# a 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def _load():
    spec = importlib.util.spec_from_file_location("check_pages", ROOT / "scripts" / "check_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body><article>{body}</article></body></html>"


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
