"""CPU seconds of one micro-world evaluation at several sampling batch sizes (``eval.batch_size``).

One checkpoint (a micro-world model directory, e.g. ``runs/micro/models/pretrain-*`` after
``make book``) samples every held-out problem of the default world ``eval.n`` times. A first,
untimed evaluation warms the process (imports, kernel set-up: about 2 CPU-s); each batch size is
then timed in CPU seconds of this process, one torch thread. The rows of a batch share one random
stream, so the batch size changes the draws: the solved count is printed to show it moves only by
sampling noise.

Run: ``OMP_NUM_THREADS=1 python benchmarks/eval_batch.py MODEL_DIR [--sizes 4096 512 256]``.
Measured 2026-11-30 (LOG.md, third session): 6.8-6.9 CPU-s at 4096 rows, 5.6 at 512.
"""
from __future__ import annotations

import argparse
import dataclasses
import time


def main() -> None:
    import torch

    from boundary_lab.micro.config import MicroConfig
    from boundary_lab.micro.evaluate import evaluate_checkpoint
    from boundary_lab.micro.pipeline import Pipeline

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", help="a micro-world checkpoint directory")
    ap.add_argument("--sizes", type=int, nargs="+", default=[4096, 512, 256, 1024])
    ap.add_argument("--workdir", default="/tmp/eval-batch-bench", help="scratch workdir (nothing is written)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = MicroConfig()
    pipe = Pipeline(cfg, args.workdir, progress=False)

    def run(size: int) -> tuple[float, int]:
        ec = dataclasses.replace(cfg.eval, batch_size=size)
        t0 = time.process_time()
        _, counts = evaluate_checkpoint(args.model, pipe.problems, "x", ec, pipe.max_new_tokens, 0, "cpu", False,
                                        ("x",))
        return time.process_time() - t0, int(counts["correct"].sum())

    run(args.sizes[0])  # warm-up
    for size in args.sizes:
        cpu, solved = run(size)
        print(f"batch {size:5d}: {cpu:5.2f} CPU-s, {solved} correct samples", flush=True)


if __name__ == "__main__":
    main()
