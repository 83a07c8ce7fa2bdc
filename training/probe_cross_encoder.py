"""Does a cross-encoder (comment and article read together) beat similarity for off-topic? A probe.

    python training/probe_cross_encoder.py --reference models/modclf-base [--layers 6]
        [--comment-tokens 64] [--article-tokens 128] [--epochs 1] [--out runs/xenc]

Similarity features top out near 0.75 (SemEval) and 0.89 (news pairs) ROC-AUC (docs/scoring.md), under
the issue's 0.82 / 0.92. This fine-tunes all-MiniLM-L6-v2 (its first `--layers` layers) on
`[CLS] comment [SEP] article lead [SEP]` for the off-topic training pairs of SemEval and news pairs,
with two heads on the mean-pooled states: `cross` alone, and `cross+ref`, which also reads the
reference model's own off-topic logit (what a released model would combine it with). It prints
ROC-AUC on the dev pairs (never the test split) for the reference, both heads, `cross, ref on dev`
(one logistic regression over the cross and reference logits, both sources pooled, scored by 5-fold
cross-validation on dev: a combiner fitted where the cross logit has not seen the labels) and the
cost of a cross pass relative to the scoring path's comment pass, and keeps the dev scores in
`--out` (`--report DIR` prints a kept run again).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_scoring import bootstrap_weights, interval, weighted_roc_auc  # noqa: E402

SOURCES = ("semeval", "news_pairs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=Path("models/modclf-base"))
    parser.add_argument("--data-dir", default=None, help="default: $MODCLF_DATA_DIR or ../shared/data")
    parser.add_argument("--cache-dir", default="runs/cache", help="shared-layer state cache (as in training)")
    parser.add_argument("--layers", type=int, default=6, help="pretrained layers the cross-encoder keeps")
    parser.add_argument("--comment-tokens", type=int, default=64)
    parser.add_argument("--article-tokens", type=int, default=128, help="the article's lead, in tokens")
    parser.add_argument("--epochs", type=float, default=1.5)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/xenc"))
    parser.add_argument("--report", type=Path, default=None, help="print a kept run's results and stop")
    args = parser.parse_args(argv)
    if args.report:
        if not (args.report / "dev_scores.npz").exists():
            parser.error(f"{args.report} holds no dev_scores.npz: pass the --out folder of a finished run")
        print(json.dumps(report(args.report), indent=2))
        return 0

    from modclf import base
    from modclf.bert import BertModel, BertTokenizer
    from modclf.model import load_model, mean_pool
    from modclf.training.scoring import StateCache, predict_logits

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    pairs, train, dev = probe_pairs(args.data_dir)

    reference, ref_tokenizer = load_model(args.reference)
    _, ref = predict_logits(reference, StateCache(reference, ref_tokenizer, 128, args.cache_dir), pairs)
    ref = torch.tensor(ref, dtype=torch.float32)
    del reference

    folder = base.package_folder(base.DEFAULT_BASE_PACKAGE)
    tokenizer = BertTokenizer.from_pretrained(folder)
    encoder = BertModel.from_pretrained(folder)
    encoder.encoder.layer = encoder.encoder.layer[: args.layers]
    hidden = encoder.config.hidden_size
    heads = nn.ModuleDict({"cross": nn.Linear(hidden, 1), "cross+ref": nn.Linear(hidden + 1, 1)})

    def tokens(texts: list[str], limit: int) -> list[list[int]]:
        return tokenizer(texts, add_special_tokens=False, truncation=True, max_length=limit)["input_ids"]

    comments = tokens([ex.text for ex in pairs], args.comment_tokens)
    leads = tokens([ex.article for ex in pairs], args.article_tokens)

    def forward(index: list[int]) -> dict[str, torch.Tensor]:
        seqs = [[tokenizer.cls_token_id, *comments[i], tokenizer.sep_token_id, *leads[i], tokenizer.sep_token_id] for i in index]
        width = max(map(len, seqs))
        ids = torch.tensor([s + [tokenizer.pad_token_id] * (width - len(s)) for s in seqs])
        types = torch.tensor([[0] * (len(comments[i]) + 2) + [1] * (width - len(comments[i]) - 2) for i in index])
        mask = (torch.arange(width)[None, :] < torch.tensor([len(s) for s in seqs])[:, None]).long()
        pooled = mean_pool(encoder(input_ids=ids, attention_mask=mask, token_type_ids=types * mask).last_hidden_state, mask)
        return {
            "cross": heads["cross"](pooled).squeeze(-1),
            "cross+ref": heads["cross+ref"](torch.cat([pooled, ref[index, None]], dim=-1)).squeeze(-1),
        }

    labels = torch.tensor([float(ex.off_topic >= 0.5) for ex in pairs])
    params = list(encoder.parameters()) + list(heads.parameters())
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = max(1, int(args.epochs * len(train) / args.batch_size))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    encoder.train()
    order: list[int] = []
    start = time.time()
    for step in range(steps):
        if len(order) < args.batch_size:
            order = rng.sample(train, len(train))
        batch = [order.pop() for _ in range(args.batch_size)]
        out = forward(batch)
        loss = sum(nn.functional.binary_cross_entropy_with_logits(v, labels[batch]) for v in out.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 100 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - start:.0f}s", flush=True)

    encoder.eval()
    scores = {"reference": ref[dev].numpy()}
    with torch.no_grad():
        outs = [forward(dev[i : i + 64]) for i in range(0, len(dev), 64)]
    for name in heads:
        scores[name] = torch.cat([o[name] for o in outs]).numpy()
    # Encoder cost per comment, in layer-tokens: the cross pass against the scoring path's own comment pass.
    layer_tokens = sum(args.layers * (len(comments[i]) + len(leads[i]) + 3) for i in dev)
    scoring_tokens = sum(6 * (len(comments[i]) + 2) for i in dev)
    run = {
        "cross_cost_vs_comment_pass": round(layer_tokens / scoring_tokens, 2),
        "args": {k: str(v) for k, v in vars(args).items()},
        "train_seconds": round(time.time() - start),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    source = np.array([pairs[i].source for i in dev])
    group = np.array([pairs[i].group for i in dev])
    np.savez(args.out / "dev_scores.npz", source=source, group=group, label=labels[dev].numpy(), **scores)
    (args.out / "run.json").write_text(json.dumps(run, indent=2) + "\n")
    print(json.dumps(report(args.out), indent=2))
    return 0


def probe_pairs(data_dir) -> tuple[list, list[int], list[int]]:
    """(pairs, train indices, dev indices): the SemEval and news-pairs examples with an article and
    an off-topic label, without the test split."""
    from modclf.training.sources.comments import build_scoring_data

    data = build_scoring_data(data_dir, seed=0)
    pairs = [ex for ex in data if ex.article and ex.off_topic is not None and ex.source in SOURCES and ex.split != "test"]
    return pairs, [i for i, ex in enumerate(pairs) if ex.split == "train"], [i for i, ex in enumerate(pairs) if ex.split == "dev"]


def interval_against(scores, reference, y, source, groups) -> dict[str, list[float]]:
    """Per source, the 95% interval of ROC-AUC(scores) minus ROC-AUC(reference): the gate's paired
    cluster bootstrap (1,000 resamples of `groups`)."""
    out = {}
    for s in SOURCES:
        keep = source == s
        boot = bootstrap_weights(groups[keep], 1000, 0)
        diffs = weighted_roc_auc(scores[keep], y[keep], boot) - weighted_roc_auc(reference[keep], y[keep], boot)
        out[s] = [round(q, 4) for q in interval(diffs)]
    return out


def report(folder: Path) -> dict:
    """Dev ROC-AUC per source of each kept score, and of the cross and reference logits combined
    by one logistic regression (both sources pooled) scored by 5-fold cross-validation on dev."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    kept = np.load(folder / "dev_scores.npz")
    source, y = kept["source"], kept["label"]
    scores = {name: kept[name] for name in kept.files if name not in ("source", "label", "group")}
    x = np.column_stack([scores["cross"], scores["reference"]])
    x = (x - x.mean(0)) / x.std(0)
    strata = [f"{s}:{int(label)}" for s, label in zip(source, y)]
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(x, strata)
    scores["cross, ref on dev"] = cross_val_predict(LogisticRegression(), x, y, cv=folds, method="decision_function")
    results = {
        name: {s: round(float(roc_auc_score(y[source == s], v[source == s])), 4) for s in SOURCES}
        for name, v in scores.items()
    }
    # The combined score against the reference: the gate's paired cluster bootstrap (1,000 resamples
    # of threads / articles; of items for runs kept before groups were saved).
    groups = kept["group"] if "group" in kept.files else np.arange(len(y))
    results["combined minus reference, 95% interval"] = interval_against(
        scores["cross, ref on dev"], scores["reference"], y, source, groups
    )
    run = folder / "run.json"
    return {**results, **(json.loads(run.read_text()) if run.exists() else {})}


if __name__ == "__main__":
    sys.exit(main())
