"""Segmentation throughput on this machine, next to its matrix-multiply throughput (same run).

    python training/bench_segmentation.py [--model models/modclf-base] [--lines 150] [--pages 20]
                                          [--precision fp32 int8 bf16]

Pages are ~150-line pages cycled from the bundled example pages, every line made unique so that
the duplicate-line cache does not flatter the numbers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from modclf import ModClf
from modclf.encode import resolve_precision
from modclf.pages import read_page

REPO = Path(__file__).resolve().parents[1]


def matmul_gflops(dtype: torch.dtype, size: int = 1024, repeats: int = 20) -> float:
    """Measured dense matmul throughput (GFLOP/s) for `dtype` on this CPU."""
    a, b = torch.randn(size, size).to(dtype), torch.randn(size, size).to(dtype)
    for _ in range(3):
        a @ b
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def bench_pages(n_lines: int, n_pages: int) -> list[str]:
    """Unique-line text pages of n_lines each, cycled from the bundled example pages."""
    source_lines: list[str] = []
    for path in sorted((REPO / "examples" / "pages").iterdir()):
        source_lines += [b.text for b in read_page(path.read_bytes()).blocks]
    pages = []
    for p in range(n_pages):
        lines = [f"{source_lines[(p * 7 + i) % len(source_lines)]} [{p}.{i}]" for i in range(n_lines)]
        pages.append("\n".join(lines))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model folder (default: the released model)")
    parser.add_argument("--lines", type=int, default=150, help="lines per page")
    parser.add_argument("--pages", type=int, default=20, help="pages per measurement")
    parser.add_argument(
        "--precision", nargs="+", choices=["fp32", "int8", "bf16"], default=None,
        help="precisions to time (default: fp32 and int8, and bf16 where the CPU has native bf16)",
    )
    args = parser.parse_args()
    precisions = args.precision or ["fp32", "int8"] + (["bf16"] if resolve_precision("auto") == "bf16" else [])

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    fp32 = matmul_gflops(torch.float32)
    if "bf16" in precisions:  # emulated bf16 runs at ~1 GFLOP/s: measuring it alone would take a minute
        bf16 = matmul_gflops(torch.bfloat16)
        print(f"matmul throughput: fp32 {fp32:.0f} GFLOP/s, bf16 {bf16:.0f} GFLOP/s (bf16/fp32 {bf16 / fp32:.2f}x)")
    else:
        print(f"matmul throughput: fp32 {fp32:.0f} GFLOP/s (bf16 not native on this CPU: not timed)")
    pages = bench_pages(args.lines, args.pages)
    for precision in precisions:
        clf = ModClf.from_pretrained(args.model, precision=precision)
        clf.segment(pages[0])  # warm-up
        started = time.perf_counter()
        for page in pages:
            clf.segment(page)
        seconds = time.perf_counter() - started
        per_page = seconds / len(pages)
        matmul = bf16 if precision == "bf16" else fp32  # int8 is reported against the fp32 matmul
        print(
            f"{precision}: {len(pages) / seconds:.2f} pages/s, {len(pages) * args.lines / seconds:.0f} lines/s, "
            f"{per_page:.3f} s per {args.lines}-line page; lines/s per matmul GFLOP/s: "
            f"{len(pages) * args.lines / seconds / matmul:.2f}"
        )


if __name__ == "__main__":
    main()
