"""The three graders on case tables (boundary_lab.verify.math_agreement): real graders, small tables."""
from __future__ import annotations

from boundary_lab.verify.math_agreement import agreement_figure, agreement_table, differences, grade_cases, paper_grader

# Rows on which the graders are known to differ, each for a stated reason.
SMALL = {
    "unboxed": [
        (r"\frac{7}{3}", r"So we get $\frac{7}{3}$.", True),  # the paper's parser falls to the last number, 3
        (r"\frac{7}{3}", r"So we get $\frac{7}{4}$.", False),
    ],
    "words": [
        ("6", "The answer is six.", True),  # math-verify reads 'six' as s*i*x
        ("7", "The answer is six.", False),
    ],
    "tolerance": [
        ("100000", r"\boxed{100001}", False),  # the paper's grader: relative tolerance 1e-4 says equal
        ("0.28", r"\boxed{28}", False),  # the paper's grader: percent rescaling says equal
    ],
}


def test_paper_grader_is_installed():
    assert paper_grader() is not None, "scripts/setup.sh installs evalscope==0.17.1 (--no-deps) and word2number"


def test_three_graders_on_a_small_table():
    frame = grade_cases(SMALL, workers=2, timeout_s=20)
    by_row = frame.set_index(["gold", "completion"])
    assert list(frame["boundary-lab"]) == list(frame["expected"])
    assert by_row.loc[("6", "The answer is six."), "math-verify"] == False  # noqa: E712
    assert by_row.loc[(r"\frac{7}{3}", r"So we get $\frac{7}{3}$."), "paper grader"] == False  # noqa: E712
    assert by_row.loc[("100000", r"\boxed{100001}"), "paper grader"] == True  # noqa: E712
    assert by_row.loc[("0.28", r"\boxed{28}"), "paper grader"] == True  # noqa: E712
    assert by_row.loc[("100000", r"\boxed{100001}"), "math-verify"] == False  # noqa: E712
    assert len(frame) == 6

    table = agreement_table(frame)
    assert table.loc["all", "cases"] == 6 and table.loc["all", "boundary-lab"] == 6
    assert table.loc["words", "math-verify"] == 1 and table.loc["tolerance", "paper grader"] == 0
    wrong = differences(frame, "paper grader")
    assert set(wrong["error"]) == {"false negative", "false positive"}
    figure = agreement_figure(table)
    assert len(figure.axes[0].patches) == 3 * 3  # three kinds, three graders


def test_unboxed_solutions_are_real_rows_without_boxes():
    import pytest

    from boundary_lab.errors import InputError
    from boundary_lab.verify.math_agreement import unboxed_solutions

    (rows,) = unboxed_solutions(3).values()
    assert len(rows) == 3 and all(expected for _, _, expected in rows)
    assert not any("\\boxed" in text for _, text, _ in rows)
    with pytest.raises(InputError, match="at least 1"):
        unboxed_solutions(0)


def test_fast_unequal_verdicts_are_unequal_for_math_verify_too():
    """The in-process layer's 'unequal' (values at points, one value vs many, words vs formulas) on
    pairs of distinct gold answers of five benchmarks: math-verify never calls one of them equal.

    Measured on 3,000 such pairs: 0 of 3,000; here 250 pairs, to stay quick.
    """
    import random

    from boundary_lab.benchmarks import load_benchmark
    from boundary_lab.verify.math_agreement import _run_in_workers
    from boundary_lab.verify.math_equiv import fast_verdict
    from boundary_lab.verify.math_extract import extract_gold

    golds = sorted({extract_gold(p["answer"]) for name in ("math500", "minerva", "olympiadbench", "amc23", "aime24")
                    for p in load_benchmark(name)})
    rng = random.Random(0)
    pairs = [(rng.choice(golds), rng.choice(golds)) for _ in range(6000)]
    pairs = [(a, b) for a, b in pairs if a != b and fast_verdict(a, b) is False][:250]
    assert len(pairs) == 250
    verdicts = _run_in_workers("boundary_lab.verify.math_agreement:math_verify_verdict",
                               [(a, f"${b}$") for a, b in pairs], workers=2, timeout_s=20)
    assert [pair for pair, v in zip(pairs, verdicts) if v] == []


def test_published_cases_read_math_verify_test_files(tmp_path):
    """math-verify's sdist tests (tests/test_*.py: pytest.mark.parametrize over "gold,pred,expected")
    are parsed, not imported: a file written the same way, with rows of our own."""
    from boundary_lab.verify.math_agreement import published_agreement, published_cases

    (tmp_path / "test_all.py").write_text('''
import math
import pytest


@pytest.mark.parametrize(
    "gold,pred,expected",
    [
        ("$10/9$", "\\\\frac{10}{9}", 1),
        ("$\\\\frac{1}{12}$", "$0.0833333333333333$", 1),
        ("$34$", "Final Answer: The largest $n$ is 35.", 0),
    ],
)
def test_math_extraction_edge_cases(gold, pred, expected):
    assert compare_strings(gold, pred) == expected


@pytest.mark.parametrize("gold, pred, expected", [(f"{math.sqrt(17):.15f}", "$\\\\sqrt{17}$", 1), ("1", "2", 0)])
def test_float_precision(gold, pred, expected):
    assert compare_strings(gold, pred, precision=5) == expected


@pytest.mark.parametrize("pred,expected,config", [("x", "y", None)])
def test_string_extraction(pred, expected, config):
    pass
''')
    cases = published_cases(tmp_path)
    assert list(cases["group"]) == ["test_math_extraction_edge_cases"] * 3
    assert list(cases["expected"]) == [True, True, False]
    every = published_cases(tmp_path, groups=None)
    assert list(every["completion"]) == list(cases["completion"]) + ["2"]  # the f-string row is computed: skipped
    report = published_agreement(tmp_path, workers=1, timeout_s=20)
    assert (report["rows"], report["agree_with_expected"]) == (3, 3)
    assert report["math_verify_expected"] == 3 and report["agree_with_math_verify"] == 3
    assert report["timeouts"] == {"boundary-lab": 0, "math-verify": 0} and report["disagreements"] == []
