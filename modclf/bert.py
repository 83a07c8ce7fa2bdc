"""BERT encoder and WordPiece tokenizer with only torch, safetensors and `tokenizers` (no transformers).

`BertModel` computes what Hugging Face's `BertModel` does for the encoders modclf uses (absolute
position embeddings, token type 0 unless given, post-LayerNorm, no pooler) and has the same module
and state-dict names, so Hugging Face folders load as they are and modclf's own inference forward
(modclf.model.bert_layers_inference) reads it the same way. `BertTokenizer` wraps a folder's
`tokenizer.json` and gives the ids Hugging Face's fast tokenizer gives (tests/test_bert.py checks
both against transformers). Importing transformers costs ~3 s per process; this module costs none.
"""

from __future__ import annotations

import contextvars
import json
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

CONFIG_FILE = "config.json"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")

_ACTIVATIONS = {
    "gelu": nn.functional.gelu,  # exact (erf)
    "gelu_new": lambda x: nn.functional.gelu(x, approximate="tanh"),
    "gelu_pytorch_tanh": lambda x: nn.functional.gelu(x, approximate="tanh"),
    "relu": nn.functional.relu,
    "silu": nn.functional.silu,
    "swish": nn.functional.silu,
}


class BertConfig:
    """A BERT `config.json`: its keys as attributes, with Hugging Face's defaults for the ones used."""

    DEFAULTS = {
        "model_type": "bert", "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
        "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
        "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute", "is_decoder": False,
    }

    def __init__(self, **kwargs):
        self.__dict__.update({**self.DEFAULTS, **kwargs})

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> BertConfig:
        return cls(**json.loads((Path(folder) / CONFIG_FILE).read_text()))

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def save_pretrained(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        data = {"architectures": ["BertModel"], **self.to_dict()}
        (folder / CONFIG_FILE).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


# Inside from_pretrained, layers skip their random initialisation (every weight comes from the file:
# ~0.3 s saved). Meta-device construction would skip it too, but costs more: on meta tensors,
# normal_ imports torch._dynamo (~1.5 s).
_SKIP_INIT: contextvars.ContextVar[bool] = contextvars.ContextVar("modclf_bert_skip_init", default=False)


class Linear(nn.Linear):
    def reset_parameters(self) -> None:
        if not _SKIP_INIT.get():
            super().reset_parameters()


class Embedding(nn.Embedding):
    def reset_parameters(self) -> None:
        if not _SKIP_INIT.get():
            super().reset_parameters()


class LayerNorm(nn.LayerNorm):
    def reset_parameters(self) -> None:
        if not _SKIP_INIT.get():
            super().reset_parameters()


class BertEmbeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        tokens = input_ids.shape[1]
        if position_ids is None:
            position_ids = torch.arange(tokens, device=input_ids.device)[None, :]
        types = self.token_type_embeddings.weight[0] if token_type_ids is None else self.token_type_embeddings(token_type_ids)
        states = self.word_embeddings(input_ids) + types + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(states))


class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        if config.hidden_size % config.num_attention_heads:
            raise ValueError(f"hidden_size {config.hidden_size} is not a multiple of {config.num_attention_heads} heads")
        self.num_attention_heads = config.num_attention_heads
        self.query = Linear(config.hidden_size, config.hidden_size)
        self.key = Linear(config.hidden_size, config.hidden_size)
        self.value = Linear(config.hidden_size, config.hidden_size)
        self.dropout_prob = config.attention_probs_dropout_prob

    def forward(self, states: torch.Tensor, additive_mask: torch.Tensor | None) -> torch.Tensor:
        batch, tokens, hidden = states.shape

        def split(x):
            return x.view(batch, tokens, self.num_attention_heads, -1).transpose(1, 2)

        out = nn.functional.scaled_dot_product_attention(
            split(self.query(states)), split(self.key(states)), split(self.value(states)), attn_mask=additive_mask,
            dropout_p=self.dropout_prob if self.training else 0.0,
        )
        return out.transpose(1, 2).reshape(batch, tokens, hidden)


class BertSelfOutput(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, attended: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(attended)) + states)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, states: torch.Tensor, additive_mask: torch.Tensor | None) -> torch.Tensor:
        return self.output(self.self(states, additive_mask), states)


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = Linear(config.hidden_size, config.intermediate_size)
        if config.hidden_act not in _ACTIVATIONS:
            raise ValueError(f"unsupported hidden_act {config.hidden_act!r} (known: {', '.join(_ACTIVATIONS)})")
        self.intermediate_act_fn = _ACTIVATIONS[config.hidden_act]

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(states))


