"""`modclf bench`: how fast this machine scores comments, next to what it could do and the naive way.

In one run, on a generated comment dump (realistic lengths: mean about 60 tokens, a long tail to
512; 1,000 comments per article, articles by `article_id`; every comment text distinct unless
--duplicates says otherwise, so that dedupe does not flatter the engine):

(a) the matrix-multiply throughput of this CPU on the model's own layer shapes, in each precision
    asked for (int8: the maps as `--precision int8` runs them, the FFN output map in fp32; the best
    of three one-second trials), and the resulting upper bound in comments/s: the FLOPs
    of one comment at the dump's mean token length (every linear layer and the attention of the
    encoder layers on the scoring path) divided into that throughput;
(b) a naive baseline over the same model, the usual Hugging Face way: comments in input order,
    batches of 32 padded to the longest, fp32, the batch's article encoded with each batch, no
    caching (on the first --naive-comments comments);
(c) modclf's engine end to end (`score_file`: read -> score -> write, through files), in each
    precision asked for (the best of --engine-runs runs).

It prints comments/s for each, engine/naive and engine/bound; and a page benchmark: one 150-line
page with 50 comments segmented and scored (seconds).
"""

from __future__ import annotations

import json
import logging
import math
import random
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from modclf.model import int8_available, packing_available
from modclf.pages import read_page

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
MEAN_TOKENS = 60  # target mean comment length in tokens
MAX_TOKENS = 512  # the long tail is clipped here
LENGTH_SIGMA = 0.9  # log-normal spread: ~2% of comments above 256 tokens, ~0.2% at 512
NAIVE_BATCH = 32
FALLBACK_SENTENCES = [
    "The council approved the new harbour bridge budget on Tuesday after a long debate.",
    "Residents said the work would close the old road for most of the summer.",
    "I have lived here for thirty years and nobody ever asked us what we wanted.",
    "Who is going to pay for all of this when the money runs out again?",
    "Great reporting, thank you for explaining the numbers so clearly.",
    "The library reopens next month with longer hours and a new children's room.",
    "This is exactly why people stop trusting the local papers.",
    "My kids walk across that bridge every day, so I am glad something is finally happening.",
]


@dataclass
class BenchResult:
    """Everything one bench run measured (comments/s unless named otherwise)."""

    threads: int
    comments: int
    mean_tokens: float  # after truncation to the model's max comment tokens
    mean_tokens_untruncated: float
    gflops: dict = field(default_factory=dict)  # precision -> matmul GFLOP/s on the model's shapes
    flops_per_comment: float = 0.0
    bound: dict = field(default_factory=dict)  # precision -> comments/s upper bound
    naive: float = 0.0
    engine: dict = field(default_factory=dict)  # precision -> comments/s end to end (best of engine_runs)
    engine_runs: int = 1
    page_seconds: dict = field(default_factory=dict)  # precision -> seconds for one 150-line page
    compare_model: str | None = None  # another model whose engine ran on the same dump in this run
    compare_engine: dict = field(default_factory=dict)  # precision -> its comments/s

    def lines(self) -> list[str]:
        out = [
            f"threads: {self.threads}; dump: {self.comments} comments, mean {self.mean_tokens:.1f} tokens as scored "
            f"({self.mean_tokens_untruncated:.1f} before truncation)",
            "matmul on the model's layer shapes: "
            + ", ".join(f"{p} {g:.0f} GFLOP/s" for p, g in self.gflops.items()),
            f"FLOPs per comment at the mean length: {self.flops_per_comment / 1e9:.2f} GFLOP",
            "bound: " + ", ".join(f"{p} {b:.0f} comments/s" for p, b in self.bound.items()),
            f"naive (HF-style, input order, batches of {NAIVE_BATCH} padded to the longest, fp32): "
            f"{self.naive:.1f} comments/s",
        ]
        for precision, rate in self.engine.items():
            out.append(
                f"engine {precision} (best of {self.engine_runs}): {rate:.1f} comments/s = "
                f"{rate / self.naive:.1f}x naive, {rate / self.bound[precision]:.1%} of the {precision} bound"
            )
        for precision, rate in self.compare_engine.items():
            out.append(f"engine {precision}, {self.compare_model}: {rate:.1f} comments/s; this model / that one: "
                       f"{self.engine[precision] / rate:.2f}")
        for precision, seconds in self.page_seconds.items():
            out.append(f"page {precision}: 150 lines with 50 comments segmented and scored in {seconds:.3f} s")
        return out


# --- the synthetic dump ----------------------------------------------------------------------------


