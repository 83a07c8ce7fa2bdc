"""The inference-only forward must compute what the modules' own forward computes."""

from __future__ import annotations

import pytest
import torch

from modclf.encode import pad_batch, tokenize


def _batch(clf):
    texts = ["A short one.", "A much longer comment about the harbour bridge budget and the road closures."]
    return pad_batch(tokenize(clf.tokenizer, texts, 64), clf.tokenizer.pad_token_id)


@pytest.mark.parametrize("segment_top", [True, False])
def test_inference_forward_matches_the_module_forward(tiny_clf, segment_top):
    model = tiny_clf.model.eval()
    if not segment_top:
        model.segment_top = None  # segmentation through the encoder's own top layer (0.1.0 models)
    ids, mask = _batch(tiny_clf)
    assert (mask == 0).any(), "the batch must contain padding for the comparison to mean something"
    with torch.no_grad():  # the inference path
        fast = (model.shared_states(ids, mask), model.score_embed(ids, mask), model.embed(ids, mask))
    with torch.enable_grad():  # the modules' own forward (used in training)
        slow = (model.shared_states(ids, mask), model.score_embed(ids, mask), model.embed(ids, mask))
    for a, b in zip(fast, slow):
        assert a.shape == b.shape
        # Padded token states are not used (masked out of attention and pooling).
        if a.dim() == 3:
            a, b = a[mask.bool()], b[mask.bool()]
        torch.testing.assert_close(a, b.detach(), rtol=1e-4, atol=1e-5)


def test_inference_forward_is_not_used_in_training(tiny_clf):
    model = tiny_clf.model.train()
    ids, mask = _batch(tiny_clf)
    torch.manual_seed(0)
    with torch.no_grad():
        first = model.score_embed(ids, mask)
    with torch.no_grad():
        second = model.score_embed(ids, mask)
    assert not torch.equal(first, second), "dropout must be active in training mode"
