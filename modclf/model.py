"""The one model definition, shared by training and inference.

A sentence encoder (all-MiniLM-L6-v2, fine-tuned) embeds each text; three small heads sit on it:
- segmentation: line embeddings + layout features -> a bidirectional GRU over the page -> four tags
  (body, boilerplate, comment-begin, comment-inside), decoded by modclf.decode;
- incitement: comment embedding -> probability;
- off-topic: comment embedding and its article's embedding (encoded once per article) -> probability.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import json
import logging
import os
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from modclf import __version__
from modclf.decode import TAGS
from modclf.errors import ConfigError, ModelLoadError
from modclf.features import FEATURE_DIM

logger = logging.getLogger(__name__)

MODEL_CONFIG_FILE = "modclf_config.json"
OFF_TOPIC_SIMILARITY_FEATURES = 2  # cosine to the article, and that cosine minus the background
# "interaction" head inputs: cosine, cosine minus background, IDF-weighted word overlap with the
# article, a link in the comment, the comment addressing someone ("@", "you"). Not the length: it
# predicts off-topic in opposite directions on forum answers and news comments (docs/scoring.md).
OFF_TOPIC_INTERACTION_FEATURES = 5
LEXICAL_BUCKETS = 4096  # a text's content tokens (IDF-weighted), token id modulo this, for the word-overlap cosine
LEXICAL_IDF_FLOOR = 2.0  # tokens with a lower IDF (the, and, is ...) carry no weight in the overlap
WEIGHTS_FILE = "model.safetensors"
# State-dict prefixes of the segmentation heads (trained on frozen line embeddings), and of the
# whole segmentation path (with segmentation's own top layers, where a model has them).
SEGMENTATION_HEADS = ("segment_in.", "segment_rnn.", "segment_out.")
SEGMENTATION_PATH = SEGMENTATION_HEADS + ("segment_top.",)
ENCODER_DIR = "encoder"


@dataclass
class ModelConfig:
    """Everything needed to rebuild the model and use it the same way it was trained."""

    name: str = "modclf"
    version: str = "0.0.0"  # the released model's own version, part of every audit record
    tags: tuple[str, ...] = TAGS
    feature_dim: int = FEATURE_DIM
    max_line_tokens: int = 48  # a line's first tokens say what it is; longer costs speed
    max_comment_tokens: int = 256
    article_chunk_tokens: int = 128  # an article is embedded as the mean of up to N chunks
    max_article_chunks: int = 4
    segment_hidden: int = 256
    segment_layers: int = 2
    head_hidden: int = 256
    # Encoder layers the scoring path has of its own (the rest are shared with segmentation); all of
    # them (num_hidden_layers) = the scoring path shares only the token embeddings.
    score_top_layers: int = 1
    # Segmentation's own copy of the top layers (as many as scoring's), fine-tuned for line labels
    # while the shared layers stay frozen; False (0.1.0 models) = the encoder's own top layers.
    segment_top: bool = True
    # Encoder depths (layers run, 1..n-1) whose mean-pooled token states are appended to a line's
    # embedding for segmentation: lower layers keep surface cues (casing, punctuation, chrome words)
    # that the sentence-level top layer smooths away. Empty (0.1.0 and 0.2.0 models) = top only.
    segment_extra_depths: tuple[int, ...] = ()
    # Off-topic head input. "interaction": the "similarity" features plus IDF-weighted word overlap
    # with the article and comment features (links, addressing); "similarity": the
    # comment's cosine to its article relative to its cosine to a bank of typical articles;
    # "pair": the concatenated embeddings of 0.1.0 models (overfits each source).
    off_topic_features: str = "similarity"
    # Token ids behind the "interaction" comment features (filled from the tokenizer when built).
    off_topic_cues: dict = field(default_factory=dict)
    # Off-topic reads a linear map of the scoring embedding (trained to keep a reference model's
    # similarity, training's anchor_to) rather than the embedding itself, so incitement may use the rest.
    topic_map: bool = False
    # A cross-attention reader on top of the off-topic head (OffTopicReader): each text's scoring-path
    # tokens are pooled into `reader_slots` learned slots of `reader_width`, cached like an embedding,
    # and a comment's slots read its article's. 0 = none (models before 0.8.0).
    reader_width: int = 0
    reader_slots: int = 8
    # How many of the scoring path's layers run before the reader pools a text's tokens (None: all,
    # as 0.8.0 did). Middle layers read off-topic far better than the top ones, which were trained
    # for incitement and a pooled similarity (docs/scoring.md).
    reader_layer: int | None = None
    off_topic_bank_size: int = 256  # typical-article embeddings stored with the model
    off_topic_bank_top_k: int = 10  # a comment's background similarity: mean of its top-k bank cosines
    dropout: float = 0.1
    # Calibration: p = sigmoid(logit / temperature + bias), fitted on a validation split.
    calibration: dict = field(
        default_factory=lambda: {"incitement": [1.0, 0.0], "off_topic": [1.0, 0.0]}
    )
    versions: dict = field(default_factory=dict)  # modclf, transformers, torch at save time
    # The pretrained encoder the model starts from (modclf.base.describe): its package and version, or
    # its folder, and the sha256 of its weights. A folder stores only the weights that differ from it.
    base: dict | None = None

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["tags"] = list(self.tags)
        data["segment_extra_depths"] = list(self.segment_extra_depths)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            logger.warning("ignoring unknown model config keys: %s", ", ".join(sorted(unknown)))
        kwargs = {k: v for k, v in data.items() if k in known}
        if "tags" in kwargs:
            kwargs["tags"] = tuple(kwargs["tags"])
        if "segment_extra_depths" in kwargs:
            kwargs["segment_extra_depths"] = tuple(kwargs["segment_extra_depths"])
        # Folders written before these settings existed: the "pair" head, no segmentation top.
        kwargs.setdefault("off_topic_features", "pair")
        kwargs.setdefault("segment_top", False)
        return cls(**kwargs)


_PLAIN_FORWARD = False  # set by plain_forward(): the modules' own forward even at inference


@contextlib.contextmanager
def plain_forward():
    """Run the modules' own forward (Hugging Face BERT, nn.TransformerEncoderLayer) at inference too:
    the naive baseline of `modclf bench`, and the reference of the tests."""
    global _PLAIN_FORWARD
    previous, _PLAIN_FORWARD = _PLAIN_FORWARD, True
    try:
        yield
    finally:
        _PLAIN_FORWARD = previous


def _fast_inference(module: nn.Module) -> bool:
    """True where the inference-only forward applies: eval mode and no autograd (dropout, grads)."""
    return not module.training and not torch.is_grad_enabled() and not _PLAIN_FORWARD


def _plain_bert(encoder_config) -> bool:
    """A BERT encoder that bert_layers_inference reproduces (absolute positions, not a decoder)."""
    return (
        encoder_config.model_type == "bert"
        and getattr(encoder_config, "position_embedding_type", "absolute") == "absolute"
        and not getattr(encoder_config, "is_decoder", False)
    )


# oneDNN's linear with weights reordered once into its blocked layout ("prepacked") runs ~15% faster
# than F.linear on an AVX-512 CPU (bf16 and fp32); the packed copies are inference-only and rebuilt
# when a weight changes. Availability depends on the torch build and, per dtype, on the CPU (bf16
# packing needs AVX-512 or AVX-NE-CONVERT), so it is tried once per dtype.
# Packed weights per owning module, outside the module so that deepcopy and pickle never see them
# (oneDNN's packed tensors have no storage to copy).
_PACKED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
PACK_BATCH_HINT = 4096  # tokens per batch that oneDNN tunes the packed layout for (the engine's batch)

# oneDNN and PyTorch's ideep layer each keep compiled kernels per input shape, 1,024 shapes by
# default, some megabytes each. The engine's batches come in many shapes (rows x tokens vary with
# the texts), so a long run's memory grew with the distinct comments it embedded (2.1-2.9 GB after
# 40,000) while compiling again costs a batch run nothing measurable (docs/benchmarks.md). Both are
# read when oneDNN first runs, so this holds unless the process ran oneDNN before importing modclf;
# a value the user set is kept.
KERNEL_CACHE_SHAPES = 16
for _variable in ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY"):
    os.environ.setdefault(_variable, str(KERNEL_CACHE_SHAPES))


def _inference_dtype() -> torch.dtype:
    return torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else torch.float32


@functools.cache
def packing_available(dtype: torch.dtype = torch.float32) -> bool:
    """Whether this torch build and CPU can pack linear weights of `dtype` for oneDNN (tried once)."""
    try:
        packed = torch.ops.mkldnn._reorder_linear_weight(torch.zeros(4, 8, dtype=dtype), 2)
        torch.ops.mkldnn._linear_pointwise(torch.zeros(2, 8, dtype=dtype), packed, None, "none", [], "")
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    return True


# int8 linear maps (weights quantized per output channel once, activations per call): on CPUs without
# native bf16 the fastest exact-enough path; torch.ops.quantized is fbgemm/oneDNN's dynamic int8 GEMM.
_INT8_LINEAR: contextvars.ContextVar[bool] = contextvars.ContextVar("modclf_int8_linear", default=False)


@contextlib.contextmanager
def int8_linear():
    """Run the inference forward's linear maps in dynamic int8 inside this block (fp32 elsewhere)."""
    token = _INT8_LINEAR.set(True)
    try:
        yield
    finally:
        _INT8_LINEAR.reset(token)


