"""The same comment dump through the local engine and through Ray Data (1 and 2 actors), one run.

    python training/bench_ray.py [--comments 10000] [--model DIR] [--json out.json]

Prints records/s of each and Ray's overheads: `ray.init`, and the time to the first scored batch
(actors start and load the model). On one machine Ray cannot beat the local engine; this measures
what it costs, and the per-actor rate that a cluster multiplies. Ray gets one logical CPU more
than the cores (Ray Data needs a CPU for reading and writing besides the actors).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--model", help="model folder (default: the released model)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    import torch

    from modclf.api import ModClf
    from modclf.batch.bench import write_dump
    from modclf.batch.engine import RunOptions, physical_cores
    from modclf.batch.jobs import score_file
    from modclf.policy import Policy

    cores = physical_cores()
    torch.set_num_threads(cores)
    results: dict = {"comments": args.comments, "cores": cores}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dump, articles = write_dump(folder, args.comments)
        clf = ModClf.from_pretrained(args.model)
        started = time.perf_counter()
        summary = score_file(clf, dump, folder / "local.jsonl", folder / "local.rejects.jsonl", articles=articles,
                             policy=Policy.load(), options=RunOptions(progress=False))
        results["local"] = round(summary.written / (time.perf_counter() - started), 1)
        print(f"local engine: {results['local']} comments/s ({clf.precision})", flush=True)
        del clf

        import ray
        import ray.data

        from modclf.ray import score_dataset

        started = time.perf_counter()
        ray.init(num_cpus=cores + 1, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        results["ray_init_s"] = round(time.perf_counter() - started, 1)
        print(f"ray.init: {results['ray_init_s']} s", flush=True)
        article_rows = [json.loads(line) for line in articles.read_text().splitlines()]
        for actors, cpus in ((1, cores), (2, max(1, cores // 2))):
            ds = ray.data.read_text(str(dump))
            started = time.perf_counter()
            results_ds = score_dataset(ds, model=args.model, actors=actors, cpus_per_actor=cpus, batch_size=512,
                                       articles=ray.data.from_items(article_rows))
            first = None
            n = 0
            for batch in results_ds.iter_batches(batch_size=None, batch_format="pyarrow"):
                if first is None:
                    first = time.perf_counter() - started
                n += batch.num_rows
            seconds = time.perf_counter() - started
            key = f"ray_{actors}x{cpus}"
            results[key] = {"rows": n, "seconds": round(seconds, 1), "rate": round(n / seconds, 1),
                            "first_batch_s": round(first or 0, 1),
                            "steady_rate": round((n - 512) / max(seconds - (first or 0), 1e-9), 1)}
            print(f"ray {actors} actor(s) x {cpus} CPU(s): {results[key]['rate']} comments/s over {seconds:.1f} s "
                  f"({results[key]['rate'] / results['local']:.2f} of local); first batch after {first:.1f} s; "
                  f"after it {results[key]['steady_rate']} comments/s", flush=True)
        ray.shutdown()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