def sentence_pool() -> list[str]:
    """Sentences from the bundled example pages (own text), or a few built-in ones."""
    sentences: list[str] = []
    folder = REPO / "examples" / "pages"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            for block in read_page(path.read_bytes()).blocks:
                sentences += [s.strip() + "." for s in block.text.split(". ") if len(s.split()) >= 4]
    return sentences or list(FALLBACK_SENTENCES)


def comment_lengths(n: int, rng: random.Random) -> list[int]:
    """Target token lengths: log-normal with mean MEAN_TOKENS, clipped to [4, MAX_TOKENS]."""
    mu = math.log(MEAN_TOKENS) - LENGTH_SIGMA**2 / 2
    return [min(MAX_TOKENS, max(4, round(rng.lognormvariate(mu, LENGTH_SIGMA)))) for _ in range(n)]


def make_comments(n: int, seed: int = 0, duplicates: float = 0.0) -> list[str]:
    """n comments of realistic length, distinct unless `duplicates` (a fraction) repeat earlier ones."""
    rng = random.Random(seed)
    sentences = sentence_pool()
    words = [w for s in sentences for w in s.split()]
    seen: set[str] = set()
    comments: list[str] = []
    for target in comment_lengths(n, rng):
        if comments and rng.random() < duplicates:
            comments.append(rng.choice(comments))
            continue
        n_words = max(2, round(target / 1.3))  # ~1.3 word-piece tokens per word in news English
        parts: list[str] = []
        while len(parts) < n_words:
            parts += rng.choice(sentences).split()
        text = " ".join(parts[:n_words])
        while text in seen:
            text += " " + rng.choice(words)
        seen.add(text)
        comments.append(text)
    return comments


def write_dump(folder: Path, n: int, per_article: int = 1000, seed: int = 0, duplicates: float = 0.0):
    """comments.jsonl ({id, comment, article_id}) and articles.jsonl in folder; returns both paths."""
    comments = make_comments(n, seed, duplicates)
    sentences = sentence_pool()
    rng = random.Random(seed + 1)
    n_articles = max(1, math.ceil(n / per_article))
    articles = folder / "articles.jsonl"
    with open(articles, "w", encoding="utf-8") as f:
        for a in range(n_articles):
            text = " ".join(rng.choice(sentences) for _ in range(30))
            f.write(json.dumps({"id": f"a{a}", "article": text}) + "\n")
    dump = folder / "comments.jsonl"
    with open(dump, "w", encoding="utf-8") as f:
        for i, text in enumerate(comments):
            f.write(json.dumps({"id": i, "comment": text, "article_id": f"a{i // per_article}"}) + "\n")
    return dump, articles


# --- (a) throughput and bound ----------------------------------------------------------------------


def layer_shapes(encoder_config) -> list[tuple[int, int]]:
    """(in, out) of the linear layers of one encoder layer: query, key, value, output, FFN in, FFN out."""
    h, ff = encoder_config.hidden_size, encoder_config.intermediate_size
    return [(h, h), (h, h), (h, h), (h, h), (h, ff), (ff, h)]


def matmul_gflops(
    shapes: list[tuple[int, int]], dtype: torch.dtype, tokens: int = 4096, seconds: float = 1.0, trials: int = 3
) -> float:
    """Peak measured throughput (GFLOP/s) of the layer's linear maps on a (tokens, in) input, in `dtype`.

    The best of `trials` timed runs of each way to multiply: a plain `x @ w`, and oneDNN's linear
    with the weight packed once into its blocked layout (what modclf's inference forward uses, and
    faster here). A bound should be what the hardware allows, and on a shared machine a single run
    can read 10% low, which would flatter the engine.
    """
    methods = [False, True] if packing_available(dtype) else [False]
    return max(
        _matmul_gflops_once(shapes, dtype, tokens, seconds, packed) for packed in methods for _ in range(trials)
    )


def _matmul_gflops_once(
    shapes: list[tuple[int, int]], dtype: torch.dtype, tokens: int, seconds: float, packed: bool = False
) -> float:
    inputs = {d: torch.randn(tokens, d).to(dtype) for d in {i for i, _ in shapes}}
    weights = [torch.randn(i, o).to(dtype) for i, o in shapes]
    if packed:
        weights = [torch.ops.mkldnn._reorder_linear_weight(w.t().contiguous(), tokens) for w in weights]
    flops = sum(2 * tokens * i * o for i, o in shapes)

    def once():
        for (i, _), w in zip(shapes, weights):
            if packed:
                torch.ops.mkldnn._linear_pointwise(inputs[i], w, None, "none", [], "")
            else:
                inputs[i] @ w

    with torch.inference_mode():
        return flops / _seconds_per_call(once, seconds) / 1e9