def _pack_int8(weight: torch.Tensor, bias: torch.Tensor):
    """Per-output-channel symmetric int8 weight, prepacked for torch.ops.quantized.linear_dynamic."""
    weight = weight.detach().float().contiguous()
    scale = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-8).double()
    with warnings.catch_warnings():  # torch 2.13 warns that quantized tensors are deprecated
        warnings.simplefilter("ignore", UserWarning)
        quantized = torch.quantize_per_channel(weight, scale, torch.zeros_like(scale, dtype=torch.long), 0, torch.qint8)
        return torch.ops.quantized.linear_prepack(quantized, bias.detach().float().contiguous())


@functools.cache
def int8_available() -> bool:
    """Whether this torch build can run dynamic int8 linear maps (tried once)."""
    try:
        torch.ops.quantized.linear_dynamic(torch.randn(2, 8), _pack_int8(torch.randn(4, 8), torch.zeros(4)), False)
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    return True


def _linear(
    owner: nn.Module, key: str, x: torch.Tensor, weights: tuple, biases: tuple, gelu: bool = False, int8_ok: bool = True
):
    """x @ cat(weights).T + cat(biases) (then GELU), with the concatenated weight packed once per dtype.

    The packed copy is kept for `owner` under `key`, stamped with the weights' storage and version
    counters, so training steps, load_state_dict or .to() make it rebuild rather than go stale.
    Inside int8_linear() the weight is packed as int8 instead (where the torch build allows it),
    unless int8_ok is False: the FFN's output map reads post-GELU activations whose outliers
    per-tensor int8 loses (all-int8 line embeddings: cosine to fp32 0.989 mean; this one in fp32: 0.993).
    """
    if x.device.type != "cpu":  # oneDNN packing and int8 are CPU kernels; elsewhere (a GPU) plain maths
        out = nn.functional.linear(x, torch.cat(weights), torch.cat(biases))
        return nn.functional.gelu(out) if gelu else out
    int8 = int8_ok and _INT8_LINEAR.get() and int8_available()
    dtype = torch.float32 if int8 else _inference_dtype()
    x = x.to(dtype)
    stamp = ("int8" if int8 else dtype, tuple((w.data_ptr(), w._version) for w in weights + biases))
    cache = _PACKED.setdefault(owner, {})
    if key not in cache or cache[key][0] != stamp:
        weight = torch.cat(weights) if len(weights) > 1 else weights[0]
        bias = (torch.cat(biases) if len(biases) > 1 else biases[0]).to(dtype)
        if int8:
            cache[key] = (stamp, "int8", _pack_int8(weight, bias), None)
        elif packing_available(dtype):
            cache[key] = (stamp, "onednn", torch.ops.mkldnn._reorder_linear_weight(weight.to(dtype), PACK_BATCH_HINT), bias)
        else:
            cache[key] = (stamp, "plain", weight.to(dtype), bias)
    _, kind, weight, bias = cache[key]
    if kind == "onednn":
        return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "gelu" if gelu else "none", [], "none" if gelu else "")
    if kind == "int8":
        # Full 8-bit activations: 7-bit (reduce_range, which rules out AVX2's rare int16 saturation)
        # lost more (line-embedding cosine to fp32 0.980 vs 0.993 on the bench page).
        out = torch.ops.quantized.linear_dynamic(x.contiguous(), weight, False)
    else:
        out = nn.functional.linear(x, weight, bias)
    return nn.functional.gelu(out) if gelu else out


