"""The `modclf` command line: a thin layer over modclf's Python functions.

Each subcommand is a (setup, run) pair in SUBCOMMANDS: `setup(parser)` adds its arguments and
`run(args) -> int` calls the library. To add one (score, train, bench), write the two functions
and register them; `main` handles logging, errors and exit codes for all of them.

Exit codes: 0 done (rejected records are reported, not fatal); 1 a user error, reported on one
line without a traceback (missing input, unknown file type, missing model folder, every record
rejected); 2 bad command-line usage.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable

from modclf import __version__
from modclf.errors import ModClfError

logger = logging.getLogger("modclf.cli")


# --- engine options (segment and score) ------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model folder (default: $MODCLF_MODEL or the released model)")
    parser.add_argument(
        "--precision", choices=("auto", "fp32", "bf16", "int8"), default="auto",  # modclf.encode.PRECISIONS (loads torch)
        help="inference precision; auto = the fastest on this CPU that the model folder measured within "
        "tolerance of fp32 (native bf16, else int8, else fp32); modclf bench says which and why",
    )


def _add_engine_options(parser: argparse.ArgumentParser, window: int, workers: bool) -> None:
    parser.add_argument(
        "--resume", action="store_true",
        help="continue an interrupted run where OUTPUT (and its progress file, out.jsonl -> out.progress.json) left off",
    )
    parser.add_argument(
        "--threads", type=_positive_int, help="torch threads per process (default: physical cores / workers)"
    )
    parser.add_argument(
        "--window", type=_positive_int, default=window,
        help=f"records read ahead, sorted by length and deduplicated together (default: {window})",
    )
    if workers:
        parser.add_argument(
            "--workers", type=_positive_int, default=1,
            help="worker processes, each with its own model (for machines with many cores; default: 1)",
        )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress log lines")


def _engine_options(args: argparse.Namespace):
    import torch

    from modclf.batch.engine import RunOptions, physical_cores

    workers = getattr(args, "workers", 1)
    threads = args.threads or max(1, physical_cores() // workers)
    torch.set_num_threads(threads)
    return RunOptions(window=args.window, resume=args.resume, workers=workers, threads=threads,
                      progress=not args.no_progress and not args.quiet)


@contextlib.contextmanager
def _stdin_as_file(args: argparse.Namespace):
    """INPUT "-": standard input (JSON Lines) spooled to a temporary file for the run."""
    if args.input != "-":
        yield
        return
    if args.resume:
        raise ModClfError("--resume needs an input file; standard input cannot be read again")
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="modclf-stdin-") as folder:
        path = os.path.join(folder, "stdin.jsonl")
        with open(path, "wb") as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
        args.input = path
        try:
            yield
        finally:
            args.input = "-"


def _check_outputs(args: argparse.Namespace):
    """(output or None, rejects or None) checked before the model is loaded."""
    from modclf.batch.dumps import JSONL_SUFFIXES, check_output_path, default_rejects_path

    output = check_output_path(args.output, args.input) if args.output and args.output != "-" else None
    rejects = args.rejects
    if rejects is None and output is not None:
        rejects = default_rejects_path(output)
    if rejects is not None:
        rejects = check_output_path(rejects, args.input, JSONL_SUFFIXES)
    return output, rejects


# --- segment ---------------------------------------------------------------------------------------


def _setup_segment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        help="a page (.txt, .html, .htm), a folder of pages, or a dump (.jsonl, .jsonl.gz, .csv, "
        ".parquet) of records with `id` and `page`; - reads JSON Lines from standard input",
    )
    parser.add_argument(
        "-o", "--output", help="output by extension: .jsonl, .jsonl.gz, .csv or .parquet; default (or -): JSON Lines on stdout"
    )
    parser.add_argument(
        "--rejects",
        help="JSON Lines file for rejected records {id, number, reason}; default: "
        "<OUTPUT>.rejects.jsonl next to the output (with stdout output: stderr only)",
    )
    parser.add_argument("--format", choices=("auto", "text", "html"), default="auto", help="page format (default: auto)")
    _add_model_options(parser)
    _add_engine_options(parser, window=16, workers=False)
    parser.epilog = ("examples: modclf segment page.html | modclf segment pages/ -o segmented.jsonl | "
                     "modclf segment dump.parquet -o out.parquet --resume")


def _run_segment(args: argparse.Namespace) -> int:
    with _stdin_as_file(args):
        return _segment(args)


def _segment(args: argparse.Namespace) -> int:
    from modclf.api import ModClf
    from modclf.batch.dumps import input_kind, stdout_text
    from modclf.batch.jobs import segment_file

    # Check everything cheap before loading the model.
    input_kind(args.input)
    output, rejects = _check_outputs(args)
    options = _engine_options(args)
    clf = ModClf.from_pretrained(args.model, precision=args.precision)
    summary = segment_file(
        clf, args.input, output if output is not None else stdout_text(), rejects, args.format, options=options
    )
    where = f" (rejects in {rejects})" if summary.rejected and rejects is not None else ""
    logger.info("segment: %s%s", summary.line("pages"), where)
    if summary.read and not summary.written:
        raise ModClfError(f"all {summary.read} record(s) of {args.input} were rejected{where}")
    return 0


# --- score -----------------------------------------------------------------------------------------


def _setup_score(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        help="a dump (.jsonl, .jsonl.gz, .csv, .parquet) of records with `id` and either `page` (a page "
        "to segment) or `text` (the comment; `comment` is read too; with optional `article` text or "
        "`article_id`); or a page file or folder; "
        "- reads JSON Lines from standard input",
    )
    parser.add_argument(
        "-o", "--output", help="one record per comment, by extension: .jsonl, .jsonl.gz, .csv or .parquet; "
        "default (or -): JSON Lines on stdout",
    )
    parser.add_argument(
        "--articles", help="dump of records with `id` and `article` (or `page`) that `article_id` refers to"
    )
    parser.add_argument("--policy", help="moderation policy YAML (default: the model folder's policy.yaml, else configs/policy.yaml)")
    parser.add_argument("--spans", action="store_true",
                        help="also score each sentence: `spans` [{begin, end, incitement}] in character offsets")
    _add_model_options(parser)
    parser.add_argument(
        "--rejects",
        help="JSON Lines file for rejected records {id, number, reason}; default: "
        "<OUTPUT>.rejects.jsonl next to the output (with stdout output: stderr only)",
    )
    parser.add_argument(
        "--batch-tokens", type=_positive_int, default=None, help="padded tokens per forward batch (default: 4096)"
    )
    _add_engine_options(parser, window=4096, workers=True)
    ray_options = parser.add_argument_group("Ray (--engine ray; needs the ray extra: pip install 'modclf[ray]')")
    ray_options.add_argument("--engine", choices=("local", "ray"), default="local",
                             help="local (default) or ray: Ray Data over a cluster; -o is then an output folder")
    ray_options.add_argument("--address", help="Ray cluster to join (e.g. auto); default: start a local Ray")
    ray_options.add_argument("--actors", type=_positive_int, default=1, help="model replicas (default 1)")
    ray_options.add_argument("--cpus-per-actor", type=_positive_int, default=1, help="CPUs (torch threads) per actor")
    ray_options.add_argument("--batch-size", type=_positive_int, default=256, help="records per actor batch")
    ray_options.add_argument("--preserve-order", action="store_true", help="output in input order (slower)")
    parser.epilog = ("examples: modclf score comments.jsonl --articles articles.jsonl -o scored.csv | "
                     "modclf score pages/ -o scored.jsonl | cat comments.jsonl | modclf score - -o -")


def _run_score(args: argparse.Namespace) -> int:
    with _stdin_as_file(args):
        return _score(args)


def _score(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        if args.spans:
            raise ModClfError("--spans runs on the local engine only; leave out --engine ray")
        return _score_on_ray(args)
    from modclf.api import ModClf
    from modclf.batch.dumps import input_kind, stdout_text
    from modclf.batch.jobs import BATCH_TOKENS, score_file

    # Check everything cheap before loading the model.
    input_kind(args.input)
    if args.articles is not None:
        if not os.path.exists(args.articles):
            raise ModClfError(f"articles file {args.articles} does not exist (--articles)")
        input_kind(args.articles)
    policy = _policy(args)
    output, rejects = _check_outputs(args)
    options = _engine_options(args)
    clf = ModClf.from_pretrained(args.model, precision=args.precision)
    summary = score_file(
        clf,
        args.input,
        output if output is not None else stdout_text(),
        rejects,
        articles=args.articles,
        policy=policy,
        options=options,
        batch_tokens=args.batch_tokens or BATCH_TOKENS,
        spans=args.spans,
    )
    where = f" (rejects in {rejects})" if summary.rejected and rejects is not None else ""
    logger.info("score: %s%s", summary.line("records", "comments"), where)
    if summary.read and not summary.written and summary.rejected >= summary.read:
        raise ModClfError(f"all {summary.read} record(s) of {args.input} were rejected{where}")
    return 0


def _score_on_ray(args: argparse.Namespace) -> int:
    """`modclf score --engine ray INPUT -o OUTPUT_DIR`: OUTPUT_DIR/scored/ and OUTPUT_DIR/rejects/."""
    try:
        import ray
    except ImportError as exc:
        raise ModClfError("--engine ray needs the ray extra: pip install 'modclf[ray]'") from exc
    from modclf.ray import read_input, score_dataset, split, write_output

    if not args.output or args.output == "-":
        raise ModClfError("--engine ray writes a folder: give -o OUTPUT_DIR")
    if args.articles is not None and not str(args.articles).lower().endswith((".jsonl", ".parquet")):
        raise ModClfError(f"--articles {args.articles}: with --engine ray, a .jsonl or .parquet file of {{id, article}}")
    policy = _policy(args)
    ray.init(address=args.address, include_dashboard=False, logging_level="WARNING")
    try:
        ds, fmt = read_input(args.input)
        articles = None
        if args.articles is not None:
            import ray.data

            articles = (ray.data.read_parquet(args.articles) if str(args.articles).lower().endswith(".parquet")
                        else ray.data.read_json(args.articles))
        results = score_dataset(ds, model=args.model, policy=policy, actors=args.actors,
                                cpus_per_actor=args.cpus_per_actor, batch_size=args.batch_size,
                                preserve_order=args.preserve_order, precision=args.precision, articles=articles)
        scored, rejects = split(results)
        write_output(scored, rejects, args.output, fmt)
        n_scored, n_rejected = scored.count(), rejects.count()
    finally:
        ray.shutdown()
    logger.info("score (ray): %d comments scored, %d records rejected; in %s/scored and %s/rejects",
                n_scored, n_rejected, args.output, args.output)
    return 0


# --- train -----------------------------------------------------------------------------------------


def _setup_train(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="YAML training config (see configs/default.yaml)")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "Any setting of the config can be overridden as --key=value (type-checked against the config).\n"
        "example: modclf train --config configs/retrain.yaml --label_files='[labels.jsonl]' --scoring_epochs=1\n\n"
        "settings (configs/default.yaml):\n" + _config_keys_help()
    )


def _config_keys_help() -> str:
    """`key: why` for each setting of the shipped default training config, from its comments."""
    import re
    from pathlib import Path

    here = Path(__file__).resolve()
    for path in (here.parents[1] / "configs" / "default.yaml", here.parent / "defaults" / "default.yaml"):
        if path.is_file():
            break
    else:
        return "  (configs/default.yaml not found)"
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(\w+):\s*(.*?)\s*#\s*(.*)$", line)
        if match:
            key, value, why = match.groups()
            lines.append(f"  {key} = {value}: {why}")
    return "\n".join(lines)


def _run_train(args: argparse.Namespace) -> int:
    from modclf.config import load_config
    from modclf.training.train import TrainConfig, train

    config = load_config(TrainConfig, args.config, args.extra)
    best = train(config)
    logger.info("train: best model written to %s", best)
    return 0


# --- bench -----------------------------------------------------------------------------------------


def _setup_bench(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Measure on this machine: matmul throughput and the resulting bound in comments/s, a naive "
        "Hugging Face-style baseline, and modclf's engine end to end, on a generated comment dump."
    )
    parser.add_argument("--model", help="model folder (default: $MODCLF_MODEL or the released model)")
    parser.add_argument("--comments", type=_positive_int, default=4000, help="comments in the generated dump")
    parser.add_argument(
        "--naive-comments", type=_positive_int, default=1024, help="comments the (slow) naive baseline scores"
    )
    parser.add_argument("--per-article", type=_positive_int, default=1000, help="comments per article")
    parser.add_argument(
        "--precision", nargs="+", choices=("fp32", "bf16", "int8"), default=None,
        help="engine precisions to run (default: fp32 and int8, and bf16 where the CPU has native bf16: emulated bf16 is slow)"
    )
    parser.add_argument("--duplicates", type=float, default=0.0, help="fraction of comments that repeat one before")
    parser.add_argument(
        "--engine-runs", type=_positive_int, default=2, help="engine runs per precision; the best is reported"
    )
    parser.add_argument("--compare", metavar="MODEL",
                        help="another model folder whose engine runs on the same dump in the same run (e.g. the previous release)")
    parser.add_argument("--threads", type=_positive_int, help="torch threads (default: physical cores)")
    parser.add_argument("--workdir", help="folder for the generated dump (default: the system temp folder)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results as JSON to this file")


def _run_bench(args: argparse.Namespace) -> int:
    import torch

    from modclf.batch.bench import main_bench
    from modclf.batch.engine import physical_cores
    from modclf.encode import resolve_precision

    torch.set_num_threads(args.threads or physical_cores())
    if args.precision is None:
        args.precision = ["fp32", "bf16", "int8"] if resolve_precision("auto") == "bf16" else ["fp32", "int8"]
    main_bench(args)
    return 0


# --- serve and feedback ----------------------------------------------------------------------------


def _setup_serve(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Serve the model over HTTP: the native /v1 API, Perspective's comments:analyze and "
        "comments:suggestscore, and Coral Talk's external moderation phase (docs/serve.md)."
    )
    parser.epilog = "example: modclf serve --port 8080 --config configs/serve.yaml   (API docs: http://127.0.0.1:8080/docs)"
    parser.add_argument("--config", help="service settings YAML (see configs/serve.yaml); flags below override it")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; others need API keys)")
    parser.add_argument("--port", type=int, help="port (default 8080)")
    parser.add_argument("--model", help="model folder (default: $MODCLF_MODEL or the released model)")
    parser.add_argument("--policy", help="moderation policy YAML (default: the model folder's policy.yaml, else configs/policy.yaml)")
    parser.add_argument("--database", help="SQLite file for articles and feedback (default modclf-serve.sqlite3)")


def _run_serve(args: argparse.Namespace) -> int:
    from modclf.serve import load_serve_config, serve

    config = load_serve_config(args.config, {name: getattr(args, name) for name in
                                             ("host", "port", "model", "policy", "database")})
    serve(config)
    return 0


def _setup_feedback(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "example: modclf feedback export -o labels.jsonl && modclf train --config configs/retrain.yaml --label_files='[labels.jsonl]'"
    parser.add_argument("action", choices=("export",), help="export: write moderator feedback as a label file")
    parser.add_argument("-o", "--output", required=True, help="label file to write (JSON Lines; - for stdout)")
    parser.add_argument("--config", help="service settings YAML, to find its database")
    parser.add_argument("--database", help="the service's SQLite file (default: from --config, else modclf-serve.sqlite3)")


def _run_feedback(args: argparse.Namespace) -> int:
    from modclf.config import load_config
    from modclf.serve import export_feedback
    from modclf.serve.config import ServeConfig

    database = args.database or load_config(ServeConfig, args.config).database
    n = export_feedback(database, args.output)
    logger.info("feedback: %d labelled comment(s) written to %s", n, args.output)
    return 0


# --- thresholds ------------------------------------------------------------------------------------


def _setup_thresholds(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Score your own labelled comments and print precision, recall and false-positive rate per "
        "threshold, and the threshold that meets a target (for the review/remove settings of a policy)."
    )
    parser.epilog = "example: modclf thresholds labels.csv --label incitement --max-fpr 0.01"
    parser.add_argument("labels", help="a label file (.jsonl, .csv, .parquet: text, article, incitement, off_topic; docs/label_files.md)")
    parser.add_argument("--label", choices=("incitement", "off_topic"), required=True)
    parser.add_argument("--max-fpr", type=float, help="highest false-positive rate allowed (e.g. 0.01 for remove)")
    parser.add_argument("--min-precision", type=float, help="lowest precision allowed")
    parser.add_argument("--min-recall", type=float, help="lowest recall wanted (e.g. 0.9 for review)")
    _add_model_options(parser)


def _run_thresholds(args: argparse.Namespace) -> int:
    from modclf.api import ModClf
    from modclf.training.sources.labels import load_label_files
    from modclf.training.thresholds import format_table, pick_threshold, threshold_table

    examples = [e for e in load_label_files(args.labels) if getattr(e, args.label) is not None]
    if args.label == "off_topic":
        examples = [e for e in examples if e.article]
    if not examples:
        raise ModClfError(f"{args.labels}: no row has a {args.label} label" +
                          (" and an article" if args.label == "off_topic" else ""))
    clf = ModClf.from_pretrained(args.model, precision=args.precision)
    by_article: dict = {}
    for e in examples:
        by_article.setdefault(e.article, []).append(e)
    scores, labels = [], []
    for article, group in by_article.items():
        for e, score in zip(group, clf.score([e.text for e in group], article=article)):
            scores.append(getattr(score, args.label))
            labels.append(getattr(e, args.label) >= 0.5)
    rows = threshold_table(scores, labels)
    print(f"{args.label}: {len(labels)} labelled comments, {sum(labels)} positive ({clf.model_id})")
    print(format_table(rows))
    targets = {"max_fpr": args.max_fpr, "min_precision": args.min_precision, "min_recall": args.min_recall}
    if any(v is not None for v in targets.values()):
        best = pick_threshold(rows, **targets)
        wanted = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in targets.items() if v is not None)
        if best is None:
            print(f"no threshold meets {wanted} on this data")
            return 1
        print(f"threshold {best['threshold']:.6g} meets {wanted}: precision {best['precision']:.3f}, "
              f"recall {best['recall']:.3f}, false-positive rate {best['fpr']:.4f} ({best['flagged']} flagged)")
    return 0


# --- calibrate -------------------------------------------------------------------------------------


def _setup_calibrate(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Refit one label's calibration (temperature and bias) on your own labelled comments and write the "
        "recalibrated model folder: probabilities that match your platform's rates, rankings unchanged. "
        "Label a random sample of your comments, not only those the queue flagged."
    )
    parser.epilog = "example: modclf calibrate labels.csv --label incitement -o models/ours"
    parser.add_argument("labels", help="a label file (.jsonl, .csv, .parquet: text, article, incitement, off_topic; docs/label_files.md)")
    parser.add_argument("--label", choices=("incitement", "off_topic"), required=True)
    parser.add_argument("-o", "--output", required=True, help="folder to write the recalibrated model to")
    parser.add_argument("--force", action="store_true", help="replace OUTPUT if it already holds a model")
    parser.add_argument("--policy", help="policy whose thresholds are moved to the new scale (default: the model folder's policy.yaml, else configs/policy.yaml)")
    # No --precision: the fit runs on fp32 logits, against which every precision is measured.
    parser.add_argument("--model", help="model folder (default: $MODCLF_MODEL or the released model)")


def _policy(args: argparse.Namespace):
    """--policy, else the model folder's own policy.yaml (from `modclf calibrate`), else the default."""
    from modclf.api import default_model_path
    from modclf.policy import Policy

    return Policy.load(args.policy, model_dir=args.model or default_model_path())