def _seconds_per_call(once, seconds: float) -> float:
    """Mean seconds of once() after 3 warm-up calls, over at least 5 calls and `seconds`."""
    for _ in range(3):
        once()
    runs, started = 0, time.perf_counter()
    while runs < 5 or time.perf_counter() - started < seconds:
        once()
        runs += 1
    return (time.perf_counter() - started) / runs


def int8_matmul_gflops(shapes: list[tuple[int, int]], tokens: int = 4096, seconds: float = 1.0, trials: int = 3) -> float:
    """Peak measured throughput (GFLOP/s) of the layer's linear maps as `--precision int8` runs them:
    dynamic int8 (per-channel weights, activations quantized per call) except the FFN output map,
    which stays fp32 (its best fp32 way, packed or plain), as in modclf.model._linear."""
    from modclf.model import _pack_int8  # the same packing as the model's int8 maps

    *int8_shapes, ffn_out = shapes
    with torch.inference_mode():
        fp32_seconds = 2 * tokens * ffn_out[0] * ffn_out[1] / (matmul_gflops([ffn_out], torch.float32, tokens, seconds, trials) * 1e9)
        inputs = {d: torch.randn(tokens, d) for d in {i for i, _ in int8_shapes}}
        packed = [(i, _pack_int8(torch.randn(o, i), torch.zeros(o))) for i, o in int8_shapes]

        def once():
            for i, w in packed:
                torch.ops.quantized.linear_dynamic(inputs[i], w, False)

        best = min(_seconds_per_call(once, seconds) for _ in range(trials))
    flops = sum(2 * tokens * i * o for i, o in shapes)
    return flops / (best + fp32_seconds) / 1e9


def flops_per_comment(encoder_config, layers: int, tokens: float) -> float:
    """FLOPs of one comment of `tokens` tokens on the scoring path: linear layers + attention, per layer.

    Per token and layer, the linear maps cost 2 * (4 h^2 + 2 h ff); attention scores and the
    weighted sum cost 2 * 2 * tokens * h. Embeddings, layer norms, softmax, pooling and the heads
    are left out (small, and not matmuls), so the bound is an upper bound.
    """
    h, ff = encoder_config.hidden_size, encoder_config.intermediate_size
    return layers * tokens * (2 * (4 * h * h + 2 * h * ff) + 4 * tokens * h)


# --- (b) the naive baseline ------------------------------------------------------------------------


def naive_rate(clf, comments: list[str], article_of: list[str]) -> float:
    """Comments/s the usual Hugging Face way: input order, batches of 32 padded to the longest, fp32."""
    from modclf.model import plain_forward
    from modclf.score import embed_articles, scores_from_embeddings

    model, tokenizer = clf.model, clf.tokenizer
    started = time.perf_counter()
    with torch.inference_mode(), plain_forward():
        for start in range(0, len(comments), NAIVE_BATCH):
            batch = comments[start : start + NAIVE_BATCH]
            texts = article_of[start : start + NAIVE_BATCH]
            encoded = tokenizer(batch, padding=True, truncation=True, max_length=model.config.max_comment_tokens,
                                return_tensors="pt")
            emb = model.score_embed(encoded["input_ids"], encoded["attention_mask"])
            distinct = list(dict.fromkeys(texts))
            article_emb = embed_articles(model, tokenizer, distinct, "fp32")
            rows = {t: article_emb[i] for i, t in enumerate(distinct)}
            scores_from_embeddings(model, emb, [rows[t] for t in texts])
    return len(comments) / (time.perf_counter() - started)


# --- the page benchmark ----------------------------------------------------------------------------


def bench_page(n_lines: int = 150, n_comments: int = 50, seed: int = 0) -> str:
    """A plain-text page of n_lines: article and chrome lines, then n_comments one-line comments."""
    rng = random.Random(seed)
    sentences = sentence_pool()
    head = [f"{rng.choice(sentences)}" for _ in range(n_lines - n_comments)]
    comments = [c.replace("\n", " ") for c in make_comments(n_comments, seed + 7)]
    return "\n".join(head + comments)


def page_seconds(clf, page: str, repeats: int = 5) -> float:
    """Median seconds to segment a page and score its comments against its body."""
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        segmented = clf.segment(page)
        comments = [c.text for c in segmented.comments]
        if comments:
            clf.score(comments, article=segmented.body or None)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])  # the first run warms up


