"""Pinned CPU numerics: the same seed gives the same bits on any x86-64 machine.

torch picks its CPU kernels by instruction set (ATen's "CPU capability": AVX512 on
some of this project's machines, AVX2 on others) and MKL picks its matrix-multiply
code path by processor, so float rounding, and hence every trained micro-world
model, used to differ from machine to machine (LOG.md, 2026-12-07). Two settings
remove both sources:

- ``ATEN_CPU_CAPABILITY=avx2``: ATen runs its AVX2 kernels, which every x86-64
  machine this project runs on has (Intel Xeon and AMD EPYC alike). The same
  instructions give the same IEEE results on any vendor.
- ``MKL_CBWR=COMPATIBLE``: MKL's conditional numerical reproducibility mode, in which
  MKL takes one code path on every Intel or compatible processor.

Measured on one Intel Xeon (AVX512) host, tiny preset, seed 0: with both settings the
checkpoints have the same sha256 whether MKL may use AVX-512, AVX2 or only SSE4.2
and oneDNN is capped at AVX2 or SSE4.1 (simulated older or AMD hosts); without them,
ATen AVX512 vs AVX2 and MKL AVX-512 vs AVX2 each change every checkpoint
(``scripts/numerics_check.py`` reproduces this; ``tests/test_numerics.py`` checks the
committed hashes).

``import boundary_lab`` sets both variables while torch is not yet imported (they are
read when torch first dispatches a kernel and when MKL first runs), unless
``BOUNDARY_LAB_NUMERICS=native`` is set. Every micro-world stage calls
:func:`ensure_pinned` before it computes anything, which also switches MKL by its
service call, and refuses to run where the pin did not take (torch imported and used
first). Threads stay a setting of the world (``threads``): the order of float
reductions depends on them.

>>> ENV["ATEN_CPU_CAPABILITY"], ENV["MKL_CBWR"]
('avx2', 'COMPATIBLE')
>>> signature({"mode": "pinned", "aten": "AVX2", "mkl_cbwr": "COMPATIBLE"})
'pinned:aten=AVX2,mkl=COMPATIBLE'
>>> signature({"mode": "native", "aten": "AVX512", "mkl_cbwr": "BRANCH_OFF"})
'native:aten=AVX512,mkl=BRANCH_OFF'
"""
from __future__ import annotations

import ctypes
import os
import platform
import sys
from pathlib import Path

# The pinned settings (the module docstring says why each is needed).
ENV = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE"}
OPT_OUT = "BOUNDARY_LAB_NUMERICS"  # "native": leave torch and MKL to pick by processor

# mkl_service.h: MKL_CBWR_* branch codes (read with mkl_serv_cbwr_get(MKL_CBWR_BRANCH)).
_MKL_BRANCH = 1
_MKL_COMPATIBLE = 3
_MKL_NAMES = {0: "OFF", 1: "BRANCH_OFF", 2: "AUTO", 3: "COMPATIBLE", 4: "SSE2", 6: "SSSE3", 7: "SSE4_1",
              8: "SSE4_2", 9: "AVX", 10: "AVX2", 11: "AVX512_MIC", 12: "AVX512", 13: "AVX512_MIC_E1",
              14: "AVX512_E1"}


class NumericsError(RuntimeError):
    """The pinned numerics could not take effect in this process."""


def wanted() -> bool:
    """Whether this process should pin (x86-64 and no ``BOUNDARY_LAB_NUMERICS=native``)."""
    return os.environ.get(OPT_OUT, "pinned") != "native" and platform.machine().lower() in ("x86_64", "amd64")


def pin_environment() -> bool:
    """Set :data:`ENV` in ``os.environ`` if this process should pin and torch is not yet imported.

    Returns whether the variables were set now. They override a value already set
    (``BOUNDARY_LAB_NUMERICS=native`` is the way out), and child processes inherit them."""
    if not wanted() or "torch" in sys.modules:
        return False
    os.environ.update(ENV)
    return True


def _mkl():
    import torch

    path = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    try:
        lib = ctypes.CDLL(str(path))
        lib.mkl_serv_cbwr_get, lib.mkl_serv_cbwr_set  # noqa: B018 (both must exist)
    except (OSError, AttributeError):
        return None
    return lib


def state() -> dict:
    """What this process runs with: mode, ATen's capability and MKL's CBWR branch (imports torch)."""
    import torch

    lib = _mkl()
    branch = lib.mkl_serv_cbwr_get(_MKL_BRANCH) if lib else None
    return {"mode": "pinned" if wanted() else "native",
            "aten": torch.backends.cpu.get_cpu_capability(),
            "mkl_cbwr": _MKL_NAMES.get(branch, str(branch)) if lib else "no-mkl"}


def ensure_pinned() -> dict:
    """Make the pinned numerics take effect in this process, or raise :class:`NumericsError`.

    Call it after ``import torch`` and before any computation. Where pinning is not
    wanted (``BOUNDARY_LAB_NUMERICS=native``, or not x86-64) it only reports the state."""
    if not wanted():
        return state()
    for key, value in ENV.items():  # read at torch's first kernel dispatch: set it if not yet read
        os.environ[key] = value
    lib = _mkl()
    if lib is not None and lib.mkl_serv_cbwr_get(_MKL_BRANCH) != _MKL_COMPATIBLE:
        lib.mkl_serv_cbwr_set(_MKL_COMPATIBLE)
    now = state()
    if now["aten"] != "AVX2" or now["mkl_cbwr"] not in ("COMPATIBLE", "no-mkl"):
        raise NumericsError(
            f"CPU numerics are not pinned in this process (ATen {now['aten']}, MKL {now['mkl_cbwr']}): torch ran "
            f"before boundary_lab could set ATEN_CPU_CAPABILITY=avx2 and MKL_CBWR=COMPATIBLE. Import boundary_lab "
            f"before torch, export those two variables, or set {OPT_OUT}=native to accept machine-dependent numbers")
    return now


def signature(st: dict | None = None) -> str:
    """A short string naming the numerics, part of every micro-world stage's hash."""
    st = st or state()
    return f"{st['mode']}:aten={st['aten']},mkl={st['mkl_cbwr']}"


def cache_key() -> str:
    """The numerics as part of a stage's cache key, without importing torch.

    Pinned runs share one key on every machine; a native run is keyed by the kernels it
    would pick, so it never reuses (or overwrites) a pinned run's models.

    >>> os.environ.get(OPT_OUT) != "native" and cache_key() == "pinned:" + ",".join(f"{k}={v}" for k, v in ENV.items())
    True
    """
    if wanted():
        return "pinned:" + ",".join(f"{k}={v}" for k, v in ENV.items())
    cap = os.environ.get("ATEN_CPU_CAPABILITY") or _host_capability()
    return f"native:{platform.machine()}:{cap}:{os.environ.get('MKL_CBWR', '')}"


def _cpuinfo() -> tuple[str, str, set]:
    model, vendor, flags = "", "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and not model:
                model = value.strip()
            elif key == "vendor_id" and not vendor:
                vendor = value.strip()
            elif key == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return model, vendor, flags


def _host_capability() -> str:
    flags = _cpuinfo()[2]
    return "AVX512" if "avx512f" in flags else "AVX2" if "avx2" in flags else (platform.machine() or "unknown")


def describe() -> dict:
    """The machine and the numerics, for result files and the status page (imports torch)."""
    import torch

    model, vendor, _ = _cpuinfo()
    return {"cpu": model or platform.processor(), "vendor": vendor, "host_capability": _host_capability(),
            "torch": torch.__version__, **state()}