def _run_calibrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from modclf.api import ModClf
    from modclf.training.recalibration import check_output, recalibrate, save_recalibrated
    from modclf.training.sources.labels import load_label_files

    output = Path(args.output)
    policy = _policy(args)
    clf = ModClf.from_pretrained(args.model, precision="fp32")
    check_output(output, clf.path)  # before the fit, so a wrong -o fails at once
    if output.is_dir() and any(output.iterdir()) and not args.force:
        raise ModClfError(f"{output} already holds a model; pass --force to replace it")
    report = recalibrate(clf, load_label_files(args.labels), args.label)
    moved = save_recalibrated(clf, report, output, args.labels, policy).thresholds[args.label]
    cv = report["ece_after_cross_validated"]
    print(f"{args.label}: {report['comments']} labelled comments, {report['positives']} positive (mean label {report['base_rate']:.3f})")
    print(f"temperature, bias: {report['old'][0]:.4g}, {report['old'][1]:.4g} -> {report['new'][0]:.4g}, {report['new'][1]:.4g}")
    print(f"ECE on these comments: {report['ece_before']:.4f} -> {report['ece_after']:.4f}"
          + ("" if cv is None else f" ({cv:.4f} cross-validated by group)"))
    print(f"wrote {output} ({clf.model_id}); with --model {output}, its policy.yaml (the default there) makes the "
          f"same decisions as {policy.source} did ({args.label} review {moved.review}, remove {moved.remove})")
    return 0


