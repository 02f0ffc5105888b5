"""Loaded before any test module: pin the CPU numerics before anything imports torch.

Micro-world stages refuse to run where torch dispatched a kernel before the pin
(boundary_lab/numerics.py), and a test module that imports torch first would
otherwise decide the kernels for the whole session.
"""
import boundary_lab  # noqa: F401  (its import sets ATEN_CPU_CAPABILITY and MKL_CBWR)
