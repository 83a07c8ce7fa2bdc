"""Batch planning: every row encoded once, within the token budget, with little padding."""

from __future__ import annotations

import random

import pytest
import torch

from modclf.encode import embed_texts, plan_batches


def _padded_tokens(lengths, batches):
    return sum(len(b) * max(lengths[i] for i in b) for b in batches)


@pytest.mark.parametrize("seed", range(5))
def test_plan_covers_every_row_once_within_budget(seed):
    rng = random.Random(seed)
    lengths = [rng.randint(3, 128) for _ in range(rng.randint(1, 600))]
    batches = plan_batches(lengths, batch_tokens=1024)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) * max(lengths[i] for i in batch) <= 1024


def test_plan_keeps_padding_small_on_a_page_of_mixed_lines():
    # A 150-line page of 3- to 46-token lines: filling batches greedily up to the budget pads
    # them by ~80% (every line of a batch padded to the batch's longest).
    rng = random.Random(0)
    lengths = [rng.randint(3, 46) for _ in range(150)]
    batches = plan_batches(lengths, batch_tokens=4096)
    assert _padded_tokens(lengths, batches) <= 1.2 * sum(lengths)
    assert len(batches) <= 10  # per-batch overhead keeps it from splitting every length apart


def test_plan_gives_an_over_budget_row_its_own_batch():
    batches = plan_batches([10, 600, 12], batch_tokens=256)
    assert [1] in batches
    assert sorted(i for b in batches for i in b) == [0, 1, 2]


def test_plan_of_nothing_is_empty():
    assert plan_batches([]) == []


def test_embeddings_do_not_depend_on_the_batch_plan(tiny_clf):
    texts = ["Short.", "A somewhat longer line of text here.", "Mid length line.", "x " * 40, "Short."]
    model, tokenizer = tiny_clf.model.eval(), tiny_clf.tokenizer
    planned = embed_texts(model, tokenizer, texts, 48)
    one_by_one = torch.cat([embed_texts(model, tokenizer, [t], 48) for t in texts])
    torch.testing.assert_close(planned, one_by_one, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(planned[0], planned[4])


def test_auto_precision_is_the_fastest_the_folder_measured_within_tolerance(monkeypatch):
    import modclf.encode as encode

    ok = {"within_tolerance": True, "max_abs_roc_auc_delta": 0.001, "max_abs_line_f1_delta": 0.0004}
    bad = {"within_tolerance": False, "max_abs_roc_auc_delta": 0.02}
    monkeypatch.setattr(encode, "native_bf16", lambda: True)
    assert encode.choose_precision({"bf16": ok, "int8": ok})[0] == "bf16"
    assert encode.choose_precision({"bf16": bad, "int8": ok})[0] == "int8"
    monkeypatch.setattr(encode, "native_bf16", lambda: False)
    precision, why = encode.choose_precision({"bf16": ok, "int8": ok})
    assert precision == "int8" and "no native bf16" in why  # emulated bf16 is never chosen
    precision, why = encode.choose_precision({"int8": bad})
    assert precision == "fp32" and "int8 outside tolerance" in why
    assert encode.choose_precision(None) == ("fp32", "int8 not measured for this model")


def test_a_folder_without_measurements_runs_fp32_by_default(tiny_model_dir):
    from modclf import ModClf

    clf = ModClf.from_pretrained(tiny_model_dir)
    assert clf.precision == "fp32" and "not measured" in clf.precision_reason