class BertOutput(BertSelfOutput):
    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.dense = Linear(config.intermediate_size, config.hidden_size)


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, states: torch.Tensor, additive_mask: torch.Tensor | None) -> torch.Tensor:
        attended = self.attention(states, additive_mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))


class BertModel(nn.Module):
    """A BERT encoder without pooler; forward returns `.last_hidden_state` and, when asked, `.hidden_states`
    (the embeddings' output, then each layer's), as Hugging Face's BertModel does."""

    def __init__(self, config: BertConfig):
        super().__init__()
        if config.position_embedding_type != "absolute" or config.is_decoder:
            raise ValueError("only encoder BERTs with absolute position embeddings are supported")
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None, position_ids: torch.Tensor | None = None,
                output_hidden_states: bool = False) -> SimpleNamespace:
        states = self.embeddings(input_ids, token_type_ids, position_ids)
        additive_mask = None
        if attention_mask is not None:
            # Hugging Face's extended mask: padding keys get the dtype's lowest value added.
            additive_mask = (1.0 - attention_mask[:, None, None, :].to(states.dtype)) * torch.finfo(states.dtype).min
        hidden_states = [states]
        for layer in self.encoder.layer:
            states = layer(states, additive_mask)
            hidden_states.append(states)
        return SimpleNamespace(
            last_hidden_state=states, hidden_states=tuple(hidden_states) if output_hidden_states else None
        )

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> BertModel:
        """The encoder of a Hugging Face BERT folder (config.json and model.safetensors), in float32."""
        config = BertConfig.from_pretrained(folder)
        token = _SKIP_INIT.set(True)
        try:
            model = cls(config)
        finally:
            _SKIP_INIT.reset(token)
        state = {k: v.float() for k, v in load_state(folder).items()}
        missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
        if missing or unexpected:
            raise ValueError(f"{folder}: weights do not match a BERT encoder (missing {missing[:5]}, unexpected {unexpected[:5]})")
        return model.eval()


def load_state(folder: str | Path) -> dict[str, torch.Tensor]:
    """The encoder weights of a BERT folder, named as BertModel's state dict (no `bert.` prefix, no
    pooler or position-id buffer)."""
    folder = Path(folder)
    if (folder / WEIGHT_FILES[0]).exists():
        from safetensors.torch import load_file

        raw = load_file(str(folder / WEIGHT_FILES[0]))
    elif (folder / WEIGHT_FILES[1]).exists():
        raw = torch.load(folder / WEIGHT_FILES[1], map_location="cpu", weights_only=True)
    else:
        raise FileNotFoundError(f"{folder} holds no encoder weights ({' or '.join(WEIGHT_FILES)})")
    state = {}
    for key, value in raw.items():
        key = key.removeprefix("bert.")
        if key.startswith(("embeddings.", "encoder.")) and not key.endswith("position_ids"):
            state[key] = value
    return state


