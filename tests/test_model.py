"""The inference-only forward must compute what the modules' own forward computes."""

from __future__ import annotations

import pytest
import torch

import modclf.model as model_module
from modclf.encode import pad_batch, tokenize
from modclf.model import plain_forward


def _batch(clf):
    texts = ["A short one.", "A much longer comment about the harbour bridge budget and the road closures."]
    return pad_batch(tokenize(clf.tokenizer, texts, 64), clf.tokenizer.pad_token_id)


def _outputs(model, ids, mask):
    return model.shared_states(ids, mask), model.score_embed(ids, mask), model.embed(ids, mask)


def _assert_same(fast, slow, mask):
    for a, b in zip(fast, slow):
        assert a.shape == b.shape
        # Padded token states are not used (masked out of attention and pooling).
        if a.dim() == 3:
            a, b = a[mask.bool()], b[mask.bool()]
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("segment_top", [True, False])
def test_inference_forward_matches_the_module_forward(tiny_clf, segment_top):
    model = tiny_clf.model.eval()
    if not segment_top:
        model.segment_top = None  # segmentation through the encoder's own top layer (0.1.0 models)
    ids, mask = _batch(tiny_clf)
    assert (mask == 0).any(), "the batch must contain padding for the comparison to mean something"
    with torch.inference_mode():
        fast = _outputs(model, ids, mask)
        with plain_forward():
            slow = _outputs(model, ids, mask)
    _assert_same(fast, slow, mask)


def test_inference_forward_without_weight_packing(tiny_clf, monkeypatch):
    model = tiny_clf.model.eval()
    ids, mask = _batch(tiny_clf)
    with torch.inference_mode():
        packed = _outputs(model, ids, mask)
    # a torch build (or CPU) without oneDNN packing
    monkeypatch.setattr(model_module, "packing_available", lambda dtype=torch.float32: False)
    monkeypatch.setattr(model_module, "_PACKED", type(model_module._PACKED)())
    with torch.inference_mode():
        unpacked = _outputs(model, ids, mask)
    _assert_same(packed, unpacked, mask)


def test_packed_weights_follow_weight_updates(tiny_clf):
    model = tiny_clf.model.eval()
    ids, mask = _batch(tiny_clf)
    with torch.inference_mode():
        before = model.score_embed(ids, mask)
    with torch.no_grad():  # an optimizer step or load_state_dict changes weights in place
        model.score_top[0].linear1.weight.mul_(2.0)
        model.encoder.encoder.layer[0].attention.self.query.weight.add_(0.5)
    with torch.inference_mode():
        after = model.score_embed(ids, mask)
        with plain_forward():
            reference = model.score_embed(ids, mask)
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, reference, rtol=1e-4, atol=1e-4)


def test_inference_forward_is_not_used_in_training(tiny_clf):
    model = tiny_clf.model.train()
    ids, mask = _batch(tiny_clf)
    torch.manual_seed(0)
    with torch.no_grad():
        first = model.score_embed(ids, mask)
    with torch.no_grad():
        second = model.score_embed(ids, mask)
    assert not torch.equal(first, second), "dropout must be active in training mode"


@pytest.mark.skipif(not model_module.int8_available(), reason="this torch build has no dynamic int8 linear")
def test_int8_forward_stays_close_to_fp32(tiny_clf):
    from modclf.model import int8_linear

    model = tiny_clf.model.eval()
    ids, mask = _batch(tiny_clf)
    with torch.inference_mode():
        exact = _outputs(model, ids, mask)[1:]  # pooled embeddings: scoring and segmentation paths
        with int8_linear():
            quantized = _outputs(model, ids, mask)[1:]
        after = _outputs(model, ids, mask)[1:]
    for a, b, c in zip(exact, quantized, after):
        assert not torch.equal(a, b), "the int8 path must actually run"
        assert torch.nn.functional.cosine_similarity(a, b).min() > 0.98
        torch.testing.assert_close(a, c)  # leaving the block restores the fp32 weights


def test_int8_falls_back_to_fp32_where_unavailable(tiny_clf, monkeypatch):
    from modclf.model import int8_linear

    model = tiny_clf.model.eval()
    ids, mask = _batch(tiny_clf)
    monkeypatch.setattr(model_module, "int8_available", lambda: False)
    with torch.inference_mode():
        exact = model.score_embed(ids, mask)
        with int8_linear():
            fallback = model.score_embed(ids, mask)
    torch.testing.assert_close(exact, fallback)


def test_int8_precision_through_the_api(tiny_clf):
    tiny_clf.precision = "int8"
    page = tiny_clf.segment("First line of the story.\nSecond line.\nA reader's comment.")
    scores = tiny_clf.score(["A comment."], article="An article.")
    assert len(page.lines) == 3 and 0.0 <= scores[0].incitement <= 1.0


