"""training/combine.py: the segmentation path of one model folder on the rest of another."""

from __future__ import annotations

import pytest
import torch
from conftest import load_training_script

from modclf import ModClf
from modclf.bert import BertTokenizer
from modclf.model import ModelConfig, build_model, save_model


def _folders(tiny_encoder_dir, tmp_path, perturb_encoder=False):
    tokenizer = BertTokenizer.from_pretrained(tiny_encoder_dir)
    torch.manual_seed(1)
    seg = build_model(ModelConfig(name="seg", version="9.9.9", segment_hidden=32, head_hidden=16, segment_top=False,
                                  segment_extra_depths=(1,)), tiny_encoder_dir)
    torch.manual_seed(2)
    scoring = build_model(ModelConfig(name="scoring", version="1.0.0", segment_hidden=16, head_hidden=16,
                                      calibration={"incitement": [2.0, -1.0], "off_topic": [1.0, 0.5]}), tiny_encoder_dir)
    if perturb_encoder:
        with torch.no_grad():
            scoring.encoder.embeddings.word_embeddings.weight.add_(0.1)
    save_model(seg, tokenizer, tmp_path / "seg")
    save_model(scoring, tokenizer, tmp_path / "scoring")
    return tmp_path / "seg", tmp_path / "scoring"


def test_combined_model_segments_like_one_and_scores_like_the_other(tiny_encoder_dir, tmp_path):
    seg_dir, scoring_dir = _folders(tiny_encoder_dir, tmp_path)
    model, tokenizer = load_training_script("combine").combine(seg_dir, scoring_dir, version="1.1.0")
    save_model(model, tokenizer, tmp_path / "combined")
    combined = ModClf.from_pretrained(tmp_path / "combined")
    seg, scoring = ModClf.from_pretrained(seg_dir), ModClf.from_pretrained(scoring_dir)
    page = "Council approves bridge\nThe council voted on Tuesday.\nReply\nGreat news for the town!"
    assert combined.segment(page).as_dict() == seg.segment(page).as_dict()
    comments = ["They should all be shot.", "Nice weather today."]
    assert [s.as_dict() for s in combined.score(comments, article=page)] == \
        [s.as_dict() for s in scoring.score(comments, article=page)]
    config = combined.config
    assert (config.name, config.version, config.segment_extra_depths, config.segment_hidden) == \
        ("scoring", "1.1.0", (1,), 32)
    assert config.calibration["incitement"] == [2.0, -1.0]


def test_combine_refuses_different_encoders(tiny_encoder_dir, tmp_path):
    seg_dir, scoring_dir = _folders(tiny_encoder_dir, tmp_path, perturb_encoder=True)
    with pytest.raises(ValueError, match="encoders .* differ"):
        load_training_script("combine").combine(seg_dir, scoring_dir)
