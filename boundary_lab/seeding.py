"""One way to derive seeds: ``derive_seed(*keys)``, used by the sampler, the RL trainer and the micro pipeline.

Keys are integers (run seed, step, shard, ...) or strings (a model name), so a
seed depends on every key and on their order, and never on Python's salted
``hash()``. Strings map to integers with CRC-32, which is stable across runs
and machines.

>>> derive_seed(0, 1) == derive_seed(0, 1), derive_seed(0, 1) == derive_seed(1, 0)
(True, False)
>>> derive_seed("grpo@300") == derive_seed(zlib.crc32(b"grpo@300"))
True
>>> 0 <= derive_seed(7) < 2 ** 63
True
"""
from __future__ import annotations

import zlib

import numpy as np


def _key(k) -> int:
    if isinstance(k, str):
        return zlib.crc32(k.encode())
    return int(k) & 0xFFFFFFFFFFFFFFFF


def derive_seed(*keys: int | str) -> int:
    """A 63-bit seed from integer or string keys, via numpy ``SeedSequence``."""
    state = np.random.SeedSequence([_key(k) for k in keys]).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))