# --- the run ---------------------------------------------------------------------------------------


def run_bench(
    model: str | None = None,
    comments: int = 4000,
    naive_comments: int = 1024,
    per_article: int = 1000,
    precisions: tuple[str, ...] = ("fp32", "bf16"),
    duplicates: float = 0.0,
    workdir: str | None = None,
    seed: int = 0,
    engine_runs: int = 2,
    compare: str | None = None,
) -> BenchResult:
    """Measure (a) matmul throughput and bound, (b) the naive baseline, (c) the engine; see the module doc."""
    from modclf.api import ModClf
    from modclf.batch.engine import RunOptions
    from modclf.batch.jobs import score_file
    from modclf.encode import tokenize
    from modclf.errors import ConfigError
    from modclf.policy import Policy

    if "int8" in precisions and not int8_available():
        raise ConfigError("precision int8: this torch build has no dynamic int8 linear maps (torch.ops.quantized)")
    clf = ModClf.from_pretrained(model)
    encoder_config = clf.model.encoder.config
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        folder = Path(tmp)
        dump, articles = write_dump(folder, comments, per_article, seed, duplicates)
        records = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
        texts = [r["comment"] for r in records]
        article_text = {json.loads(line)["id"]: json.loads(line)["article"]
                        for line in articles.read_text(encoding="utf-8").splitlines()}
        lengths = [len(r) for r in tokenize(clf.tokenizer, texts, clf.config.max_comment_tokens)]
        untruncated = [len(r) for r in clf.tokenizer(texts, add_special_tokens=True)["input_ids"]]
        result = BenchResult(
            threads=torch.get_num_threads(), comments=len(texts), mean_tokens=statistics.fmean(lengths),
            mean_tokens_untruncated=statistics.fmean(untruncated), engine_runs=engine_runs,
        )
        logger.info("bench: %s", result.lines()[0])
        shapes = layer_shapes(encoder_config)
        dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
        result.flops_per_comment = flops_per_comment(encoder_config, encoder_config.num_hidden_layers, result.mean_tokens)
        for precision in precisions:
            if precision == "int8":
                result.gflops[precision] = int8_matmul_gflops(shapes)
            else:
                result.gflops[precision] = matmul_gflops(shapes, dtypes[precision])
            result.bound[precision] = result.gflops[precision] * 1e9 / result.flops_per_comment
        logger.info("bench: %s; %s", result.lines()[1], result.lines()[3])

        subset = records[:naive_comments]
        result.naive = naive_rate(clf, [r["comment"] for r in subset], [article_text[r["article_id"]] for r in subset])
        logger.info("bench: %s", result.lines()[4])

        policy = Policy.load()
        page = bench_page()
        other = ModClf.from_pretrained(compare) if compare else None
        if other is not None:
            result.compare_model = other.model_id

        def engine_rate(scorer, precision: str) -> float:
            scorer.precision = precision
            rates = []
            for _ in range(engine_runs):  # the best run, like the bound's best trial
                summary = score_file(scorer, dump, folder / f"scored_{precision}.jsonl", folder / "rejects.jsonl",
                                     articles=articles, policy=policy, options=RunOptions(progress=False))
                rates.append(summary.written / summary.seconds)
            return max(rates)

        for precision in precisions:
            result.engine[precision] = engine_rate(clf, precision)
            logger.info("bench: engine %s: %.1f comments/s", precision, result.engine[precision])
            if other is not None:  # interleaved, so both models see the same state of the machine
                result.compare_engine[precision] = engine_rate(other, precision)
                logger.info("bench: engine %s, %s: %.1f comments/s", precision, other.model_id,
                            result.compare_engine[precision])
            result.page_seconds[precision] = page_seconds(clf, page)
    return result


def main_bench(args) -> BenchResult:
    """Run the bench for `modclf bench` and print (and optionally save) its results."""
    result = run_bench(
        model=args.model, comments=args.comments, naive_comments=args.naive_comments,
        per_article=args.per_article, precisions=tuple(args.precision), duplicates=args.duplicates,
        workdir=args.workdir, seed=args.seed, engine_runs=args.engine_runs, compare=args.compare,
    )
    from modclf.api import _measured_precision, default_model_path
    from modclf.encode import choose_precision

    chosen, why = choose_precision(_measured_precision(Path(args.model) if args.model else default_model_path()))
    print(f"--precision auto chooses {chosen}: {why}")
    for line in result.lines():
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(result), indent=2) + "\n")
    return result
