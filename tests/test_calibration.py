"""Calibration and the scoring path's saved state: Platt fit, ECE, NaN, save -> load, the state cache."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from conftest import needs_released_model

from modclf.model import ModelConfig, build_model
from modclf.score import unclamped_incitement
from modclf.training.scoring import StateCache, expected_calibration_error, fit_platt, text_key


def test_platt_fit_recovers_a_known_temperature_and_bias():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 20000)
    labels = (rng.random(20000) < 1 / (1 + np.exp(-(logits / 2.0 - 1.0)))).astype(float)
    temperature, bias = fit_platt(logits, labels)
    assert temperature == pytest.approx(2.0, rel=0.08)
    assert bias == pytest.approx(-1.0, abs=0.08)


def test_a_platt_fit_that_fails_keeps_the_scores_as_they_are():
    logits = np.array([0.5, -1.0, float("nan"), 2.0])
    assert fit_platt(logits, np.array([1.0, 0.0, 0.0, 1.0])) == (1.0, 0.0)


def test_ece_is_zero_when_confidence_matches_accuracy_and_the_gap_otherwise():
    # Two bins: 0.2 with 20% positives, 0.8 with 80% positives.
    probs = np.array([0.2] * 10 + [0.8] * 10)
    labels = np.array([1, 1] + [0] * 8 + [1] * 8 + [0, 0])
    assert expected_calibration_error(probs, labels) == pytest.approx(0.0)
    # Everything at 0.9 but only half positive: off by 0.4.
    assert expected_calibration_error(np.full(10, 0.9), np.array([1, 0] * 5)) == pytest.approx(0.4)
    assert expected_calibration_error(np.zeros(0), np.zeros(0)) == 0.0


def test_a_model_that_produces_nan_is_an_error_not_a_score(tiny_clf):
    with torch.no_grad():
        tiny_clf.model.incitement_head[-1].bias.fill_(float("nan"))
    with pytest.raises(RuntimeError, match="NaN"):
        tiny_clf.score("A perfectly ordinary comment.")


def test_the_scoring_path_survives_save_and_load(tiny_encoder_dir, tmp_path):
    from transformers import AutoTokenizer

    from modclf import ModClf

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_encoder_dir))
    torch.manual_seed(1)
    model = build_model(ModelConfig(name="t", version="0.0.1", segment_hidden=32, head_hidden=16,
                                    off_topic_features="interaction"), tiny_encoder_dir)
    model.set_lexical_weights(tokenizer, ["the mayor closed the harbour bridge", "a new library opens", "thanks"])
    model.set_off_topic_bank(torch.randn(5, 32))
    model.config.calibration = {"incitement": [1.7, -2.5], "off_topic": [0.8, 0.3]}
    clf = ModClf(model, tokenizer, precision="fp32")
    comments = ["Close the bridge for good!", "Visit my site www.example.com", "@anna you are wrong about the library"]
    article = "The council voted to close the harbour bridge for repairs; the library opens next week."
    before = clf.score(comments, article=article)
    clf.save_pretrained(tmp_path / "m")
    loaded = ModClf.from_pretrained(tmp_path / "m", precision="fp32")
    after = loaded.score(comments, article=article)
    for b, a in zip(before, after):  # weights are stored in fp16
        assert a.incitement == pytest.approx(b.incitement, abs=1e-3) and a.off_topic == pytest.approx(b.off_topic, abs=1e-3)
    loaded.save_pretrained(tmp_path / "again")  # once stored, a round trip is exact
    again = ModClf.from_pretrained(tmp_path / "again", precision="fp32").score(comments, article=article)
    assert [s.as_dict() for s in again] == [s.as_dict() for s in after]
    assert loaded.config.calibration == model.config.calibration
    assert loaded.config.off_topic_cues == model.config.off_topic_cues and loaded.config.off_topic_cues["link"]
    # fp16 storage: the off-topic state comes back to within its rounding.
    assert torch.allclose(loaded.model.lexical_weight, model.lexical_weight, rtol=1e-3)
    assert torch.allclose(loaded.model.off_topic_bank, model.off_topic_bank, rtol=1e-3, atol=1e-3)


def test_interaction_features_see_word_overlap_links_and_addressing(tiny_encoder_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_encoder_dir))
    model = build_model(ModelConfig(name="t", off_topic_features="interaction"), tiny_encoder_dir)
    model.set_lexical_weights(tokenizer, ["harbour bridge council", "library books"] + [f"weather {i}" for i in range(60)])
    texts = ["harbour bridge", "see www.example.com", "@anna you", "harbour"]
    encoded = tokenizer(texts, padding=True, return_tensors="pt")
    features = model.token_features(encoded["input_ids"], encoded["attention_mask"])
    bag, extras = features[:, :-2], features[:, -2:]
    overlap = torch.nn.functional.cosine_similarity(bag[0:1], bag[3:4]).item()
    assert overlap > 0.3 and torch.nn.functional.cosine_similarity(bag[0:1], bag[1:2]).item() < overlap
    assert extras[:, 0].tolist() == [0.0, 1.0, 0.0, 0.0]  # a link
    assert extras[:, 1].tolist() == [0.0, 0.0, 1.0, 0.0]  # addressing someone


def test_state_cache_reads_back_what_it_wrote_and_not_for_other_layers(tiny_clf, tmp_path):
    texts = ["one comment", "another, longer comment about the bridge"]
    first = StateCache(tiny_clf.model, tiny_clf.tokenizer, 32, tmp_path)
    first.add_texts(texts)
    first.add_articles(["An article about the bridge."])
    second = StateCache(tiny_clf.model, tiny_clf.tokenizer, 32, tmp_path)
    assert set(second.states) == set(first.states) and second.article_rows == first.article_rows
    assert all(torch.equal(second.states[k], first.states[k]) for k in first.states)
    assert torch.equal(second.ids[text_key(texts[0])], first.ids[text_key(texts[0])])
    with torch.no_grad():
        tiny_clf.model.encoder.embeddings.word_embeddings.weight.add_(0.1)
    assert StateCache(tiny_clf.model, tiny_clf.tokenizer, 32, tmp_path).states == {}  # other shared layers


@needs_released_model
def test_released_model_probabilities_are_finite_and_in_range_before_clamping():
    from modclf import ModClf

    clf = ModClf.from_pretrained(precision="fp32")
    comments = ["I will find you and kill you.", "Great article, thanks.", "x" * 3000, "?!", "Vote them out in May."]
    probs = unclamped_incitement(clf.model, clf.tokenizer, comments, "fp32")
    assert all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in probs.tolist())