def _attention(query, key, value, attention_mask: torch.Tensor, heads: int) -> torch.Tensor:
    """Multi-head attention over (batch, tokens, hidden) projections; padding keys masked out."""
    batch, tokens, hidden = query.shape

    def split(x):
        return x.view(batch, tokens, heads, hidden // heads).transpose(1, 2)

    keep = attention_mask[:, None, None, :].bool()
    out = nn.functional.scaled_dot_product_attention(split(query), split(key), split(value), attn_mask=keep)
    return out.transpose(1, 2).reshape(batch, tokens, hidden)


def bert_layers_inference(
    encoder: nn.Module, input_ids, attention_mask, n_layers: int, keep: tuple[int, ...] = ()
) -> list[torch.Tensor]:
    """Token states at the depths in `keep` (below n_layers), then after the first n_layers, of a
    Hugging Face BERT encoder, for inference.

    The same maths as the model's own forward (tests/test_model.py compares them), without its
    per-call mask building and module plumbing, and with query, key and value as one matmul.
    """
    states = encoder.embeddings(input_ids=input_ids)
    heads = encoder.config.num_attention_heads
    fuse_gelu = encoder.config.hidden_act == "gelu"  # exact (erf) GELU, as oneDNN's fused "gelu" computes
    kept = []
    for depth, layer in enumerate(encoder.encoder.layer[:n_layers]):
        if depth in keep:
            kept.append(states)
        attention, out, ffn_in, ffn_out = layer.attention.self, layer.attention.output, layer.intermediate, layer.output
        qkv = _linear(layer, "qkv", states, (attention.query.weight, attention.key.weight, attention.value.weight),
                      (attention.query.bias, attention.key.bias, attention.value.bias))
        attended = _attention(*qkv.chunk(3, dim=-1), attention_mask, heads)
        states = out.LayerNorm(states + _linear(layer, "out", attended, (out.dense.weight,), (out.dense.bias,)))
        inner = _linear(layer, "ffn_in", states, (ffn_in.dense.weight,), (ffn_in.dense.bias,), gelu=fuse_gelu)
        if not fuse_gelu:
            inner = ffn_in.intermediate_act_fn(inner)
        ffn = _linear(layer, "ffn_out", inner, (ffn_out.dense.weight,), (ffn_out.dense.bias,), int8_ok=False)
        states = ffn_out.LayerNorm(states + ffn)
    return kept + [states]


def transformer_layer_inference(layer: nn.TransformerEncoderLayer, states, attention_mask) -> torch.Tensor:
    """A post-norm nn.TransformerEncoderLayer for inference, through scaled_dot_product_attention.

    Same maths as layer(states, src_key_padding_mask=...) in eval mode; the module's own fast path
    uses a masked softmax that costs more than the rest of the layer on CPU (bf16).
    """
    attention = layer.self_attn
    qkv = _linear(layer, "qkv", states, (attention.in_proj_weight,), (attention.in_proj_bias,))
    attended = _attention(*qkv.chunk(3, dim=-1), attention_mask, attention.num_heads)
    out = attention.out_proj
    states = layer.norm1(states + _linear(layer, "out", attended, (out.weight,), (out.bias,)))
    fuse_gelu = layer.activation is nn.functional.gelu
    inner = _linear(layer, "ffn_in", states, (layer.linear1.weight,), (layer.linear1.bias,), gelu=fuse_gelu)
    if not fuse_gelu:
        inner = layer.activation(inner)
    ffn = _linear(layer, "ffn_out", inner, (layer.linear2.weight,), (layer.linear2.bias,), int8_ok=False)
    return layer.norm2(states + ffn)


class OffTopicReader(nn.Module):
    """Off-topic from the comment read against its article, not only their similarity.

    Whether a forum answer answers its question is not in a cosine of the two (docs/scoring.md). A
    cross-encoder over both texts reads it, but costs a second encoder pass per comment. Here each
    text's scoring-path token states are pooled once into a few learned slots (a fixed-size part of its
    embedding, so an article is still encoded once and cached); at scoring time the comment's slots
    attend to its article's, and a small head reads the result with the similarity head's logit.
    """

    def __init__(self, hidden: int, width: int, slots: int, dropout: float, heads: int = 4):
        super().__init__()
        self.width, self.slots = width, slots
        self.project = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, width))
        self.queries = nn.Parameter(torch.randn(slots, width) * width**-0.5)
        self.pool = nn.MultiheadAttention(width, heads, batch_first=True)
        self.read = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))
        # Inputs: the pooled reading, how well the article answered the comment's slots (mean cosine
        # of each slot to what it read), and the similarity head's logit. Its output corrects that
        # logit, starting at zero: an untrained reader scores as the similarity head does.
        self.out = nn.Sequential(nn.Linear(width + 2, 64), nn.GELU(), nn.Dropout(dropout), nn.Linear(64, 1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    @property
    def dim(self) -> int:
        return self.slots * self.width

    def slot_states(self, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(n, slots * width): a text's slots, from its scoring-path token states."""
        tokens = self.project(states.float())
        queries = self.queries.expand(tokens.shape[0], -1, -1)
        slots, _ = self.pool(queries, tokens, tokens, key_padding_mask=attention_mask == 0, need_weights=False)
        return slots.flatten(1)

    def forward(self, comment_slots: torch.Tensor, article_slots: torch.Tensor, similarity: torch.Tensor) -> torch.Tensor:
        q = comment_slots.float().view(-1, self.slots, self.width)
        kv = article_slots.float().view(-1, self.slots, self.width)
        read, _ = self.read(q, kv, kv, need_weights=False)
        x = q + read
        x = x + self.ffn(x)
        match = nn.functional.cosine_similarity(q, read, dim=-1).mean(-1, keepdim=True)
        similarity = similarity.float()
        return similarity + self.out(torch.cat([x.mean(1), match, similarity.unsqueeze(-1)], dim=-1)).squeeze(-1)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of token states over the attention mask (as all-MiniLM-L6-v2 was trained)."""
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class ModClfModel(nn.Module):
    """Encoder + segmentation, incitement and off-topic heads."""

    def __init__(self, config: ModelConfig, encoder: nn.Module):
        super().__init__()
        self.config = config
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        n_layers = encoder.config.num_hidden_layers
        if not 0 < config.score_top_layers <= n_layers:
            raise ValueError(f"score_top_layers must be in 1..{n_layers}, got {config.score_top_layers}")
        bad_depths = [d for d in config.segment_extra_depths if not 0 < d < n_layers]
        if bad_depths or len(set(config.segment_extra_depths)) != len(config.segment_extra_depths):
            raise ValueError(
                f"segment_extra_depths must be distinct depths in 1..{n_layers - 1}, got {list(config.segment_extra_depths)}"
            )
        self.line_embedding_dim = hidden * (1 + len(config.segment_extra_depths))
        self.segment_in = nn.Sequential(
            nn.Linear(self.line_embedding_dim + config.feature_dim, config.segment_hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
        )
        self.segment_rnn = nn.GRU(
            config.segment_hidden,
            config.segment_hidden // 2,
            num_layers=config.segment_layers,
            batch_first=True,
            bidirectional=True,
            dropout=config.dropout if config.segment_layers > 1 else 0.0,
        )
        self.segment_out = nn.Linear(config.segment_hidden, len(config.tags))
        # The scoring path shares the encoder's lower layers and has its own copy of the top ones,
        # so fine-tuning for scoring cannot degrade segmentation (and can be trained on cached states).
        self.score_top = self._top_layers()
        self.segment_top = self._top_layers() if config.segment_top else None
        self.incitement_head = nn.Sequential(
            nn.Linear(hidden, config.head_hidden), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(config.head_hidden, 1)
        )
        self.score_embedding_dim = hidden
        if config.off_topic_features in ("similarity", "interaction"):
            # Few inputs on purpose: a wide head over embeddings learns each source's topics.
            n_inputs = OFF_TOPIC_SIMILARITY_FEATURES if config.off_topic_features == "similarity" else OFF_TOPIC_INTERACTION_FEATURES
            self.off_topic_head = nn.Sequential(nn.Linear(n_inputs, 16), nn.GELU(), nn.Linear(16, 1))
            self.register_buffer("off_topic_bank", torch.zeros(config.off_topic_bank_size, hidden))
            if config.off_topic_features == "interaction":
                # A scoring embedding is [pooled states | hashed IDF-weighted token bag | 2 comment features].
                self.register_buffer("lexical_weight", torch.zeros(encoder.config.vocab_size))
                self.score_embedding_dim = hidden + LEXICAL_BUCKETS + 2
        elif config.off_topic_features == "pair":
            self.off_topic_head = nn.Sequential(
                nn.Linear(4 * hidden + 1, config.head_hidden),
                nn.GELU(),
                nn.Dropout(config.dropout),
                nn.Linear(config.head_hidden, 1),
            )
        else:
            raise ValueError(
                f"off_topic_features must be 'interaction', 'similarity' or 'pair', got {config.off_topic_features!r}"
            )
        self.topic_map = nn.Linear(hidden, hidden) if config.topic_map else None
        self.reset_topic_map()
        self.off_topic_reader = None
        if config.reader_width:
            # Its slots close every scoring embedding (comments, article chunks; an article's are the
            # mean of its chunks', as its pooled embedding is).
            self.off_topic_reader = OffTopicReader(hidden, config.reader_width, config.reader_slots, config.dropout)
            self.score_embedding_dim += self.off_topic_reader.dim
            if config.reader_layer is not None and not 0 <= config.reader_layer <= len(self.score_top):
                raise ConfigError(f"reader_layer {config.reader_layer}: the scoring path has {len(self.score_top)} layers")

    def _top_layers(self) -> nn.ModuleList:
        """Task-specific copies of the encoder's top layers (same shapes, PyTorch layers)."""
        encoder_config = self.encoder.config
        return nn.ModuleList(
            nn.TransformerEncoderLayer(
                encoder_config.hidden_size,
                encoder_config.num_attention_heads,
                encoder_config.intermediate_size,
                dropout=self.config.dropout,
                activation="gelu",
                batch_first=True,
                layer_norm_eps=encoder_config.layer_norm_eps,
            )
            for _ in range(self.config.score_top_layers)
        )

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Line embeddings for segmentation, one per row (line_embedding_dim wide)."""
        extra = sorted(self.config.segment_extra_depths)
        n_layers = len(self.encoder.encoder.layer)
        depth = n_layers - self.config.score_top_layers if self.segment_top is not None else n_layers
        below = tuple(d for d in extra if d < depth)
        *lower, last = self.encoder_states_at(input_ids, attention_mask, depth, below)
        pooled = {d: mean_pool(states, attention_mask) for d, states in zip(below, lower)}
        if depth in extra:
            pooled[depth] = mean_pool(last, attention_mask)
        if self.segment_top is not None:
            top = self.top_embed_from_states(self.segment_top, last, attention_mask)
        else:
            top = mean_pool(last, attention_mask)
        return torch.cat([top] + [pooled[d] for d in extra], dim=-1) if extra else top

    def shared_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Token states after the encoder layers that segmentation and scoring share."""
        return self.encoder_states(input_ids, attention_mask, len(self.encoder.encoder.layer) - self.config.score_top_layers)

    def encoder_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, n_layers: int) -> torch.Tensor:
        """Token states after the encoder's first n_layers layers."""
        return self.encoder_states_at(input_ids, attention_mask, n_layers)[-1]

    def encoder_states_at(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, n_layers: int, keep: tuple[int, ...] = ()
    ) -> list[torch.Tensor]:
        """Token states at the depths in `keep` (those below n_layers, in order), then after the
        encoder's first n_layers layers: one encoder pass for all of them."""
        keep = tuple(d for d in keep if d < n_layers)
        if _fast_inference(self.encoder) and _plain_bert(self.encoder.config):
            return bert_layers_inference(self.encoder, input_ids, attention_mask, n_layers, keep)
        layers = self.encoder.encoder.layer
        # Run the unmodified encoder forward over its lower layers only (not thread-safe).
        self.encoder.encoder.layer = layers[:n_layers]
        try:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=bool(keep))
        finally:
            self.encoder.encoder.layer = layers
        return [out.hidden_states[d] for d in keep] + [out.last_hidden_state]

    @staticmethod
    def top_states(top: nn.ModuleList, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """A task's own top layers over shared states."""
        padding = attention_mask == 0
        for layer in top:
            if _fast_inference(layer):
                states = transformer_layer_inference(layer, states, attention_mask)
            else:
                states = layer(states, src_key_padding_mask=padding)
        return states

    @classmethod
    def top_embed_from_states(cls, top: nn.ModuleList, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """A task's own top layers over shared states, mean-pooled."""
        return mean_pool(cls.top_states(top, states, attention_mask), attention_mask)

    def score_embed_from_states(
        self, states: torch.Tensor, attention_mask: torch.Tensor, input_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Scoring embeddings: the scoring path's own top layers over shared states, mean-pooled;
        with the "interaction" off-topic head, followed by the token features of `input_ids`; with
        an off-topic reader, followed by its slots (pooled after reader_depth of those layers)."""
        depth = self.reader_depth
        read = self.top_states(self.score_top[:depth], states, attention_mask)
        top = self.top_states(self.score_top[depth:], read, attention_mask)
        parts = [mean_pool(top, attention_mask)]
        if self.config.off_topic_features == "interaction" and input_ids is not None:
            parts.append(self.token_features(input_ids, attention_mask).to(parts[0].dtype))
        if self.off_topic_reader is not None:
            parts.append(self.off_topic_reader.slot_states(read, attention_mask).to(parts[0].dtype))
        return torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0]

    @property
    def reader_depth(self) -> int:
        """The scoring layers that run before the off-topic reader pools the tokens (all without one)."""
        if self.off_topic_reader is None or self.config.reader_layer is None:
            return len(self.score_top)
        return self.config.reader_layer

    def score_embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.score_embed_from_states(self.shared_states(input_ids, attention_mask), attention_mask, input_ids)

    def token_features(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(n, LEXICAL_BUCKETS + 2): a hashed bag of the text's tokens weighted by IDF above a floor
        (word overlap with an article, cheap and robust across platforms), and
        whether the text holds a link and addresses someone (the cue tokens of off_topic_cues)."""
        ids = input_ids.long()
        weights = self.lexical_weight[ids].float() * attention_mask.float()
        bag = torch.zeros(len(ids), LEXICAL_BUCKETS, dtype=torch.float32, device=ids.device)
        bag.scatter_add_(1, ids % LEXICAL_BUCKETS, weights)
        extras = []
        for cue in ("link", "address"):
            cue_ids = torch.tensor(self.config.off_topic_cues.get(cue, []), dtype=ids.dtype, device=ids.device)
            hit = torch.isin(ids, cue_ids) & attention_mask.bool() if len(cue_ids) else torch.zeros_like(ids, dtype=torch.bool)
            extras.append(hit.any(1).float())
        return torch.cat([bag, torch.stack(extras, dim=1)], dim=1)

    def init_score_top_from_encoder(self) -> None:
        """Start the scoring layers as exact copies of the encoder's top layers."""
        self._copy_encoder_top(self.score_top)

    def init_segment_top_from_encoder(self) -> None:
        """Start the segmentation top layers as exact copies of the encoder's top layers."""
        if self.segment_top is not None:
            self._copy_encoder_top(self.segment_top)

    def _copy_encoder_top(self, layers: nn.ModuleList) -> None:
        top = self.encoder.encoder.layer[len(self.encoder.encoder.layer) - self.config.score_top_layers :]
        with torch.no_grad():
            for target, source in zip(layers, top):
                attention = source.attention
                target.self_attn.in_proj_weight.copy_(
                    torch.cat([attention.self.query.weight, attention.self.key.weight, attention.self.value.weight])
                )
                target.self_attn.in_proj_bias.copy_(
                    torch.cat([attention.self.query.bias, attention.self.key.bias, attention.self.value.bias])
                )
                target.self_attn.out_proj.weight.copy_(attention.output.dense.weight)
                target.self_attn.out_proj.bias.copy_(attention.output.dense.bias)
                target.norm1.load_state_dict(attention.output.LayerNorm.state_dict())
                target.linear1.load_state_dict(source.intermediate.dense.state_dict())
                target.linear2.load_state_dict(source.output.dense.state_dict())
                target.norm2.load_state_dict(source.output.LayerNorm.state_dict())

    def segment_logits(
        self, line_embeddings: torch.Tensor, features: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Tag logits (batch, lines, tags) for pages of line embeddings and layout features.

        `lengths` gives each page's real number of lines when a batch is padded, so the backward
        direction of the GRU does not read padding.
        """
        x = self.segment_in(torch.cat([line_embeddings, features.to(line_embeddings.dtype)], dim=-1))
        if lengths is None:
            x, _ = self.segment_rnn(x)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, _ = self.segment_rnn(packed)
            x, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.segment_out(x)

    def pooled(self, embeddings: torch.Tensor) -> torch.Tensor:
        """The mean-pooled part of scoring embeddings (what incitement and the similarity head read),
        without the token features or reader slots that may follow it."""
        return embeddings[:, : self.encoder.config.hidden_size]

    def incitement_logits(self, comment_embeddings: torch.Tensor) -> torch.Tensor:
        return self.incitement_head(self.pooled(comment_embeddings)).squeeze(-1)

    def reset_topic_map(self) -> None:
        """The topic map as the identity: off-topic first sees the embedding itself."""
        if self.topic_map is not None:
            with torch.no_grad():
                self.topic_map.weight.copy_(torch.eye(self.topic_map.in_features))
                self.topic_map.bias.zero_()

    def topic_embedding(self, embeddings: torch.Tensor) -> torch.Tensor:
        """What off-topic compares: the pooled part of scoring embeddings, through the topic map if any."""
        pooled = self.pooled(embeddings).float()
        return self.topic_map(pooled).float() if self.topic_map is not None else pooled

    def off_topic_logits(self, comment_embeddings: torch.Tensor, article_embeddings: torch.Tensor) -> torch.Tensor:
        """The off-topic logit: the similarity head's, read further by the off-topic reader if any."""
        similarity = self.similarity_logits(comment_embeddings, article_embeddings)
        if self.off_topic_reader is None:
            return similarity
        slots = slice(-self.off_topic_reader.dim, None)
        return self.off_topic_reader(comment_embeddings[:, slots], article_embeddings[:, slots], similarity)

    def similarity_logits(self, comment_embeddings: torch.Tensor, article_embeddings: torch.Tensor) -> torch.Tensor:
        """The off-topic head's logit, from the comment's similarity to its article."""
        hidden = self.encoder.config.hidden_size
        c = nn.functional.normalize(self.topic_embedding(comment_embeddings), dim=-1)
        a = nn.functional.normalize(self.topic_embedding(article_embeddings), dim=-1)
        cosine = (c * a).sum(-1, keepdim=True)
        if self.config.off_topic_features == "pair":
            return self.off_topic_head(torch.cat([c, a, c * a, (c - a).abs(), cosine], dim=-1)).squeeze(-1)
        # "Great article, thanks" is close to every article; a comment about this story is closer
        # to this article than to typical ones. The bank gives the comment's background similarity.
        bank = nn.functional.normalize(self.topic_embedding(self.off_topic_bank), dim=-1)
        k = min(self.config.off_topic_bank_top_k, bank.shape[0])
        background = (c @ bank.T).topk(k, dim=-1).values.mean(-1, keepdim=True)
        features = [cosine, cosine - background]
        if self.config.off_topic_features == "interaction":
            lexical = slice(hidden, hidden + LEXICAL_BUCKETS)
            overlap = nn.functional.cosine_similarity(
                comment_embeddings[:, lexical].float(), article_embeddings[:, lexical].float(), dim=-1, eps=1e-6
            )
            features += [overlap.unsqueeze(-1), comment_embeddings[:, hidden + LEXICAL_BUCKETS : hidden + LEXICAL_BUCKETS + 2].float()]
        return self.off_topic_head(torch.cat(features, dim=-1)).squeeze(-1)

    def set_off_topic_bank(self, article_embeddings: torch.Tensor) -> None:
        """Store typical-article embeddings (fewer than the bank size are repeated to fill it)."""
        if self.config.off_topic_features not in ("similarity", "interaction") or len(article_embeddings) == 0:
            return
        size, hidden = self.off_topic_bank.shape
        index = torch.arange(size, device=article_embeddings.device) % len(article_embeddings)
        with torch.no_grad():
            self.off_topic_bank.copy_(article_embeddings.detach().float()[index, :hidden])

    def set_lexical_weights(self, tokenizer, texts: list[str], max_tokens: int = 512) -> None:
        """IDF (above LEXICAL_IDF_FLOOR) of every token over `texts`, and the cue token ids, for the
        "interaction" head's word overlap and comment features."""
        if self.config.off_topic_features != "interaction":
            return

        counts = torch.zeros(self.lexical_weight.shape[0])
        for ids in tokenizer(texts, add_special_tokens=False, truncation=True, max_length=max_tokens)["input_ids"]:
            counts[torch.tensor(sorted(set(ids)), dtype=torch.long)] += 1
        idf = torch.log((len(texts) + 1) / (counts + 1))
        with torch.no_grad():
            self.lexical_weight.copy_((idf - LEXICAL_IDF_FLOOR).clamp(min=0))
            for special in (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id):
                self.lexical_weight[special] = 0
        vocab = tokenizer.get_vocab()
        cues = {"link": ("http", "https", "www"), "address": ("@", "you", "your")}
        self.config.off_topic_cues = {name: [vocab[t] for t in tokens if t in vocab] for name, tokens in cues.items()}


def version_stamps() -> dict:
    """modclf, torch and tokenizers versions at save time (no transformers: modclf.bert is the encoder)."""
    import importlib.metadata

    try:
        tokenizers_version = importlib.metadata.version("tokenizers")
    except importlib.metadata.PackageNotFoundError:
        tokenizers_version = "unknown"
    return {"modclf": __version__, "torch": torch.__version__, "tokenizers": tokenizers_version}


def build_model(config: ModelConfig, encoder_path: str | Path) -> ModClfModel:
    """A model whose encoder starts from a pretrained folder (heads randomly initialised)."""
    from modclf import base
    from modclf.bert import BertModel

    encoder = BertModel.from_pretrained(encoder_path)
    try:
        config = dataclasses.replace(config, base=base.describe(encoder_path))
    except ModelLoadError:  # an encoder folder without a weights file we know: saved in full
        config = dataclasses.replace(config, base=None)
    model = ModClfModel(config, encoder)
    # Task top layers start as the pretrained top layers, so both paths start as all-MiniLM-L6-v2.
    model.init_score_top_from_encoder()
    model.init_segment_top_from_encoder()
    return model


def _base_encoder_state(model: ModClfModel) -> tuple[dict | None, dict]:
    """(base entry, base encoder state dict) to save `model` against: its own base, else the default
    base package where installed (0.2.0 folders named none); (None, {}) when there is neither."""
    from modclf import base
    from modclf.bert import load_state

    entry = model.config.base
    try:
        if entry is None:
            entry = base.describe(base.package_folder(base.DEFAULT_BASE_PACKAGE))
        folder = base.resolve(entry, "this model")
    except (ImportError, ModelLoadError) as exc:
        logger.info("saving the whole encoder: its base is not available (%s)", exc)
        return None, {}
    return entry, load_state(folder)


def save_model(model: ModClfModel, tokenizer, folder: str | Path, dtype: torch.dtype = torch.float16) -> None:
    """Write the weights that differ from the base encoder (safetensors, `dtype`) and the modclf config.

    An encoder tensor equal to its base's in `dtype` is not stored: loading takes it from the base
    (checked by hash). Where no encoder tensor equals the base, the folder stores the whole model with
    the encoder's config and tokenizer in `encoder/`, as 0.2.0 folders do.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entry, base_state = _base_encoder_state(model)
    state = {}
    from_base = 0
    for key, value in model.state_dict().items():
        value = value.detach().to("cpu", dtype).contiguous()
        base_value = base_state.get(key.removeprefix("encoder.")) if key.startswith("encoder.") else None
        if base_value is not None and base_value.shape == value.shape and torch.equal(base_value.to(dtype), value):
            from_base += 1
            continue
        state[key] = value
    config = dataclasses.replace(model.config, versions=version_stamps(), base=entry if from_base else None)
    model.config.versions, model.config.base = config.versions, config.base
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "pt", "modclf": __version__})
    if config.base is None:
        model.encoder.config.save_pretrained(str(folder / ENCODER_DIR))
        tokenizer.save_pretrained(str(folder / ENCODER_DIR))
    (folder / MODEL_CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n")


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def load_model(folder: str | Path):
    """Rebuild (model, tokenizer) from a folder written by save_model; weights come back as float32.

    A folder that names a base encoder takes the weights it does not store, the encoder config and
    the tokenizer from that base (ModelLoadError, saying what to install, when it is missing or its
    weights' hash differs); a folder with an `encoder/` config (0.2.0 and older) stores them all.
    """
    from safetensors.torch import load_file

    from modclf import base
    from modclf.bert import BertConfig, BertModel, BertTokenizer

    folder = Path(folder)
    missing = [p for p in (MODEL_CONFIG_FILE, WEIGHTS_FILE) if not (folder / p).exists()]
    if missing:
        raise ModelLoadError(
            f"{folder} is not a modclf model folder (missing {', '.join(missing)}); "
            "pass a folder written by ModClf.save_pretrained or `modclf train`"
        )
    try:
        config = ModelConfig.from_dict(json.loads((folder / MODEL_CONFIG_FILE).read_text()))
    except (json.JSONDecodeError, TypeError) as exc:
        raise ModelLoadError(f"{folder / MODEL_CONFIG_FILE}: unreadable model config ({exc})") from exc
    saved_with = config.versions.get("modclf", "0")
    if _version_tuple(saved_with) > _version_tuple(__version__):
        warnings.warn(
            f"{folder} was saved by modclf {saved_with}, newer than this modclf {__version__}; upgrade modclf",
            stacklevel=2,
        )
    if config.base is not None:
        encoder_folder = base.resolve(config.base, folder)
        encoder = BertModel.from_pretrained(encoder_folder)
    elif (folder / ENCODER_DIR).exists():
        encoder_folder = folder / ENCODER_DIR
        encoder = BertModel(BertConfig.from_pretrained(encoder_folder))  # weights: the folder's own
    else:
        raise ModelLoadError(f"{folder} names no base encoder and has no {ENCODER_DIR}/ folder")
    model = ModClfModel(config, encoder)
    state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS_FILE)).items()}
    result = model.load_state_dict(state, strict=False)
    # Position ids are buffers that some transformers versions save and others do not, and folders
    # saved with transformers' BertModel hold its unused pooler; encoder weights a based folder
    # does not store are the base's, loaded above.
    unexpected = [
        k for k in result.unexpected_keys if not k.endswith("position_ids") and not k.startswith("encoder.pooler.")
    ]
    missing_keys = [
        k for k in result.missing_keys
        if not k.endswith("position_ids") and not (config.base is not None and k.startswith("encoder."))
    ]
    if missing_keys and all(k.startswith("score_top.") for k in missing_keys):
        # A segmentation-only checkpoint: the scoring path starts as a copy of the encoder top.
        logger.warning("%s has no scoring layers; initialising them from the encoder", folder)
        model.init_score_top_from_encoder()
        missing_keys = []
    if unexpected or missing_keys:
        raise ModelLoadError(
            f"{folder / WEIGHTS_FILE} does not match the model definition "
            f"(missing {missing_keys[:5]}, unexpected {unexpected[:5]})"
        )
    tokenizer = BertTokenizer.from_pretrained(encoder_folder)
    model.eval()
    return model, tokenizer