@pytest.mark.parametrize("segment_top", [True, False])
def test_lower_depth_line_embeddings_match_the_module_forward(tiny_encoder_dir, segment_top):
    """segment_extra_depths: the pooled states of lower layers join the line embedding, the same
    in the inference forward as in the modules' own forward (which training uses)."""
    from modclf.model import ModelConfig, build_model, mean_pool

    torch.manual_seed(0)
    config = ModelConfig(segment_hidden=32, head_hidden=16, segment_top=segment_top, segment_extra_depths=(1,))
    model = build_model(config, tiny_encoder_dir).eval()
    texts = ["A short one.", "A much longer comment about the harbour bridge budget and the road closures."]
    from modclf.bert import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(tiny_encoder_dir)
    ids, mask = pad_batch(tokenize(tokenizer, texts, 64), tokenizer.pad_token_id)
    with torch.inference_mode():
        fast = model.embed(ids, mask)
        with plain_forward():
            slow = model.embed(ids, mask)
        first_layer = mean_pool(model.encoder_states(ids, mask, 1), mask)
    hidden = model.encoder.config.hidden_size
    assert fast.shape == (2, 2 * hidden) == (2, model.line_embedding_dim)
    torch.testing.assert_close(fast, slow, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(fast[:, hidden:], first_layer, rtol=1e-4, atol=1e-4)
    # The segmentation input layer reads the wider embedding plus the layout features.
    assert model.segment_in[0].in_features == 2 * hidden + config.feature_dim


def test_line_embedding_depths_must_be_inside_the_encoder(tiny_encoder_dir):
    from modclf.model import ModelConfig, build_model

    for depths in [(2,), (0,), (1, 1)]:  # the tiny encoder has 2 layers: only depth 1 is below the top
        with pytest.raises(ValueError, match="segment_extra_depths"):
            build_model(ModelConfig(segment_hidden=32, head_hidden=16, segment_extra_depths=depths), tiny_encoder_dir)


def test_an_untrained_off_topic_reader_scores_as_the_similarity_head_and_incitement_ignores_it(tiny_encoder_dir):
    from modclf.model import ModelConfig, build_model

    torch.manual_seed(0)
    plain = build_model(ModelConfig(segment_hidden=32, head_hidden=16), tiny_encoder_dir).eval()
    torch.manual_seed(0)
    read = build_model(ModelConfig(segment_hidden=32, head_hidden=16, reader_width=8, reader_slots=3), tiny_encoder_dir).eval()
    read.load_state_dict(plain.state_dict(), strict=False)  # the same encoder, layers and heads; the reader is extra
    ids = torch.tensor([[101, 7, 8, 9, 102, 0], [101, 5, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        comments, articles = read.score_embed(ids, mask), read.score_embed(ids.flip(0), mask.flip(0))
        assert comments.shape == (2, 32 + 3 * 8) and read.score_embedding_dim == 32 + 3 * 8
        # The slots close the embedding: the pooled part, incitement and the similarity are unchanged.
        assert torch.equal(comments[:, :32], plain.score_embed(ids, mask))
        assert torch.equal(read.incitement_logits(comments), plain.incitement_logits(plain.score_embed(ids, mask)))
        # The reader's output corrects the similarity logit and starts at zero.
        assert torch.allclose(read.off_topic_logits(comments, articles), read.similarity_logits(comments, articles))
        read.off_topic_reader.out[-1].bias.fill_(1.0)
        assert torch.allclose(read.off_topic_logits(comments, articles), read.similarity_logits(comments, articles) + 1)


def test_the_reader_can_pool_a_middle_layer_and_the_pooled_part_stays_the_top_layers(tiny_encoder_dir):
    from modclf.errors import ConfigError
    from modclf.model import ModelConfig, build_model

    settings = dict(segment_hidden=32, head_hidden=16, score_top_layers=2, reader_width=8, reader_slots=3)
    torch.manual_seed(0)
    top = build_model(ModelConfig(**settings), tiny_encoder_dir).eval()
    middle = build_model(ModelConfig(**settings, reader_layer=1), tiny_encoder_dir).eval()
    middle.load_state_dict(top.state_dict())
    ids = torch.tensor([[101, 7, 8, 9, 102, 0], [101, 5, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        shared = middle.shared_states(ids, mask)
        after_one = middle.top_states(middle.score_top[:1], shared, mask)
        embedded, embedded_top = middle.score_embed(ids, mask), top.score_embed(ids, mask)
        assert middle.reader_depth == 1 and top.reader_depth == 2
        assert torch.allclose(embedded[:, 32:], middle.off_topic_reader.slot_states(after_one, mask), atol=1e-6)
        assert not torch.allclose(embedded[:, 32:], embedded_top[:, 32:], atol=1e-3)
        assert torch.allclose(embedded[:, :32], embedded_top[:, :32], atol=1e-6)  # incitement and similarity read this
    with pytest.raises(ConfigError, match="reader_layer 3"):
        build_model(ModelConfig(**settings, reader_layer=3), tiny_encoder_dir)


def test_kernel_caches_are_bounded_unless_the_user_sized_them():
    """Importing the model sizes oneDNN's and ideep's per-shape kernel caches (a long run's memory grew
    with every batch shape until they held 1,024 each), and keeps a size the user chose."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY")}
    env["LRU_CACHE_CAPACITY"] = "7"
    code = "import os, modclf.model; print(os.environ['ONEDNN_PRIMITIVE_CACHE_CAPACITY'], os.environ['LRU_CACHE_CAPACITY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(model_module.KERNEL_CACHE_SHAPES), "7"]
