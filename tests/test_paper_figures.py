"""The list of the paper's figures (boundary_lab/paper_figures.py) against the book it points to."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from boundary_lab import paper_figures as pf

ROOT = Path(__file__).resolve().parents[1]


def _toc_files() -> set[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return {ch["file"] for part in toc["parts"] for ch in part["chapters"]} | {toc["root"]}


def _notebook_text(page: str) -> str:
    cells = json.loads((ROOT / "notebooks" / f"{page}.ipynb").read_text())["cells"]
    return " ".join("".join(c["source"]) for c in cells)


def _first_citation(figure: str) -> re.Pattern:
    """The row's first figure as a page cites it: 'Fig. 17' also matches 'Figs. 16 and 17'."""
    head = figure.split(",")[0].strip()
    match = re.fullmatch(r"(Fig|Table)\.? ([0-9]+)(?: .*)?", head)
    if match is None:
        return re.compile(re.escape(head))
    kind, num = match.groups()
    prefix = r"Figs?\. " if kind == "Fig" else r"Tables? "
    return re.compile(prefix + r"(?:[0-9]+(?:, | and |–))*" + num + r"\b")


def _numbers(cell: str) -> set[str]:
    """Figure and table numbers in a cell: 'Fig. 2, 9–12, Table 5' -> {F2, F9, F10, F11, F12, T5}."""
    out, kind = set(), None
    for token in re.findall(r"Figs?\.|Table|[0-9]+–[0-9]+|[0-9]+(?:\.[0-9]+)?", cell):
        if token.startswith("Fig"):
            kind = "F"
        elif token == "Table":
            kind = "T"
        elif "–" in token:
            lo, hi = map(int, token.split("–"))
            out |= {f"{kind}{i}" for i in range(lo, hi + 1)}
        elif "." not in token:
            out.add(f"{kind}{token}")
    return out


def test_every_page_named_is_in_the_table_of_contents():
    files = _toc_files()
    named = [row for row in pf.FIGURES if row.page != pf.NO_PAGE]
    assert named
    for row in named:
        assert f"book/executed/{row.page}" in files, (row.figure, row.page)
        assert (ROOT / "notebooks" / f"{row.page}.ipynb").is_file(), row.page


def test_every_page_cites_its_figure():
    for row in pf.FIGURES:
        if row.page != pf.NO_PAGE:
            assert _first_citation(row.figure).search(_notebook_text(row.page)), (row.figure, row.page)


@pytest.mark.parametrize("figure, text, cites", [
    ("Fig. 17", "entropy (paper Figs. 16 and 17)", True),
    ("Fig. 17", "the Fig. 16 panel", False),
    ("Fig. 1 right, Table 3", "steps (paper Fig. 1 right, Table 3)", True),
    ("Fig. 1 right, Table 3", "paper Fig. 16", False),
    ("Table 4", "Solvable ids (Table 4 layout)", True),
    ("§3.1", "chains (§3.1, automated)", True),
])
def test_citation_pattern(figure, text, cites):
    assert bool(_first_citation(figure).search(text)) is cites


def test_statuses_and_reasons():
    for row in pf.FIGURES:
        assert row.status in pf.STATUSES, row
        if row.status == "reproduced":
            assert row.page != pf.NO_PAGE and not row.reason, row
        else:
            assert len(row.reason) > 20, f"{row.figure} is {row.status} without a reason"
        if row.status in ("missing", "drawing"):
            assert row.page == pf.NO_PAGE, row
        else:
            assert row.page != pf.NO_PAGE, row
    # a CPU cannot reproduce only the visual-reasoning panel (a VLM and images); the rest is built or planned
    assert [r.figure for r in pf.FIGURES if r.status == "missing"] == ["Fig. 4 right"]


@pytest.mark.parametrize("cell, numbers", [
    ("Fig. 2, 9–12", {"F2", "F9", "F10", "F11", "F12"}),
    ("Fig. 3, 4 left, 11, Table 5", {"F3", "F4", "F11", "T5"}),
    ("§3.1", set()),
    ("Fig. 8, 14, Table 2", {"F8", "F14", "T2"}),
])
def test_numbers(cell, numbers):
    assert _numbers(cell) == numbers


def test_every_figure_and_table_of_the_paper_is_listed():
    # Yue et al. 2025 (arXiv 2504.13837): Figures 1-17 and Tables 2-5 report results (Table 1 lists models)
    wanted = {f"F{i}" for i in range(1, 18)} | {f"T{i}" for i in range(2, 6)}
    listed = set().union(*(_numbers(row.figure) for row in pf.FIGURES))
    assert wanted <= listed, sorted(wanted - listed)
    assert any(r.figure == "§3.1" for r in pf.FIGURES)  # the CoT validity check of lucky answers


def test_summary_sentence_counts_the_list():
    frame = pf.frame()
    assert len(frame) == len(pf.FIGURES) and frame["figure"].is_unique
    text = pf.summary_sentence()
    counts = frame["status"].value_counts()
    assert f"Of the {len(frame)} figure groups" in text
    assert f"{counts['reproduced']} are reproduced in full, {counts['partial']} in part" in text
    assert pf.summary_sentence(pd.DataFrame({"status": ["drawing", "missing"]})) == (
        "Of the 2 figure groups of the paper, 0 are reproduced in full, 0 in part and 1 by no page (1 is a drawing).")


def test_page_table_links_pages_but_not_none():
    table = pf.page_table()
    rows = dict(zip(table["figure"], table["page"]))
    assert rows["Fig. 4 right"] == "none"
    assert rows["Fig. 5, 13"] == '<a href="histograms.html">histograms</a>'
