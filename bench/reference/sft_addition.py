#!/usr/bin/env python3
"""PyTorch reference for the `sft-addition` benchmark: the SFT phase of
grpo_addition.py alone (same model, data and optimizer, bench/grpo-addition.json),
timed for a fixed number of steps; prints one JSON line with sftTokensPerS.

Usage:
  .venv/bin/python bench/reference/sft_addition.py --config bench/grpo-addition.json [--seed S] [--sft-steps N]
(the same as grpo_addition.py --sft-only)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    import grpo_addition

    args = grpo_addition.parse_args()
    args.sft_only = True
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    grpo_addition.main(args)