# --- registry --------------------------------------------------------------------------------------

# name -> (help, setup(parser), run(args) -> exit code).
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "segment": ("split pages into body, boilerplate and reader comments", _setup_segment, _run_segment),
    "score": ("score reader comments for incitement and off-topic and apply a moderation policy", _setup_score, _run_score),
    "train": ("train or fine-tune a model from a YAML config", _setup_train, _run_train),
    "serve": ("serve the model over HTTP (Perspective- and Coral-compatible moderation service)", _setup_serve, _run_serve),
    "feedback": ("export moderator feedback gathered by the service as a label file", _setup_feedback, _run_feedback),
    "thresholds": ("choose policy thresholds on your own labelled comments", _setup_thresholds, _run_thresholds),
    "calibrate": ("refit a label's calibration on your own labelled comments", _setup_calibrate, _run_calibrate),
    "bench": ("measure comments/s: matmul bound, naive baseline and the engine, on this machine", _setup_bench, _run_bench),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modclf", description="Segment news pages and score reader comments.")
    parser.add_argument("--version", action="version", version=f"modclf {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="errors only")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, setup, run) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        setup(sub)
        # -v/-q also after the subcommand (SUPPRESS: not given there keeps the top-level value).
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging")
        sub.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="errors only")
        sub.set_defaults(run=run)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> tuple[logging.Handler, int]:
    """Send modclf's log records to stderr for this run; returns what _restore_logging undoes."""
    package = logging.getLogger("modclf")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("modclf: %(levelname)s: %(message)s"))
    previous_level = package.level
    package.addHandler(handler)
    package.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    return handler, previous_level


def _restore_logging(handler: logging.Handler, previous_level: int) -> None:
    package = logging.getLogger("modclf")
    package.removeHandler(handler)
    package.setLevel(previous_level)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    # Only `train` takes free-form --key=value overrides; every other command stays strict.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "train":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    handler, previous_level = _configure_logging(args.verbose, args.quiet)
    try:
        return args.run(args)
    except ModClfError as exc:
        print(f"modclf {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"modclf {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `modclf segment dump.jsonl | head`: the reader left; not worth a traceback. Point stdout
        # at devnull so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        _restore_logging(handler, previous_level)


if __name__ == "__main__":
    sys.exit(main())
