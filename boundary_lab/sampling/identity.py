"""Which model sampled a store: its resolved directory and a hash of its weights.

A store's identity (``model_identity`` in its manifest, see :mod:`boundary_lab.store`)
must change when the weights change, so that a retrained checkpoint at the same path,
or another model under the same name, never resumes old samples.

:func:`resolve_model_dir` turns a hub id into the local snapshot directory (fetched into
the Hugging Face cache if missing, the files vLLM would fetch anyway) and a local path
into its absolute path. :func:`weights_hash` hashes the files that define the model's
outputs: weights (``*.safetensors``, ``*.bin``), ``config.json``,
``generation_config.json`` and the tokenizer files; not training state (``trainer_state.pt``)
or logs. A file in the Hugging Face cache is a link to ``blobs/<hash>``, where the hash of
an LFS file is its SHA-256: that name is used instead of reading gigabytes again. Other
files are read once; their digests are cached by (path, size, mtime) in
``$XDG_CACHE_HOME/boundary-lab/file-hashes.json``.

>>> import tempfile
>>> from boundary_lab.tiny_models import make_tiny_model
>>> path = make_tiny_model(tempfile.mkdtemp(), layers=1)
>>> ident = model_identity(path)
>>> ident["path"] == str(Path(path).resolve()), len(ident["sha256"])
(True, 64)
>>> _ = (Path(path) / "trainer_state.pt").write_bytes(b"optimizer")  # not part of the model
>>> model_identity(path) == ident
True
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from pathlib import Path

from ..errors import InputError

# The files whose content decides what a model generates (weights, config, tokenizer).
MODEL_FILES = ("*.safetensors", "*.bin", "config.json", "generation_config.json", "tokenizer*", "*.model",
               "vocab.*", "merges.txt", "special_tokens_map.json", "added_tokens.json", "*.tiktoken", "*.jinja")
# What a hub snapshot needs, as vLLM fetches it: safetensors weights (pytorch .bin only when a
# repository has no safetensors), config and tokenizer; not original/ checkpoints or other formats.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.model", "*.tiktoken", "*.txt", "*.jinja"]


def _cache_file() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "boundary-lab" / "file-hashes.json"


def _file_digest(path: Path, cache: dict) -> str:
    target = path.resolve()
    if target.parent.name == "blobs" and len(target.name) == 64:  # HF cache: blobs/<sha256> of an LFS file
        return target.name
    st = target.stat()
    key = f"{target}:{st.st_size}:{st.st_mtime_ns}"
    if key not in cache:
        digest = hashlib.sha256()
        with open(target, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 24), b""):
                digest.update(block)
        cache[key] = digest.hexdigest()
    return cache[key]


def model_files(path) -> list[Path]:
    """The files of a model directory that :func:`weights_hash` covers, sorted."""
    path = Path(path)
    return sorted(f for f in path.rglob("*") if f.is_file() and not any(p.startswith(".") for p in
                  f.relative_to(path).parts) and any(fnmatch.fnmatch(f.name, pat) for pat in MODEL_FILES))


def weights_hash(path) -> str:
    """SHA-256 over the names and contents of a model directory's :func:`model_files`."""
    path = Path(path)
    files = model_files(path)
    if not any(f.suffix in (".safetensors", ".bin") for f in files):
        raise InputError(f"model: {path} holds no weights (*.safetensors or *.bin)")
    cache_path = _cache_file()
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    size = len(cache)
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.relative_to(path).as_posix()}\0{_file_digest(f, cache)}\n".encode())
    if len(cache) != size:
        try:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(cache), encoding="utf-8")
            os.replace(tmp, cache_path)
        except OSError:  # a read-only home: hashes are recomputed next time
            pass
    return digest.hexdigest()


def resolve_model_dir(model: str) -> str:
    """An absolute model directory: a local path as is, a hub id as its cached snapshot (fetched if
    missing; ``HF_HUB_OFFLINE=1`` forbids fetching)."""
    text = str(model)
    if Path(text).is_dir():
        return str(Path(text).resolve())
    if Path(text).is_absolute() or text.startswith(".") or text.count("/") > 1:
        raise InputError(f"model: no such model directory: {text}")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        local = snapshot_download(text, allow_patterns=HUB_PATTERNS)
        if not any(Path(local).glob("*.safetensors")):  # an older repository: pytorch weights
            local = snapshot_download(text, allow_patterns=HUB_PATTERNS + ["*.bin"])
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"model: {text!r} is not a local directory and was not found in the Hugging Face "
                         f"cache or on the hub ({first})") from None
    return str(Path(local).resolve())


def model_identity(model) -> dict:
    """``{"path": resolved directory, "sha256": weights hash}`` of a model directory or hub id."""
    path = resolve_model_dir(str(model))
    return {"path": path, "sha256": weights_hash(path)}
