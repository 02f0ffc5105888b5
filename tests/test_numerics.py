"""Pinned CPU numerics (boundary_lab/numerics.py): the same seed gives the same bits on any x86-64 machine.

The committed fingerprints (tests/data/pinned_fingerprints.json) were made on an Intel Xeon
(torch capability AVX512) on 2026-12-07; every machine that runs this suite checks them, so each
CI run on another processor is more evidence (or a clear failure naming the first stage that differs).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from boundary_lab import numerics
from boundary_lab.micro.config import MicroConfig
from boundary_lab.micro.fingerprint import fingerprints, first_difference, tensors_sha256

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = json.loads((ROOT / "tests" / "data" / "pinned_fingerprints.json").read_text())
x86 = pytest.mark.skipif(not numerics.wanted(), reason="numerics are pinned on x86-64 only")


def _python(code: str, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR", numerics.OPT_OUT)}
    return subprocess.run([sys.executable, "-c", code], env={**full, **env}, capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@x86
def test_this_process_is_pinned():
    st = numerics.ensure_pinned()
    assert (st["aten"], st["mkl_cbwr"]) == ("AVX2", "COMPATIBLE")
    assert numerics.signature(st) == "pinned:aten=AVX2,mkl=COMPATIBLE"


@x86
def test_import_pins_a_fresh_process_even_over_a_users_setting():
    r = _python("import boundary_lab, torch; from boundary_lab import numerics; print(numerics.ensure_pinned())",
                ATEN_CPU_CAPABILITY="avx512", MKL_CBWR="AUTO")
    assert r.returncode == 0, r.stderr
    assert "'aten': 'AVX2'" in r.stdout and "'mkl_cbwr': 'COMPATIBLE'" in r.stdout


@x86
def test_a_stage_refuses_to_run_where_torch_computed_first():
    # torch dispatches a kernel at its own (here: scalar) capability before boundary_lab can pin it
    code = ("import torch; torch.ones(8).exp().sum(); import boundary_lab; from boundary_lab import numerics\n"
            "try:\n    numerics.ensure_pinned()\nexcept numerics.NumericsError as e:\n    print('refused:', e)")
    r = _python(code, ATEN_CPU_CAPABILITY="default")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("refused: CPU numerics are not pinned in this process (ATen DEFAULT")
    assert "BOUNDARY_LAB_NUMERICS=native" in r.stdout


def test_native_opt_out_leaves_torch_alone_and_keys_the_cache_apart():
    r = _python("import boundary_lab, os; from boundary_lab import numerics; "
                "print(os.environ.get('MKL_CBWR'), numerics.cache_key())", BOUNDARY_LAB_NUMERICS="native")
    assert r.returncode == 0, r.stderr
    mkl, key = r.stdout.split()
    assert mkl == "None" and key.startswith("native:") and key != numerics.cache_key()


def test_tensor_fingerprint_sees_one_flipped_bit(tmp_path):
    from safetensors.numpy import save_file

    a = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(3, dtype=np.float32)}
    save_file(a, str(tmp_path / "a.safetensors"))
    save_file(dict(reversed(list(a.items()))), str(tmp_path / "same.safetensors"))
    flipped = a["w"].copy()
    flipped.view(np.uint32)[1, 2] ^= 1  # the last mantissa bit of one weight
    save_file({"w": flipped, "b": a["b"]}, str(tmp_path / "flip.safetensors"))
    h = [tensors_sha256(tmp_path / f) for f in ("a.safetensors", "same.safetensors", "flip.safetensors")]
    assert h[0] == h[1] != h[2]


def test_first_difference_is_in_pipeline_order():
    want = {"pretrain": "p", "rl:grpo@2": "r2", "rl:grpo@4": "r4", "distill": "d", "evaluate:base": "e"}
    assert first_difference(dict(want), want) is None
    assert first_difference({**want, "evaluate:base": "x", "distill": "x"}, want) == "distill"
    assert first_difference({**want, "rl:grpo@4": "x", "evaluate:base": "x"}, want) == "rl:grpo@4"
    assert first_difference({k: v for k, v in want.items() if k != "rl:grpo@2"}, want) == "rl:grpo@2"


@x86
@pytest.mark.slow
def test_tiny_preset_is_bitwise_the_committed_one_on_a_simulated_avx2_host(tmp_path):
    """Train the tiny preset with MKL and oneDNN restricted to AVX2 (as on an AVX2-only or AMD host):
    every checkpoint, sample and count must equal the committed fingerprints."""
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    env.update(OMP_NUM_THREADS="1", MKL_ENABLE_INSTRUCTIONS="AVX2", ONEDNN_MAX_CPU_ISA="AVX2")
    subprocess.run([sys.executable, "-m", "boundary_lab.cli", "micro", "--preset", "tiny", "--seed", "0",
                    "--workdir", str(tmp_path), "--quiet"], env=env, check=True, cwd=ROOT, timeout=600,
                   stdout=subprocess.DEVNULL)
    got = fingerprints(MicroConfig.preset("tiny", seed=0), tmp_path)
    diff = first_difference(got, COMMITTED["tiny"])
    assert diff is None, (f"first difference at {diff} on {numerics.describe()}; if the code changed on purpose, "
                          f"run scripts/numerics_check.py update --preset tiny --workdir <a fresh tiny run>")
