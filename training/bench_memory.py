"""Peak memory of `modclf score` on a 10,000- and a 1,000,000-record JSON Lines dump, or of
`modclf segment` on dumps of 100 and 1,000 real HTML pages (--pages).

    python training/bench_memory.py [--model models/modclf-base] [--sizes 10000 1000000] [--pool 20000]
    python training/bench_memory.py --pages 100 1000 [--data-dir ../shared/data]

Pages: the first --page-pool Dragnet pages' HTML (../shared/data/pages/dragnet_train/html.tar.xz),
cycled to the size asked for, one {id, page} record each. Both dumps draw from the same pool, so
they differ only in length (the peak for one page depends on that page's size). Peak memory must
not grow with the number of pages.

Each dump holds comment records ({id, comment, article_id}, 1,000 comments per article) whose
texts are drawn from a pool of --pool distinct generated comments (realistic lengths, see
modclf.batch.bench). Reusing texts keeps the 1M run to minutes: the engine's dedupe scores a repeated
text once, yet every record is still read, checked, looked up, written and accounted for. Each run
is a fresh `modclf score` process; its peak RSS comes from the kernel (wait4's ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from modclf.batch.bench import make_comments, sentence_pool


def write_dump(folder: Path, n: int, pool: list[str], per_article: int = 1000, seed: int = 0) -> tuple[Path, Path]:
    rng = random.Random(seed)
    sentences = sentence_pool()
    articles = folder / f"articles_{n}.jsonl"
    with open(articles, "w", encoding="utf-8") as f:
        for a in range((n + per_article - 1) // per_article):
            f.write(json.dumps({"id": f"a{a}", "article": " ".join(rng.choice(sentences) for _ in range(30))}) + "\n")
    dump = folder / f"comments_{n}.jsonl"
    with open(dump, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": i, "comment": rng.choice(pool), "article_id": f"a{i // per_article}"}) + "\n")
    return dump, articles


def write_page_dump(folder: Path, n: int, data_dir: str | None, pool: int) -> Path:
    import tarfile

    from modclf.training.sources import resolve_data_dir

    with tarfile.open(resolve_data_dir(data_dir) / "pages" / "dragnet_train" / "html.tar.xz") as tar:
        members = [m for m in tar.getmembers() if m.isfile()][:pool]
        pages = [tar.extractfile(m).read().decode("utf-8", "replace") for m in members]
    dump = folder / f"pages_{n}.jsonl"
    with open(dump, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": i, "page": pages[i % len(pages)]}) + "\n")
    return dump


def peak_rss(argv: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, exit code) of a command run as a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    stderr = proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        print(stderr, file=sys.stderr)
    else:
        print("   ", stderr.strip().splitlines()[-1])
    return usage.ru_maxrss / 1024, seconds, proc.returncode  # ru_maxrss is in KiB on Linux


def run_modclf(arguments: list[str], model: str | None, what: str, dump: Path) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of one `modclf` command in a fresh process; exits if it fails."""
    argv = [sys.executable, "-m", "modclf", *arguments, "--no-progress"] + (["--model", model] if model else [])
    print(f"{what} ({dump.stat().st_size / 2**20:.0f} MiB dump):")
    rss, seconds, code = peak_rss(argv)
    if code:
        raise SystemExit(f"modclf {arguments[0]} failed on {what} (exit {code})")
    return rss, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model folder (default: the released model)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--pool", type=int, default=20_000, help="distinct comment texts the dumps draw from")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--workdir", default=None, help="folder for the dumps (default: system temp)")
    parser.add_argument("--pages", type=int, nargs="+", default=None, help="page-dump sizes for `modclf segment`")
    parser.add_argument("--data-dir", default=None, help="data directory for --pages (default: ../shared/data)")
    parser.add_argument("--page-pool", type=int, default=100, help="distinct pages the page dumps draw from")
    args = parser.parse_args()
    if args.pages:
        return bench_pages(args)

    pool = make_comments(args.pool, seed=3)
    results = {}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp)
        for n in args.sizes:
            dump, articles = write_dump(folder, n, pool)
            out = folder / f"scored_{n}.jsonl"
            rss, seconds = run_modclf(["score", str(dump), "--articles", str(articles), "-o", str(out),
                                       "--precision", args.precision], args.model, f"{n:,} records", dump)
            with open(out, "rb") as f:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
            results[n] = rss
            print(f"    peak RSS {rss:.0f} MiB, {seconds:.0f} s, {lines:,} output lines")
            out.unlink()
            dump.unlink()
    smallest, largest = min(results), max(results)
    growth = results[largest] / results[smallest] - 1
    print(f"peak RSS {largest:,} vs {smallest:,} records: {results[largest]:.0f} vs {results[smallest]:.0f} MiB "
          f"({growth:+.1%}); targets: < 2048 MiB and within +20%")


def bench_pages(args) -> None:
    results = {}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp)
        for n in args.pages:
            dump = write_page_dump(folder, n, args.data_dir, args.page_pool)
            out = folder / f"segmented_{n}.jsonl"
            rss, seconds = run_modclf(["segment", str(dump), "-o", str(out)], args.model, f"{n:,} pages", dump)
            results[n] = rss
            print(f"    peak RSS {rss:.0f} MiB, {seconds:.0f} s ({seconds / n:.3f} s per page)")
    smallest, largest = min(results), max(results)
    print(f"peak RSS {largest:,} vs {smallest:,} pages: {results[largest]:.0f} vs {results[smallest]:.0f} MiB "
          f"({results[largest] / results[smallest] - 1:+.1%})")


if __name__ == "__main__":
    main()
