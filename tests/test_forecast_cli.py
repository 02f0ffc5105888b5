"""`boundary-lab forecast`: the passk JSON shape, every --what, a store directory, and bad input as passk."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from boundary_lab import passk
from boundary_lab.cli import main
from boundary_lab.store import SampleStore


def counts_text(seed=0, m=40, n=16):
    """A base that solves every problem rarely and an RL model that solves most of them often."""
    rng = np.random.default_rng(seed)
    p_base = rng.beta(0.5, 6.0, m)
    p_rl = np.where(rng.random(m) < 0.2, 0.0, np.clip(6 * p_base, 0, 0.95))
    lines = ["model,problem_id,n,correct,extra"]
    for model, p in (("base", p_base), ("rl", p_rl)):
        lines += [f"{model},q{i:03d},{n},{c},x" for i, c in enumerate(rng.binomial(n, p))]
    return "\n".join(lines) + "\n"


@pytest.fixture
def counts(tmp_path):
    (tmp_path / "counts.csv").write_text(counts_text())
    return tmp_path / "counts.csv"


@pytest.fixture
def cli(capsys):
    """Run the real command line in-process: (exit code, stdout, stderr)."""
    def call(*args):
        return (main([str(a) for a in args]), *capsys.readouterr())
    return call


def test_json_has_the_passk_shape_and_is_exact_up_to_n(counts, cli):
    code, out, _ = cli("forecast", counts, "--k", "1,16,1024", "--format", "json", "--n-boot", "20")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["base", "rl"] and list(data["base"]) == ["1", "16", "1024"]
    df = pd.read_csv(counts)
    for model in data:
        rows = df[df.model == model]
        exact = passk.pass_at_k_curve(rows.n, rows.correct, [1, 16])
        assert [data[model]["1"], data[model]["16"]] == pytest.approx(exact.tolist(), abs=1e-12)
        assert data[model]["16"] < data[model]["1024"] < 1.0
    code, passk_out, _ = cli("passk", counts, "--k", "1,16", "--format", "json")
    assert json.loads(passk_out)["rl"]["16"] == pytest.approx(data["rl"]["16"], abs=1e-12)


def test_intervals_and_coverage(counts, cli):
    code, out, _ = cli("forecast", counts, "--k", "256", "--what", "coverage", "--intervals",
                            "--format", "json", "--n-boot", "20", "--model", "base")
    cell = json.loads(out)["base"]["256"]
    assert code == 0 and cell["ci_low"] <= cell["value"] <= cell["ci_high"] <= 40 and cell["exact"] is False
    code, out, _ = cli("forecast", counts, "--k", "256", "--format", "json", "--n-boot", "20", "--model", "base")
    assert cell["value"] == pytest.approx(40 * json.loads(out)["base"]["256"], rel=1e-12)  # 40 problems


def test_delta_se_crossover_and_enough(counts, cli):
    code, out, _ = cli("forecast", counts, "--k", "16,4096", "--what", "delta_se", "--base", "base",
                            "--format", "json", "--n-boot", "20")
    data = json.loads(out)
    df = pd.read_csv(counts)
    b, r = df[df.model == "base"], df[df.model == "rl"]
    assert code == 0 and list(data) == ["rl"]
    assert data["rl"]["16"] == pytest.approx(passk.delta_se(b.n, b.correct, r.n, r.correct, k=16), abs=1e-12)
    assert data["rl"]["4096"] > data["rl"]["16"]
    code, out, _ = cli("forecast", counts, "--k", "100000", "--what", "crossover", "--base", "base",
                            "--format", "csv", "--n-boot", "20")
    assert code == 0 and out.splitlines()[0] == "model,k,crossover" and out.splitlines()[1].startswith("rl,100000,")
    code, out, _ = cli("forecast", counts, "--what", "enough", "--n-boot", "20")
    assert code == 0 and "new@16" in out and out.count("n = 16 is") == 2


def test_a_store_directory_is_accepted(tmp_path, cli):
    store = SampleStore.create(tmp_path / "run", {"model": "m", "benchmark": {"sha256": "x"}})
    rng = np.random.default_rng(0)
    rows = [{"problem_id": f"p{i}", "sample_id": j, "completion": "", "n_tokens": 1, "finish_reason": "stop",
             "extracted": "", "correct": bool(rng.random() < q)}
            for i, q in enumerate(rng.beta(0.5, 3, 30)) for j in range(8)]
    store.write_shard(pd.DataFrame(rows))
    code, out, _ = cli("forecast", tmp_path / "run", "--k", "8,64", "--format", "json", "--n-boot", "20")
    assert code == 0 and set(json.loads(out)["m"]) == {"8", "64"}


BAD_CASES = [
    ("model,problem_id,n\nbase,p1,4\n", [], "missing column"),
    ("model,problem_id,n,correct\nbase,p1,4,5\n", [], "line 2"),
    ("model,problem_id,n,correct\nbase,p1,4,-1\n", [], "line 2"),
    ("model,problem_id,n,correct\nbase,p1,4,1.5\n", [], "'correct'"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nbase,p2,four,1\n", [], "line 3"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nbase,p1,4,2\n", [], "duplicate"),
    ("model,problem_id,n,correct\nbase,p1,4,1\n", ["--k", "1,x"], "comma-separated"),  # passk's message
    ("model,problem_id,n,correct\nbase,p1,4,1\n", ["--k", "2000000"], "horizon"),
    ("model,problem_id,n,correct\nbase,p1,4,1\n", ["--what", "crossover"], "--base"),
    ("model,problem_id,n,correct\nbase,p1,4,1\n", ["--model", "nope"], "unknown model"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nrl,p2,4,1\n", ["--what", "delta_se", "--base", "base"], "p1"),
    ("model,problem_id,n,correct\nbase,p1,4,1\nbase,p2,8,1\n", ["--what", "enough"], "same n"),
]


@pytest.mark.parametrize("text,extra,message", BAD_CASES)
def test_bad_input_exits_2_with_one_line(tmp_path, cli, text, extra, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, out, err = cli("forecast", path, "--format", "json", "--n-boot", "10", *extra)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_missing_file_exits_2(tmp_path, cli):
    code, out, err = cli("forecast", tmp_path / "nope.csv")
    assert code == 2 and out == "" and "nope.csv" in err
