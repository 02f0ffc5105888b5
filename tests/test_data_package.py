"""The benchmark files ship inside the package, and a fresh clone or a wheel needs nothing beside it."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from boundary_lab.benchmarks import SPECS, data_file, shipped_root

REPO = Path(__file__).resolve().parents[1]
DATA = shipped_root()


def _sums() -> dict[str, str]:
    lines = (DATA / "SHA256SUMS").read_text().splitlines()
    return {path: digest for digest, path in (line.split() for line in lines if line and not line.startswith("#"))}


def _shipped_data_files() -> set[str]:
    return {str(p.relative_to(DATA)) for p in DATA.rglob("*")
            if p.is_file() and p.name not in ("README.md", "SHA256SUMS", "SOURCE.md")}


def test_every_shipped_file_matches_the_published_sha256():
    sums = _sums()
    assert len(sums) == 11
    seen = set()
    for published, digest in sums.items():
        shipped = DATA / published
        if not shipped.is_file():  # gzipped here: the digest is of the published, uncompressed bytes
            shipped = DATA / (published + ".gz")
            body = gzip.decompress(shipped.read_bytes())
        else:
            body = shipped.read_bytes()
        assert hashlib.sha256(body).hexdigest() == digest, published
        seen.add(str(shipped.relative_to(DATA)))
    assert seen == _shipped_data_files()  # nothing shipped that the list does not vouch for


def test_every_registered_benchmark_is_shipped_with_its_source_terms():
    files = [spec for spec in SPECS.values() if spec.local_path]  # generated benchmarks have no file
    assert {spec.name for spec in files} >= {"gsm8k", "math500", "minerva", "olympiadbench", "aime24", "amc23",
                                             "humaneval"}
    for spec in files:
        path = data_file(spec.local_path)
        assert path.is_relative_to(DATA), spec.name
        assert (path.parent / "LICENSE").is_file() or (path.parent / "SOURCE.md").is_file(), spec.name
    assert data_file("math/gsm8k/example_model_solutions.jsonl").is_relative_to(DATA)
    assert not (DATA / "math" / "gsm8k" / "train.jsonl.gz").exists()  # nothing uses it


def test_no_tracked_file_names_the_folder_beside_the_clone():
    # Users have nothing beside their clone; a path up to a sibling "shared" folder works only in CI.
    needle = os.pardir + "/" + "shared"
    out = subprocess.run(["git", "grep", "-l", "-F", needle], cwd=REPO, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        pytest.skip(f"not a git checkout: {out.stderr.strip()}")
    assert out.stdout.split() == []


@pytest.mark.slow
def test_the_wheel_ships_the_data_and_grades_from_an_installed_package(tmp_path):
    """Build the wheel, install it into a fresh virtualenv, grade the shipped GSM8K solutions."""
    # From a copy of the source: an in-tree build/ folder could carry files of an earlier build.
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "_build", "runs", "*.egg-info", "__pycache__", "executed", "node_modules"))
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(source)], check=True, capture_output=True, timeout=300)
    wheel = next(dist.glob("boundary_lab-*.whl"))
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # Dependencies (torch, math-verify, ...) come from this environment's site-packages, appended
    # after the fresh one: a plain path entry, so this environment's editable install is not active.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("BOUNDARY_LAB_DATA", "PYTHONPATH")}
    probe = subprocess.run(
        [py, "-c", "import boundary_lab, json; from boundary_lab.benchmarks import load_benchmark; "
                   "from boundary_lab.audit import gsm8k_labelled; "
                   "from boundary_lab.verify.math_cases import all_cases; "
                   "print(json.dumps([boundary_lab.__file__, len(load_benchmark('math500')), "
                   "gsm8k_labelled().head(60).to_dict('records'), len(all_cases())]))"],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True, timeout=300)
    where, n_math500, rows, n_cases = json.loads(probe.stdout)
    from boundary_lab.verify.math_cases import all_cases
    assert Path(where).is_relative_to(site) and n_math500 == 500 and n_cases == len(all_cases())
    samples = tmp_path / "gsm8k.jsonl"
    samples.write_text("".join(json.dumps({"completion": r["completion"], "answer": r["gold"], "label": r["label"]})
                               + "\n" for r in rows))
    graded = tmp_path / "graded.jsonl"
    run = subprocess.run([env_dir / "bin" / "boundary-lab", "grade", str(samples), "--kind", "math",
                          "-o", str(graded)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in graded.read_text().splitlines()]
    assert len(out) == 60 and all(o["correct"] == o["label"] for o in out)
    assert 0 < sum(o["label"] for o in out) < 60  # both verdicts occur, so agreement means something
