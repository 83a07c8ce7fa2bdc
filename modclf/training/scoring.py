"""Training the scoring path (incitement and off-topic) and calibrating it.

The scoring path is the encoder's shared lower layers (frozen here, so segmentation is untouched)
plus its own top layers (score_top_layers: one as released, up to all of them) and two heads.
Shared-layer token states are computed once per distinct text and cached, so each epoch only runs
the scoring path's own layers: with one, cheap enough for a 2-core CPU and for the
leave-one-source-out runs of the evaluation; with all six, a GPU's job (`device`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
import uuid
from pathlib import Path

import numpy as np
import torch
from torch import nn

from modclf.config import ConfigError
from modclf.encode import autocast_context, pad_batch, resolve_precision, tokenize
from modclf.score import article_chunk_rows

LABELS = ("incitement", "off_topic")

logger = logging.getLogger(__name__)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE with equal-width bins: the mean |accuracy - confidence| weighted by bin size."""
    probs, labels = np.asarray(probs, dtype=float), np.asarray(labels, dtype=float)
    if len(probs) == 0:
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            total += members.sum() * abs(labels[members].mean() - probs[members].mean())
    return float(total / len(probs))


def fit_platt(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(temperature, bias) minimising log-loss of sigmoid(logit / temperature + bias) on labels."""
    x = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    # A line search: plain LBFGS steps diverged on some dev splits (temperature -> 0, NaN).
    optimizer = torch.optim.LBFGS([log_t, bias], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def loss_at(log_temperature, b):
        return nn.functional.binary_cross_entropy_with_logits(x / log_temperature.exp() + b, y)

    def closure():
        optimizer.zero_grad()
        loss = loss_at(log_t, bias)
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        fitted, identity = loss_at(log_t, bias), loss_at(torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64))
    if not torch.isfinite(fitted) or not torch.isfinite(log_t).all() or fitted > identity:
        logger.warning("Platt fit failed (log-loss %.4f vs %.4f unscaled); keeping temperature 1, bias 0", fitted, identity)
        return 1.0, 0.0
    return float(log_t.exp().item()), float(bias.item())


def resolve_device(device: str) -> torch.device:
    """"auto" is the GPU where torch sees one (the scoring path then trains end to end in minutes), else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def text_key(text: str) -> str:
    """The cache key of a text (a digest: the cache holds ~10^5 texts)."""
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


class StateCache:
    """Shared-layer token states (bf16) and token ids of every distinct text and article chunk.

    With `folder`, states are also kept on disk (safetensors shards, one per call that added any),
    under a fingerprint of the shared layers, the token limit and the precision: a later run on the
    same encoder (another training run, the evaluation's folds) reads them instead of encoding again.
    States are kept in CPU memory and handed out on the model's device.
    """

    def __init__(self, model, tokenizer, max_tokens: int, folder: str | Path | None = None):
        self.model, self.tokenizer, self.max_tokens = model, tokenizer, max_tokens
        self.states: dict[str, torch.Tensor] = {}
        self.ids: dict[str, torch.Tensor] = {}
        self.article_rows: dict[str, list[str]] = {}
        self.anchors: dict[str, torch.Tensor] = {}
        self.anchor_reference = None  # the reference model `anchors` came from (add_anchors); None = pretrained layers
        self.folder = None
        if folder is not None:
            self.folder = Path(folder) / self._fingerprint()
            self._load()

    def _fingerprint(self) -> str:
        """What the cached states depend on: the shared layers' weights, the token limit, the precision."""
        config = self.model.config
        digest = hashlib.sha1(f"{self.max_tokens}:{resolve_precision('auto')}:{config.score_top_layers}:"
                              f"{config.article_chunk_tokens}:{config.max_article_chunks}".encode())
        shared = len(self.model.encoder.encoder.layer) - self.model.config.score_top_layers
        for name, tensor in self.model.encoder.named_parameters():  # a pooler, if any, never feeds the states
            if name.startswith("pooler."):
                continue
            if not name.startswith("encoder.layer.") or int(name.split(".")[2]) < shared:
                digest.update(name.encode())
                digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]

    def _load(self) -> None:
        from safetensors import safe_open

        shards = sorted(self.folder.glob("shard-*.safetensors")) if self.folder.is_dir() else []
        for shard in shards:
            try:
                with safe_open(str(shard), framework="pt") as f:
                    rows = json.loads(f.metadata().get("article_rows", "{}"))
                    tensors = {name: f.get_tensor(name) for name in f.keys()}
            except (OSError, ValueError, RuntimeError) as exc:  # a damaged shard is encoded again, not fatal
                logger.warning("skipping unreadable state cache shard %s (%s)", shard, exc)
                continue
            self.article_rows.update(rows)
            for name, tensor in tensors.items():
                kind, key = name.split("/", 1)
                (self.states if kind == "states" else self.ids)[key] = tensor
        if shards:
            logger.info("read cached shared states of %d texts from %s", len(self.states), self.folder)

    def _save(self, keys: list[str], article_rows: dict | None = None) -> None:
        if self.folder is None or not keys:
            return
        from safetensors.torch import save_file

        self.folder.mkdir(parents=True, exist_ok=True)
        tensors = {f"{kind}/{k}": store[k].contiguous() for k in keys for kind, store in (("states", self.states), ("ids", self.ids))}
        name = f"shard-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"  # unique across concurrent runs
        partial = self.folder / f".{name}.tmp"
        save_file(tensors, str(partial), metadata={"article_rows": json.dumps(article_rows or {})})
        partial.rename(self.folder / f"{name}.safetensors")  # a killed run leaves no half shard

    def _encode_rows(self, keys: list[str], rows: list[list[int]]) -> None:
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        batch_tokens = 8192
        start = 0
        was_training = self.model.training
        self.model.eval()  # the inference forward: no dropout, and several times faster
        with torch.inference_mode(), autocast_context(resolve_precision("auto")):
            while start < len(order):
                end = start + 1
                while end < len(order) and (end - start + 1) * len(rows[order[end]]) <= batch_tokens:
                    end += 1
                index = order[start:end]
                ids, mask = pad_batch([rows[i] for i in index], self.tokenizer.pad_token_id)
                states = self.model.shared_states(ids.to(self.device), mask.to(self.device)).to("cpu", torch.bfloat16)
                for j, i in enumerate(index):
                    self.states[keys[i]] = states[j, : len(rows[i])].clone()
                    self.ids[keys[i]] = torch.tensor(rows[i], dtype=torch.int32)
                start = end
        self.model.train(was_training)

    def add_texts(self, texts: list[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if text_key(t) not in self.states))
        if todo:
            started = time.time()
            keys = [text_key(t) for t in todo]
            self._encode_rows(keys, tokenize(self.tokenizer, todo, self.max_tokens))
            self._save(keys)
            logger.info("cached shared states of %d texts in %.0f s", len(todo), time.time() - started)

    def add_articles(self, articles: list[str]) -> None:
        config = self.model.config
        keys, rows = [], []
        for article in dict.fromkeys(articles):
            key = text_key(article)
            if key in self.article_rows:
                continue
            chunk_rows = article_chunk_rows(self.tokenizer, article, config.article_chunk_tokens, config.max_article_chunks)
            self.article_rows[key] = [f"{key}:{i}" for i in range(len(chunk_rows))]
            keys += self.article_rows[key]
            rows += chunk_rows
        if rows:
            self._encode_rows(keys, rows)
            owners = {k.rsplit(":", 1)[0] for k in keys}
            self._save(keys, {k: self.article_rows[k] for k in owners})

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def batch(self, keys: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Padded (states, mask, token ids) for cached keys, on the model's device."""
        tensors = [self.states[k] for k in keys]
        width = max(t.shape[0] for t in tensors)
        states = torch.zeros(len(tensors), width, tensors[0].shape[1])
        mask = torch.zeros(len(tensors), width, dtype=torch.long)
        ids = torch.zeros(len(tensors), width, dtype=torch.long)
        for i, (k, t) in enumerate(zip(keys, tensors)):
            states[i, : t.shape[0]] = t.float()
            mask[i, : t.shape[0]] = 1
            ids[i, : t.shape[0]] = self.ids[k]
        return states.to(self.device), mask.to(self.device), ids.to(self.device)

    def text_embeddings(self, texts: list[str]) -> torch.Tensor:
        states, mask, ids = self.batch([text_key(t) for t in texts])
        return self.model.score_embed_from_states(states, mask, ids)

    def add_anchors(self, keys: list[str], reference=None) -> None:
        """Each cached text's anchor (no gradient): the pooled embedding of the pretrained top layers,
        or of a `reference` model's scoring path (e.g. the released model's). Off-topic's embeddings
        are held near them, so training for incitement cannot erode the similarity off-topic relies on.
        Anchors are kept for later calls with the same reference (or none), dropped for another."""
        import copy

        if reference is not self.anchor_reference:
            self.anchors.clear()
            self.anchor_reference = reference
        todo = [k for k in dict.fromkeys(keys) if k not in self.anchors]
        if not todo:
            return
        if reference is None:
            frozen = copy.deepcopy(self.model.score_top)
            self.model._copy_encoder_top(frozen)
            frozen.eval()
        else:
            reference = reference.eval().to(self.device)
        hidden = self.model.encoder.config.hidden_size
        todo.sort(key=lambda k: self.states[k].shape[0])
        with torch.no_grad(), autocast_context(resolve_precision("auto")):
            for start in range(0, len(todo), 256):
                chunk = todo[start : start + 256]
                states, mask, ids = self.batch(chunk)
                if reference is None:
                    pooled = self.model.top_embed_from_states(frozen, states, mask).float()
                else:
                    pooled = reference.topic_embedding(reference.score_embed(ids, mask)).float()
                for k, row in zip(chunk, pooled[:, :hidden].cpu()):
                    self.anchors[k] = row.clone()

    def article_embeddings(self, articles: list[str]) -> dict[str, torch.Tensor]:
        """Article embeddings (no gradient) through the current scoring layers, keyed by text hash."""
        out = {}
        with torch.no_grad():
            unique = list(dict.fromkeys(articles))
            for start in range(0, len(unique), 64):
                chunk = unique[start : start + 64]
                keys = [k for a in chunk for k in self.article_rows[text_key(a)]]
                owners = [i for i, a in enumerate(chunk) for _ in self.article_rows[text_key(a)]]
                emb = []
                for s in range(0, len(keys), 128):
                    states, mask, ids = self.batch(keys[s : s + 128])
                    emb.append(self.model.score_embed_from_states(states, mask, ids))
                emb = torch.cat(emb)
                owner = torch.tensor(owners, device=emb.device)
                for i, article in enumerate(chunk):
                    out[text_key(article)] = emb[owner == i].mean(0)
        return out


def _epoch_items(examples, rng: random.Random, negatives_per_epoch: int, positive_repeat: int, contrast_repeat: int):
    """One epoch's examples: incitement positives oversampled, negatives subsampled, pairs all."""
    items = []
    negatives = []
    for ex in examples:
        repeat = contrast_repeat if ex.source == "contrast" else 1
        if ex.incitement is not None and ex.incitement >= 0.5:
            items += [ex] * (positive_repeat * repeat)
        elif ex.incitement is not None and ex.off_topic is None and ex.source != "contrast":
            negatives.append(ex)
        else:
            items += [ex] * repeat
    items += rng.sample(negatives, min(negatives_per_epoch, len(negatives)))
    rng.shuffle(items)
    return items


def positive_weights(items, balance: float) -> dict[str, float]:
    """{source: loss weight of its incitement positives} for one epoch's items: a source with n
    positive items gets weight proportional to n ** -balance (0: pooled, every positive 1; 1: every
    source's positives weigh the same in all), scaled so the positives' total weight is unchanged.
    Without it the contrast set's templated threats are most of the positives (4 in 5 without
    implicit_hate), and the model learns their notion of incitement more than the platforms'."""
    counts: dict[str, int] = {}
    for ex in items:
        if ex.incitement is not None and ex.incitement >= 0.5:
            counts[ex.source] = counts.get(ex.source, 0) + 1
    if not counts or balance == 0:
        return {source: 1.0 for source in counts}
    scale = sum(counts.values()) / sum(n ** (1 - balance) for n in counts.values())
    return {source: scale * n**-balance for source, n in counts.items()}


def bank_articles(examples, size: int, seed: int) -> list[str]:
    """Distinct training articles for the off-topic bank, drawn evenly from each source.

    Sources differ in what an "article" is (a forum question, a news story); an even draw keeps
    the background similarity from being about one of them.
    """
    by_source: dict[str, list[str]] = {}
    for ex in examples:
        if ex.article and ex.off_topic is not None:
            by_source.setdefault(ex.source, [])
            by_source[ex.source].append(ex.article)
    rng = random.Random(seed)
    pools = []
    for source in sorted(by_source):
        unique = sorted(set(by_source[source]))
        rng.shuffle(unique)
        pools.append(unique)
    chosen: list[str] = []
    while len(chosen) < size and any(pools):
        for pool in pools:
            if pool and len(chosen) < size:
                chosen.append(pool.pop())
    return chosen


def refresh_off_topic_bank(model, cache: StateCache, articles: list[str]) -> None:
    """Recompute the bank with the current scoring layers (the bank follows the layers it compares)."""
    if not articles or model.config.off_topic_features not in ("similarity", "interaction"):
        return
    cache.add_articles(articles)
    embedded = cache.article_embeddings(articles)
    model.set_off_topic_bank(torch.stack([embedded[text_key(a)] for a in articles]))


def take_off_topic(model, reference, cache: StateCache, keys: list[str], bank: list[str], ridge: float = 1e-3) -> dict:
    """Make off-topic score as `reference` does: fit the topic map by least squares from this model's
    pooled embeddings to the reference's off-topic embeddings (over cached `keys`: comments and
    article chunks), then take over the reference's off-topic head and calibration, with the bank
    recomputed from `bank` articles. The scoring layers stay as trained (incitement is untouched).
    Returns the fit's mean and 5th-percentile cosine."""
    if model.topic_map is None:
        raise ConfigError("taking off-topic over from a reference needs topic_map: true")
    for name in ("off_topic_features", "off_topic_bank_size", "off_topic_bank_top_k"):
        if getattr(model.config, name) != getattr(reference.config, name):
            raise ConfigError(f"the reference's {name} ({getattr(reference.config, name)!r}) differs from the model's "
                              f"({getattr(model.config, name)!r}): its off-topic head cannot be taken over")
    cache.add_anchors(keys, reference)
    keys = list(dict.fromkeys(keys))
    hidden = model.encoder.config.hidden_size
    model.eval()
    rows = []
    with torch.no_grad(), autocast_context(resolve_precision("auto")):
        for start in range(0, len(keys), 256):
            states, mask, ids = cache.batch(keys[start : start + 256])
            rows.append(model.pooled(model.score_embed_from_states(states, mask, ids)).float().cpu())
    x = torch.cat([torch.cat(rows).double(), torch.ones(len(keys), 1, dtype=torch.float64)], dim=1)
    y = torch.stack([cache.anchors[k] for k in keys]).double()
    gram = x.T @ x + ridge * len(keys) * torch.eye(x.shape[1], dtype=torch.float64)
    solution = torch.linalg.solve(gram, x.T @ y)  # (hidden + 1, hidden): map, then bias
    cosine = nn.functional.cosine_similarity(x @ solution, y, dim=-1)
    with torch.no_grad():
        model.topic_map.weight.copy_(solution[:hidden].T.float())
        model.topic_map.bias.copy_(solution[hidden].float())
        model.off_topic_head.load_state_dict(reference.off_topic_head.state_dict())
    refresh_off_topic_bank(model, cache, bank)
    model.config.calibration["off_topic"] = list(reference.config.calibration["off_topic"])
    fit = {"mean_cosine": float(cosine.mean()), "p5_cosine": float(cosine.quantile(0.05)), "rows": len(keys)}
    logger.info("off-topic taken over from %s %s: topic map fit cosine mean %.4f, 5th percentile %.4f over %d rows",
                reference.config.name, reference.config.version, fit["mean_cosine"], fit["p5_cosine"], len(keys))
    return fit


def _length_bucketed_batches(items, cache: StateCache, batch_size: int, rng: random.Random) -> list:
    """Batches of similar token length (little padding), in random order.

    Items are sorted by length within windows of 50 batches, so batches stay varied in content.
    """
    window = batch_size * 50
    batches = []
    for start in range(0, len(items), window):
        chunk = sorted(items[start : start + window], key=lambda ex: cache.states[text_key(ex.text)].shape[0])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def predict_logits(model, cache: StateCache, examples, batch_size: int = 128,
                   similarity_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Raw (incitement, off_topic) logits per example; off-topic NaN where there is no article
    (with `similarity_only`, the similarity head's logit, without the off-topic reader)."""
    model.eval()
    articles = cache.article_embeddings([ex.article for ex in examples if ex.article])
    order = sorted(range(len(examples)), key=lambda i: cache.states[text_key(examples[i].text)].shape[0])
    examples = [examples[i] for i in order]  # length-sorted for little padding; order restored below
    inc, off = [], []
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = examples[start : start + batch_size]
            emb = cache.text_embeddings([ex.text for ex in batch])
            inc.append(model.incitement_logits(emb).float().cpu().numpy())
            row = np.full(len(batch), np.nan)
            with_article = [i for i, ex in enumerate(batch) if ex.article]
            if with_article:
                a = torch.stack([articles[text_key(batch[i].article)] for i in with_article])
                off_topic = model.similarity_logits if similarity_only else model.off_topic_logits
                row[with_article] = off_topic(emb[with_article], a).cpu().numpy()
            off.append(row)
    restore = np.argsort(np.array(order, dtype=np.int64))
    inc_all = np.concatenate(inc)[restore] if inc else np.zeros(0)
    off_all = np.concatenate(off)[restore] if off else np.zeros(0)
    return inc_all, off_all


def _contrastive_loss(model, emb: torch.Tensor, batch, articles: dict) -> torch.Tensor:
    """In-batch contrastive loss: an on-topic comment is closer to its own article than to the
    batch's other articles (article embeddings fixed for the epoch; temperature 0.05)."""
    rows = [i for i, ex in enumerate(batch) if ex.article and ex.off_topic is not None and ex.off_topic < 0.5]
    keys = list(dict.fromkeys(text_key(batch[i].article) for i in rows))
    if len(keys) < 2:
        return torch.zeros((), device=emb.device)
    c = nn.functional.normalize(model.topic_embedding(emb[rows]), dim=-1)
    a = nn.functional.normalize(model.topic_embedding(torch.stack([articles[k] for k in keys])), dim=-1)
    target = torch.tensor([keys.index(text_key(batch[i].article)) for i in rows], device=emb.device)
    return nn.functional.cross_entropy(c @ a.T / 0.05, target)


def _anchor_loss(model, cache: StateCache, emb: torch.Tensor, batch, chunk_keys, rng, precision) -> torch.Tensor:
    """1 - cosine between what off-topic reads (the topic embedding) and the anchors, over the
    batch's comments and a few article chunks: the scoring layers may learn incitement, but the
    similarity geometry that off-topic reads stays close to the anchors' (StateCache.add_anchors)."""
    anchors = torch.stack([cache.anchors[text_key(ex.text)] for ex in batch]).to(emb.device)
    loss = (1 - nn.functional.cosine_similarity(model.topic_embedding(emb), anchors, dim=-1)).mean()
    if chunk_keys:
        sample = rng.sample(chunk_keys, min(8, len(chunk_keys)))
        states, mask, _ = cache.batch(sample)
        with autocast_context(precision):
            chunk_emb = model.topic_embedding(model.score_embed_from_states(states, mask))
        chunk_anchors = torch.stack([cache.anchors[k] for k in sample]).to(emb.device)
        loss = loss + (1 - nn.functional.cosine_similarity(chunk_emb, chunk_anchors, dim=-1)).mean()
    return loss


def load_teacher_labels(path: str | Path) -> dict[str, float]:
    """{text_key: probability} from training/teacher_labels.py's incitement.jsonl."""
    labels = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                row = json.loads(line)
                p = float(row["incitement"])
                labels[str(row["key"])] = p
            except (ValueError, KeyError, TypeError) as e:
                raise ConfigError(f"{path}:{n}: not a teacher label ({e})") from None
            if not 0 <= p <= 1:
                raise ConfigError(f"{path}:{n}: teacher probability {p} is outside [0, 1]")
    if not labels:
        raise ConfigError(f"{path}: no teacher labels")
    return labels


def load_teacher_embeddings(folder: str | Path) -> tuple[dict[str, int], torch.Tensor]:
    """({text_key: row}, (n, teacher hidden) fp32 unit rows) from training/teacher_labels.py's folder."""
    folder = Path(folder)
    try:
        keys = json.loads((folder / "embedding_keys.json").read_text())
        rows = np.load(folder / "embeddings.npy", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{folder}: no teacher embeddings ({e}); run training/teacher_labels.py") from None
    if rows.ndim != 2 or len(rows) != len(keys):
        raise ConfigError(f"{folder}: {len(keys)} keys for embeddings of shape {rows.shape}")
    return {k: i for i, k in enumerate(keys)}, nn.functional.normalize(torch.from_numpy(rows.astype(np.float32)), dim=-1)


def incitement_targets(batch, teacher: dict[str, float], weight: float) -> tuple[list[int], list[float]]:
    """(rows, targets) of a batch's incitement loss: each label mixed with the teacher's probability
    by `weight`; texts with no label but a teacher probability learn it alone (distillation on
    unlabelled text)."""
    rows, targets = [], []
    for i, ex in enumerate(batch):
        soft = teacher.get(text_key(ex.text)) if weight > 0 else None
        if ex.incitement is not None:
            rows.append(i)
            targets.append(float(ex.incitement) if soft is None else (1 - weight) * float(ex.incitement) + weight * soft)
        elif soft is not None:
            rows.append(i)
            targets.append(soft)
    return rows, targets


def reset_scoring(model) -> None:
    """Fresh scoring path: top layer copied from the encoder, heads re-initialised (and the word
    weights of an "interaction" head recomputed by the next training run)."""
    model.init_score_top_from_encoder()
    if hasattr(model, "lexical_weight"):
        model.lexical_weight.zero_()
    for head in (model.incitement_head, model.off_topic_head):
        for module in head:
            if isinstance(module, nn.Linear):
                module.reset_parameters()
    model.reset_topic_map()


def train_scoring(model, tokenizer, train, dev, config, rng: random.Random | None = None, cache: StateCache | None = None) -> dict:
    """Train the scoring layer and heads on `train`, calibrate on `dev`; returns calibration metrics.

    Pass a `cache` built for the same model to reuse shared-layer states across runs (e.g. the
    leave-one-source-out folds of the evaluation): the shared layers never change here.

    `config` carries scoring_epochs, scoring_lr, scoring_head_lr, scoring_batch, scoring_max_tokens,
    negatives_per_epoch, positive_repeat, contrast_repeat, anchor_weight, contrastive_weight and
    device (see TrainConfig). The model trains on that device and comes back on the CPU.
    """
    rng = rng or random.Random(config.seed)
    for p in model.parameters():
        p.requires_grad_(False)
    heads = list(model.incitement_head.parameters()) + list(model.off_topic_head.parameters())
    heads += list(model.topic_map.parameters()) if model.topic_map is not None else []
    trainable = list(model.score_top.parameters()) + heads
    for p in trainable:
        p.requires_grad_(True)
    cache = cache or StateCache(model, tokenizer, config.scoring_max_tokens, getattr(config, "cache_dir", None))
    model.to(resolve_device(getattr(config, "device", "cpu")))
    everything = list(train) + list(dev)
    cache.add_texts([ex.text for ex in everything])
    cache.add_articles([ex.article for ex in everything if ex.article])
    bank = bank_articles(train, model.config.off_topic_bank_size, config.seed)
    if model.config.off_topic_features == "interaction" and not model.lexical_weight.any():
        model.set_lexical_weights(tokenizer, list(dict.fromkeys([ex.text for ex in train] + [ex.article for ex in train if ex.article])))
    teacher = load_teacher_labels(config.teacher_labels) if getattr(config, "teacher_labels", None) else {}
    teacher_weight = getattr(config, "teacher_weight", 0.0) if teacher else 0.0
    embedding_weight = getattr(config, "teacher_embedding_weight", 0.0) if getattr(config, "teacher_embeddings", None) else 0.0
    distil_params = []
    if embedding_weight > 0:
        # Distil the teacher's representation, not just its verdict: a training-only linear map takes
        # the scoring embedding to the teacher's space; its cosine to the teacher's embedding is a loss.
        teacher_rows, teacher_emb = load_teacher_embeddings(config.teacher_embeddings)
        to_teacher = nn.Linear(model.encoder.config.hidden_size, teacher_emb.shape[1]).to(cache.device)
        distil_params = list(to_teacher.parameters())
        trainable += distil_params
    anchor_weight = getattr(config, "anchor_weight", 0.0)
    contrastive_weight = getattr(config, "contrastive_weight", 0.0)
    # Anchored article chunks: the training articles' only (the cache may hold other splits' too).
    chunk_keys = [k for a in dict.fromkeys(ex.article for ex in train if ex.article) for k in cache.article_rows[text_key(a)]]
    reference = None
    if getattr(config, "anchor_to", None):
        from modclf.model import load_model

        reference = load_model(config.anchor_to)[0]
    take_over = bool(getattr(config, "off_topic_from_anchor", False))
    if take_over and reference is None:
        raise ConfigError("off_topic_from_anchor needs anchor_to: the model whose off-topic is taken over")
    if anchor_weight > 0:
        if reference is not None:
            logger.info("anchoring off-topic to %s %s", reference.config.name, reference.config.version)
        cache.add_anchors([text_key(ex.text) for ex in train] + chunk_keys, reference)
    optimizer = torch.optim.AdamW(
        [
            {"params": list(model.score_top.parameters()), "lr": config.scoring_lr},
            {"params": heads + distil_params, "lr": config.scoring_head_lr},
        ],
        weight_decay=0.01,
    )
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    epochs = max(1, math.ceil(config.scoring_epochs))
    first_epoch = _epoch_items(train, rng, config.negatives_per_epoch, config.positive_repeat, config.contrast_repeat)
    steps_per_epoch = max(1, math.ceil(len(first_epoch) / config.scoring_batch))
    total_steps = max(1, int(config.scoring_epochs * steps_per_epoch))
    step = 0
    bce = nn.functional.binary_cross_entropy_with_logits
    precision = resolve_precision("auto")
    for epoch in range(epochs):
        items = first_epoch if epoch == 0 else _epoch_items(train, rng, config.negatives_per_epoch, config.positive_repeat, config.contrast_repeat)
        model.train()
        model.encoder.eval()
        articles = cache.article_embeddings([ex.article for ex in items if ex.article])
        refresh_off_topic_bank(model, cache, bank)
        weights = positive_weights(items, getattr(config, "positive_source_balance", 0.0))
        if epoch == 0 and any(w != 1.0 for w in weights.values()):
            logger.info("incitement positives' weights: %s", ", ".join(f"{s} {w:.2f}" for s, w in sorted(weights.items())))
        running = 0.0
        for batch in _length_bucketed_batches(items, cache, config.scoring_batch, rng):
            if step >= total_steps:
                break
            step += 1
            # Linear warmup (5%) then linear decay.
            scale = min(step / max(1, total_steps // 20), max(0.0, (total_steps - step) / max(1, total_steps * 0.95)))
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr * scale
            # bf16 autocast roughly halves step time on CPUs with bf16 units (and is emulated, several
            # times slower than fp32, elsewhere: hence the resolved precision); the loss stays fp32.
            with autocast_context(precision):
                emb = cache.text_embeddings([ex.text for ex in batch])
            emb = emb.float()
            losses = []
            inc_rows, inc_targets = incitement_targets(batch, teacher, teacher_weight)
            if inc_rows:
                target = torch.tensor(inc_targets, device=emb.device)
                logits = model.incitement_logits(emb[inc_rows])
                weight = torch.tensor([weights.get(batch[i].source, 1.0) if (batch[i].incitement or 0) >= 0.5 else 1.0
                                       for i in inc_rows], device=emb.device)
                losses.append(bce(logits, target, weight=weight))
            off_rows = [i for i, ex in enumerate(batch) if ex.off_topic is not None and ex.article]
            if off_rows:
                a = torch.stack([articles[text_key(batch[i].article)] for i in off_rows])
                target = torch.tensor([float(batch[i].off_topic) for i in off_rows], device=emb.device)
                losses.append(bce(model.similarity_logits(emb[off_rows], a), target))  # the reader trains after (reader.py)
            if embedding_weight > 0:
                found = [(i, teacher_rows[key]) for i, key in enumerate(map(text_key, (ex.text for ex in batch))) if key in teacher_rows]
                if found:
                    rows, target_rows = zip(*found)
                    target = teacher_emb[list(target_rows)].to(emb.device)
                    mapped = to_teacher(model.pooled(emb[list(rows)]))  # what incitement reads
                    losses.append(embedding_weight * (1 - nn.functional.cosine_similarity(mapped, target, dim=-1)).mean())
            if contrastive_weight > 0:
                losses.append(contrastive_weight * _contrastive_loss(model, emb, batch, articles))
            if anchor_weight > 0:
                losses.append(anchor_weight * _anchor_loss(model, cache, emb, batch, chunk_keys, rng, precision))
            if not losses:
                continue
            loss = sum(losses)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 100 == 0:
                logger.info("scoring epoch %d step %d/%d loss %.4f", epoch + 1, step, total_steps, running)
    model.eval()
    refresh_off_topic_bank(model, cache, bank)
    for p in model.parameters():
        p.requires_grad_(True)
    fit = take_off_topic(model, reference, cache, [text_key(ex.text) for ex in train] + chunk_keys, bank) if take_over else None
    # Taken over or not, off-topic is recalibrated on dev: the fitted map is close to the reference's
    # embedding, not equal to it, so its logits are not quite the ones the reference's Platt fit saw.
    metrics = calibrate_scoring(model, cache, dev, keep_without_labels=("off_topic",) if take_over else ())
    if fit is not None:
        metrics["off_topic_taken_over"] = {"from": f"{reference.config.name} {reference.config.version}", **fit}
    model.to("cpu")
    return metrics


def calibrate_scoring(model, cache: StateCache, dev, labels: tuple[str, ...] = LABELS,
                      keep_without_labels: tuple[str, ...] = ()) -> dict:
    """Fit Platt scaling per label (of `labels`) on the dev split; report ECE before and after.
    A label with too few dev labels gets temperature 1, bias 0, or keeps its calibration if it is in
    `keep_without_labels` (a head taken over with its calibration)."""
    inc_logits, off_logits = predict_logits(model, cache, dev)
    metrics = {}
    for label, logits, getter in (
        ("incitement", inc_logits, lambda ex: ex.incitement),
        ("off_topic", off_logits, lambda ex: ex.off_topic),
    ):
        if label not in labels:
            continue
        rows = [i for i, ex in enumerate(dev) if getter(ex) is not None and not np.isnan(logits[i])]
        if len(rows) < 20 or len({round(float(getter(dev[i]))) for i in rows}) < 2:
            if label in keep_without_labels:
                logger.warning("%s: too few dev labels to calibrate; keeping %s", label, model.config.calibration[label])
                continue
            logger.warning("%s: too few dev labels to calibrate; keeping temperature 1, bias 0", label)
            model.config.calibration[label] = [1.0, 0.0]
            continue
        x = logits[rows]
        y = np.array([float(getter(dev[i])) for i in rows])
        before = expected_calibration_error(1 / (1 + np.exp(-x)), y)
        temperature, bias = fit_platt(x, y)
        after = expected_calibration_error(1 / (1 + np.exp(-(x / temperature + bias))), y)
        model.config.calibration[label] = [temperature, bias]
        metrics[label] = {"ece_before": before, "ece_after": after, "temperature": temperature, "bias": bias, "dev_items": len(rows)}
        logger.info("%s calibration: ECE %.4f -> %.4f (T=%.3f, b=%.3f)", label, before, after, temperature, bias)
    return metrics