class BertTokenizer:
    """A folder's `tokenizer.json` (Hugging Face `tokenizers`), called as transformers' fast tokenizer is.

    Only what modclf uses: `tokenizer(texts, add_special_tokens=..., truncation=..., max_length=...,
    padding=..., return_tensors="pt")` -> {"input_ids", "token_type_ids", "attention_mask"}, the special
    token ids, `vocab_size`, `get_vocab`, `convert_ids_to_tokens`, `decode` and `save_pretrained`.
    """

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        config_file = self.folder / "tokenizer_config.json"
        self.init_kwargs = json.loads(config_file.read_text()) if config_file.exists() else {}
        if (self.folder / "tokenizer.json").exists():
            self._json = (self.folder / "tokenizer.json").read_text(encoding="utf-8")
            self._tokenizer = Tokenizer.from_str(self._json)
        elif (self.folder / "vocab.txt").exists():  # a slow-tokenizer folder: build the same pipeline
            from tokenizers.implementations import BertWordPieceTokenizer

            self._tokenizer = BertWordPieceTokenizer(
                str(self.folder / "vocab.txt"), lowercase=self.init_kwargs.get("do_lower_case", True),
                strip_accents=self.init_kwargs.get("strip_accents"),
                handle_chinese_chars=self.init_kwargs.get("tokenize_chinese_chars", True),
            )._tokenizer
            self._json = self._tokenizer.to_str()
        else:
            raise FileNotFoundError(f"{self.folder} holds no tokenizer (tokenizer.json or vocab.txt)")
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._truncating: dict[int, object] = {}  # max_length -> a copy that truncates to it (thread-safe)
        self._lock = threading.Lock()
        special_file = self.folder / "special_tokens_map.json"
        special = json.loads(special_file.read_text()) if special_file.exists() else {}
        for name, default in (("cls", "[CLS]"), ("sep", "[SEP]"), ("pad", "[PAD]"), ("unk", "[UNK]"), ("mask", "[MASK]")):
            token = special.get(f"{name}_token", self.init_kwargs.get(f"{name}_token", default))
            token = token["content"] if isinstance(token, dict) else token
            setattr(self, f"{name}_token", token)
            setattr(self, f"{name}_token_id", self._tokenizer.token_to_id(token))
        max_length = self.init_kwargs.get("model_max_length", 512)
        self.model_max_length = max_length if isinstance(max_length, int) and max_length < 1 << 30 else 512

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> BertTokenizer:
        return cls(folder)

    def __getstate__(self) -> dict:  # copy and pickle (Ray workers) without the lock and the copies
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_truncating")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._truncating, self._lock = {}, threading.Lock()

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=False)

    def __len__(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def _truncating_to(self, max_length: int):
        tokenizer = self._truncating.get(max_length)
        if tokenizer is None:
            from tokenizers import Tokenizer

            with self._lock:
                tokenizer = Tokenizer.from_str(self._json)
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length)
                self._truncating[max_length] = tokenizer
        return tokenizer

    def __call__(self, text: str | list[str], add_special_tokens: bool = True, truncation: bool = False,
                 max_length: int | None = None, padding: bool | str = False, return_tensors: str | None = None) -> dict:
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        if truncation:
            tokenizer = self._truncating_to(max_length if max_length is not None else self.model_max_length)
        else:
            tokenizer = self._tokenizer
        encodings = tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens) if texts else []
        batch = {
            "input_ids": [e.ids for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
        }
        if padding and padding != "do_not_pad":
            width = max_length if padding == "max_length" and max_length else max((len(r) for r in batch["input_ids"]), default=0)
            for key, fill in (("input_ids", self.pad_token_id), ("token_type_ids", 0), ("attention_mask", 0)):
                batch[key] = [row + [fill] * (width - len(row)) for row in batch[key]]
        if return_tensors == "pt":
            return {key: torch.tensor(rows, dtype=torch.long) for key, rows in batch.items()}
        if return_tensors is not None:
            raise ValueError(f"return_tensors={return_tensors!r}: only 'pt' is supported")
        return {key: rows[0] for key, rows in batch.items()} if single else batch

    def get_vocab(self) -> dict[str, int]:
        return self._tokenizer.get_vocab(with_added_tokens=True)

    def convert_ids_to_tokens(self, ids: int | list[int]) -> str | list[str]:
        if isinstance(ids, int):
            return self._tokenizer.id_to_token(ids)
        return [self._tokenizer.id_to_token(i) for i in ids]

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> int | list[int]:
        if isinstance(tokens, str):
            return self._tokenizer.token_to_id(tokens)
        return [self._tokenizer.token_to_id(t) for t in tokens]

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=skip_special_tokens)

    def save_pretrained(self, folder: str | Path) -> None:
        """Copy the tokenizer files, so that this class and transformers' AutoTokenizer both load them."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in TOKENIZER_FILES:
            if (self.folder / name).exists() and (self.folder / name).resolve() != (folder / name).resolve():
                shutil.copyfile(self.folder / name, folder / name)
        if not (self.folder / "tokenizer.json").exists():
            self._tokenizer.save(str(folder / "tokenizer.json"))


def init_weights(model: BertModel, std: float | None = None, seed: int | None = None) -> BertModel:
    """Hugging Face's BERT initialisation (normal(0, initializer_range) linear and embedding weights,
    zero biases and padding row, unit LayerNorm), for models built from a config alone."""
    std = getattr(model.config, "initializer_range", 0.02) if std is None else std
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.normal_(0.0, std, generator=generator)
                if isinstance(module, nn.Linear):
                    module.bias.zero_()
                elif module.padding_idx is not None:
                    module.weight[module.padding_idx].zero_()
            elif isinstance(module, nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()
    return model


__all__ = ["BertConfig", "BertModel", "BertTokenizer", "init_weights", "load_state"]
