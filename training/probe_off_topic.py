"""How far can the off-topic head get from similarity features? A probe, not a training recipe.

    python training/probe_off_topic.py models/modclf-base
    python training/probe_off_topic.py models/modclf-base --teacher /path/to/all-mpnet-base-v2

For each SemEval and news-pairs item it computes comment/article features from the model's scoring
layer (`own`), from the frozen pretrained top layer (`raw`, i.e. all-MiniLM-L6-v2's own embedding),
and from the shared layers alone (`l5`): the cosine, the cosine minus the mean of the comment's top-10
cosines to a bank of 256 training articles (`_bg`), a token-level max-similarity (`maxsim`, IDF
weighted, frozen top layer), the article's length and the comment's own scoring-layer embedding
(`own_emb`). It prints ROC-AUC per source and split for each feature alone, for the released head
(`head`), and for logistic regression and a 16-unit MLP fitted on the training pairs over feature
sets. With `--teacher`, the raw cosine of a sentence-transformers MPNet folder (mean-pooled, 256
tokens) on the dev and test pairs is added.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
from pathlib import Path

import numpy as np
import torch

FEATURE_SETS = (
    ("own", "own_bg"),
    ("raw", "raw_bg"),
    ("own", "own_bg", "raw", "raw_bg"),
    ("raw", "raw_bg", "l5", "l5_bg"),
    ("own", "own_bg", "maxsim"),
    ("own", "own_bg", "alen"),
    ("own", "own_bg", "raw", "raw_bg", "maxsim", "alen"),
    ("raw", "raw_bg", "maxsim", "alen"),
    ("own", "raw", "own_emb"),  # plus the comment's own embedding (384 numbers): what a comment-only cue adds
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--data-dir", default=None, help="default: $MODCLF_DATA_DIR or ../shared/data")
    parser.add_argument("--cache-dir", default="runs/cache", help="shared-layer state cache (as in training)")
    parser.add_argument("--teacher", type=Path, default=None, help="a sentence-transformers MPNet folder")
    args = parser.parse_args(argv)

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.neural_network import MLPClassifier

    from modclf.model import load_model, mean_pool
    from modclf.training.scoring import StateCache, bank_articles, predict_logits, text_key
    from modclf.training.sources.comments import build_scoring_data

    model, tokenizer = load_model(args.model)
    model.eval()
    data = build_scoring_data(args.data_dir, seed=0)
    pairs = [ex for ex in data if ex.article and ex.off_topic is not None and ex.source in ("semeval", "news_pairs")]
    cache = StateCache(model, tokenizer, 128, args.cache_dir)
    cache.add_texts([ex.text for ex in pairs])
    cache.add_articles([ex.article for ex in pairs])
    frozen = copy.deepcopy(model.score_top)
    model._copy_encoder_top(frozen)
    frozen.eval()
    layers = {"raw": frozen, "own": model.score_top, "l5": None}

    def embed(keys: list[str], which: str) -> torch.Tensor:
        out = []
        with torch.no_grad():
            for start in range(0, len(keys), 128):
                states, mask, _ = cache.batch(keys[start : start + 128])
                top = layers[which]
                out.append(mean_pool(states, mask) if top is None else model.top_embed_from_states(top, states, mask))
        return torch.nn.functional.normalize(torch.cat(out).float(), dim=-1)

    def article_embeddings(articles: list[str], which: str) -> dict[str, torch.Tensor]:
        unique = list(dict.fromkeys(articles))
        keys = [k for a in unique for k in cache.article_rows[text_key(a)]]
        owner = torch.tensor([i for i, a in enumerate(unique) for _ in cache.article_rows[text_key(a)]])
        rows = embed(keys, which)
        return {text_key(a): torch.nn.functional.normalize(rows[owner == i].mean(0), dim=0) for i, a in enumerate(unique)}

    bank = bank_articles([ex for ex in pairs if ex.split == "train"], 256, 0)
    features: dict[str, np.ndarray] = {}
    for which in layers:
        comments = embed([text_key(ex.text) for ex in pairs], which)
        by_article = article_embeddings([ex.article for ex in pairs], which)
        articles = torch.stack([by_article[text_key(ex.article)] for ex in pairs])
        background = torch.stack(list(article_embeddings(bank, which).values()))
        cosine = (comments * articles).sum(-1)
        features[which] = cosine.numpy()
        features[which + "_emb"] = comments.numpy()
        features[which + "_bg"] = (cosine - (comments @ background.T).topk(10, dim=-1).values.mean(-1)).numpy()
    features["maxsim"], features["alen"] = _token_features(tokenizer, cache, frozen, pairs)
    _, head = predict_logits(model, cache, pairs)

    y = np.array([ex.off_topic >= 0.5 for ex in pairs])
    split = np.array([ex.split for ex in pairs])
    source = np.array([ex.source for ex in pairs])
    cells = [(s, sp) for s in ("semeval", "news_pairs") for sp in ("dev", "test")]

    def row(name: str, off_topic_score: np.ndarray, only=None) -> None:
        parts = []
        for s, sp in cells:
            keep = (source == s) & (split == sp) & (only if only is not None else True)
            parts.append(f"{roc_auc_score(y[keep], off_topic_score[keep]):.3f}")
        print(f"{name:<44} " + "  ".join(f"{p:>14}" for p in parts), flush=True)

    print(f"{'feature (off-topic ROC-AUC)':<44} " + "  ".join(f"{s[:8] + '/' + sp:>14}" for s, sp in cells))
    row("released head", head)
    for name in ("raw", "raw_bg", "own", "own_bg", "l5", "l5_bg", "maxsim"):
        row(name, -features[name])
    train = split == "train"
    for names in FEATURE_SETS:
        x = np.column_stack([features[n] for n in names])
        x = (x - x[train].mean(0)) / (x[train].std(0) + 1e-6)
        row("LR  " + "+".join(names), LogisticRegression(max_iter=1000).fit(x[train], y[train]).decision_function(x))
        mlp = MLPClassifier((16,), max_iter=2000, random_state=0).fit(x[train], y[train])
        row("MLP " + "+".join(names), mlp.predict_proba(x)[:, 1])
    if args.teacher:
        row("teacher cosine (dev/test only)", _teacher_scores(args.teacher, pairs, split != "train"), only=split != "train")
    return 0


def _token_features(tokenizer, cache, frozen, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: IDF-weighted mean over comment tokens of the best cosine to any article token
    (frozen top layer), and log(1 + article tokens)."""
    from modclf.training.scoring import text_key

    train_texts = sorted({ex.text for ex in pairs if ex.split == "train"} | {ex.article for ex in pairs if ex.split == "train"})
    counts = torch.zeros(len(tokenizer.get_vocab()))
    for ids in tokenizer(train_texts, add_special_tokens=False, truncation=True, max_length=512)["input_ids"]:
        counts[torch.tensor(sorted(set(ids)), dtype=torch.long)] += 1
    idf = torch.log((len(train_texts) + 1) / (counts + 1))
    special = torch.tensor([tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id])

    def tokens(key: str) -> tuple[torch.Tensor, torch.Tensor]:
        states, mask, ids = cache.batch([key])
        with torch.no_grad():
            for layer in frozen:
                states = layer(states)
        keep = ~torch.isin(ids[0], special)
        return torch.nn.functional.normalize(states[0][keep].float(), dim=-1), ids[0][keep]

    memo: dict[str, tuple] = {}
    maxsim, alen = [], []
    for ex in pairs:
        key = text_key(ex.article)
        if key not in memo:
            parts = [tokens(k) for k in cache.article_rows[key]]
            memo[key] = (torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]))
        article, article_ids = memo[key]
        comment, comment_ids = tokens(text_key(ex.text))
        weight = idf[comment_ids].clamp(min=0.5)
        best = (comment @ article.T).max(1).values if len(comment) else torch.zeros(0)
        maxsim.append(float((best * weight).sum() / weight.sum()) if len(comment) else 0.0)
        alen.append(math.log1p(len(article_ids)))
    return np.array(maxsim), np.array(alen)


def _teacher_scores(folder: Path, pairs, keep: np.ndarray) -> np.ndarray:
    """1 - cosine of the teacher's mean-pooled embeddings (NaN where not `keep`)."""
    from transformers import AutoTokenizer, MPNetModel

    tokenizer = AutoTokenizer.from_pretrained(folder)
    teacher = MPNetModel.from_pretrained(folder).eval()
    texts = sorted({t for ex, k in zip(pairs, keep) if k for t in (ex.text, ex.article)}, key=len)
    embedded = {}
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            chunk = texts[start : start + 32]
            batch = tokenizer(chunk, padding=True, truncation=True, max_length=256, return_tensors="pt")
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (teacher(**batch).last_hidden_state * mask).sum(1) / mask.sum(1)
            embedded.update(zip(chunk, torch.nn.functional.normalize(pooled, dim=-1)))
    return np.array([1 - float(embedded[ex.text] @ embedded[ex.article]) if k else np.nan for ex, k in zip(pairs, keep)])


if __name__ == "__main__":
    sys.exit(main())
