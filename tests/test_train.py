"""Training smoke runs on the tiny model: they must write loadable model folders."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from modclf import ModClf
from modclf.config import load_config
from modclf.encode import resolve_precision
from modclf.errors import ConfigError
from modclf.pages import text_blocks
from modclf.training.sources.types import LabeledPage
from modclf.training.train import TrainConfig, page_targets, segmentation_loss, train


def _page(i: int) -> LabeledPage:
    lines = [("Home", "boilerplate", None), (f"Story number {i} about the council budget.", "body", None),
             ("The council met on Tuesday and agreed a new plan.", "body", None), ("Play", "boilerplate", None),
             ("Reply", "boilerplate", None), ("I think this is wrong.", "comment", 0), ("Totally.", "comment", 0),
             ("Bob 2 hours ago", "boilerplate", None), ("Great article!", "comment", 1)]
    blocks = text_blocks("\n".join(t for t, _, _ in lines))
    return LabeledPage(id=f"t/{i}", source="synthetic" if i % 2 else "dragnet", group=str(i), format="text",
                       blocks=blocks, labels=[label for _, label, _ in lines], comment_index=[c for _, _, c in lines],
                       boundaries_known=bool(i % 2), raw="")


def test_page_targets_mark_comment_begin_and_inside():
    page = _page(1)
    targets = page_targets(page.labels, page.comment_index, True)
    assert targets.tolist() == [1, 0, 0, 1, 1, 2, 3, 1, 2]
    unknown = page_targets(page.labels, page.comment_index, False)
    assert unknown.tolist() == [1, 0, 0, 1, 1, -1, -1, 1, -1]


def test_segmentation_loss_is_finite_and_positive():
    import torch

    logits = torch.randn(5, 4)
    loss = segmentation_loss(logits, torch.tensor([0, 1, 2, 3, -1]))
    assert torch.isfinite(loss) and loss.item() > 0


def _scoring_examples(split: str) -> list:
    from modclf.training.sources.comments import ScoringExample

    article = "The council approved the new harbour bridge after a long debate."
    rows = [("They should all be shot.", None, 1.0, None), ("Nice weather today.", None, 0.0, None),
            ("The bridge is too expensive.", article, None, 0.0), ("Buy cheap watches here", article, None, 1.0),
            ("He said they should be shot. Disgusting.", None, 0.0, None), ("Great bridge.", article, 0.0, 0.0)]
    return [ScoringExample(text=t, article=a, incitement=i, off_topic=o, source="test", group=f"{split}{n}", split=split)
            for n, (t, a, i, o) in enumerate(rows * 4)]


def test_two_step_training_writes_a_loadable_model(tiny_encoder_dir, tmp_path):
    pages = {"train": [_page(i) for i in range(6)], "dev": [_page(i) for i in range(6, 8)]}
    config = TrainConfig(init=str(tiny_encoder_dir), output_dir=str(tmp_path / "run"), head_epochs=1,
                         head_batch_pages=2, finetune_minutes=1, finetune_max_steps=2, eval_pages=2,
                         scoring_epochs=1, scoring_batch=12)
    best = train(config, pages, scoring=(_scoring_examples("train"), _scoring_examples("dev")))
    clf = ModClf.from_pretrained(best)
    page = clf.segment("Headline\nSome article text.\nA comment.")
    assert [line.text for line in page.lines] == ["Headline", "Some article text.", "A comment."]
    scores = clf.score(["a comment", "another"], article="an article")
    assert all(0 <= s.incitement <= 1 and 0 <= s.off_topic <= 1 for s in scores)
    temperature, _ = clf.config.calibration["incitement"]
    assert temperature > 0
    assert (tmp_path / "run" / "training_config.yaml").exists()
    assert (tmp_path / "run" / "last" / "model.safetensors").exists()
    # The off-topic bank was filled from the training articles and saved with the model.
    assert clf.config.off_topic_features == "similarity"
    assert clf.model.off_topic_bank.abs().sum() > 0
    # The generated card lists sources with licences, describes this model and carries the metrics.
    from modclf.training.card import write_model_card

    card = write_model_card(best, ["gab", "semeval"], {"test": {"auc": 0.5}}, "notes here").read_text()
    assert "| gab | Gab Hate Corpus | CC BY 4.0 |" in card and "| test.auc | 0.500 |" in card
    assert "bank of typical articles" in card and "own fine-tuned copy of the top layer" in card
    assert "notes here" in card


def test_retraining_a_pair_head_model_gives_it_the_configured_head(tiny_encoder_dir, tmp_path):
    import dataclasses

    from modclf.model import ModelConfig, build_model, load_model, save_model

    old = build_model(ModelConfig(name="old", version="0.1.0", segment_hidden=32, head_hidden=16,
                                  off_topic_features="pair", segment_top=False), tiny_encoder_dir)
    from modclf.bert import BertTokenizer

    save_model(old, BertTokenizer.from_pretrained(tiny_encoder_dir), tmp_path / "old")
    # Folders written before the setting existed load with the head they were trained with.
    config_file = tmp_path / "old" / "modclf_config.json"
    text = config_file.read_text().replace('"off_topic_features": "pair",', "").replace('"segment_top": false,', "")
    assert "off_topic_features" not in text and "segment_top" not in text
    config_file.write_text(text)
    reloaded, _ = load_model(tmp_path / "old")
    assert (reloaded.config.off_topic_features, reloaded.config.segment_top) == ("pair", False)
    config = TrainConfig(init=str(tmp_path / "old"), output_dir=str(tmp_path / "run"), tasks=["scoring"],
                         scoring_epochs=1, scoring_batch=12, off_topic_features="interaction")
    best = train(config, scoring=(_scoring_examples("train"), _scoring_examples("dev") * 2))  # 24 off-topic dev labels
    new, _ = load_model(best)
    assert new.config.off_topic_features == "interaction"
    assert new.lexical_weight.abs().sum() > 0 and new.config.off_topic_cues  # word weights and cue tokens were fitted
    # Everything but the off-topic head is kept: the segmentation head is the old one.
    assert dataclasses.asdict(new.config)["segment_hidden"] == 32
    for name, tensor in old.state_dict().items():
        if name.startswith("segment_"):
            assert (new.state_dict()[name] - tensor.half().float()).abs().max() < 1e-6, name
    # It also got a segmentation top, which starts as the encoder's top: line embeddings unchanged.
    assert new.config.segment_top and not old.config.segment_top
    ids = torch.tensor([[101, 7, 8, 9, 102, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        assert torch.allclose(new.eval().embed(ids, mask), old.eval().embed(ids, mask), atol=2e-2)


def test_a_scoring_path_that_owns_every_layer_trains_end_to_end_and_leaves_segmentation_alone(tiny_encoder_dir, tmp_path):
    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, load_model, mean_pool, plain_forward, save_model

    old = build_model(ModelConfig(name="old", segment_hidden=32, head_hidden=16, segment_top=False), tiny_encoder_dir)
    save_model(old, BertTokenizer.from_pretrained(tiny_encoder_dir), tmp_path / "old")
    config = TrainConfig(init=str(tmp_path / "old"), output_dir=str(tmp_path / "run"), tasks=["scoring"],
                         scoring_epochs=1, scoring_batch=12, score_top_layers=2, segment_top=False, device="cpu")
    new, _ = load_model(train(config, scoring=(_scoring_examples("train"), _scoring_examples("dev"))))
    assert new.config.score_top_layers == 2 and len(new.score_top) == 2
    ids = torch.tensor([[101, 7, 8, 9, 102, 0], [101, 5, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        # Segmentation still reads the untouched encoder; both scoring layers were trained.
        assert torch.allclose(new.eval().embed(ids, mask), old.eval().embed(ids, mask), atol=1e-3)
        plain = mean_pool(new.encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask)
        assert (new.score_embed(ids, mask) - plain).abs().max() > 1e-3
        assert not torch.equal(new.score_top[0].linear1.weight, old.score_top[0].linear1.weight)
        # The inference forward over the scoring path's own layers is the modules' own maths.
        fast = new.score_embed(ids, mask)
        with plain_forward():
            assert torch.allclose(new.score_embed(ids, mask), fast, atol=1e-5)


def test_retraining_the_scorer_keeps_the_segmentation_it_does_not_train(tiny_encoder_dir, tmp_path):
    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, load_model, save_model
    from modclf.training.train import initial_model

    old = build_model(ModelConfig(segment_hidden=32, head_hidden=16, segment_top=False, segment_extra_depths=(1,)),
                      tiny_encoder_dir)
    save_model(old, BertTokenizer.from_pretrained(tiny_encoder_dir), tmp_path / "old")
    old, _ = load_model(tmp_path / "old")
    # A config whose segmentation settings differ (as configs/retrain.yaml did before 0.3.0's depth 3).
    config = TrainConfig(init=str(tmp_path / "old"), tasks=["scoring"], segment_top=False, segment_extra_depths=[])
    model, _ = initial_model(config)
    assert model.config.segment_extra_depths == (1,) and model.config.score_top_layers == 1
    ids = torch.tensor([[101, 7, 8, 9, 102, 0]])
    features = torch.zeros(1, 1, model.config.feature_dim)
    with torch.no_grad():
        emb = model.eval().embed(ids, (ids != 0).long())
        assert torch.equal(model.segment_logits(emb[None], features), old.eval().segment_logits(emb[None], features))


def test_segmentation_top_starts_as_the_encoder_top(tiny_encoder_dir):
    from modclf.model import ModelConfig, build_model, mean_pool

    model = build_model(ModelConfig(segment_hidden=32, head_hidden=16), tiny_encoder_dir).eval()
    ids = torch.tensor([[101, 7, 8, 9, 102, 0], [101, 5, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        plain = mean_pool(model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask)
        assert torch.allclose(model.embed(ids, mask), plain, atol=1e-5)
        assert torch.allclose(model.score_embed(ids, mask), plain, atol=1e-5)


def test_config_rejects_unknown_keys_and_bad_values(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("head_epochs: 2\nnot_a_setting: 1\n")
    with pytest.raises(ConfigError, match="unknown setting.*not_a_setting"):
        load_config(TrainConfig, path)
    path.write_text("head_epochs: 2\n")
    with pytest.raises(ConfigError, match="head_lr"):
        load_config(TrainConfig, path, ["--head_lr=-1"])
    with pytest.raises(ConfigError, match="must be an integer"):
        load_config(TrainConfig, path, ["--head_epochs=many"])
    assert load_config(TrainConfig, path, ["--seed=3"]).seed == 3


@pytest.mark.parametrize("name", ["default.yaml", "retrain.yaml"])
def test_shipped_configs_load(name):
    from conftest import REPO

    config = load_config(TrainConfig, REPO / "configs" / name)
    assert config.tasks


def test_training_does_not_emulate_bf16_where_the_cpu_lacks_it(tiny_encoder_dir, tmp_path, monkeypatch):
    """Emulated bf16 is several times slower than fp32: a CPU without native bf16 trains in fp32."""
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    entered = []
    real_autocast = torch.autocast

    def recording_autocast(*args, **kwargs):
        entered.append(kwargs.get("dtype"))
        return real_autocast(*args, **kwargs)

    monkeypatch.setattr(torch, "autocast", recording_autocast)
    pages = {"train": [_page(i) for i in range(4)], "dev": [_page(i) for i in range(4, 6)]}
    config = TrainConfig(init=str(tiny_encoder_dir), output_dir=str(tmp_path / "run"), head_epochs=1,
                         head_batch_pages=2, segment_top=True, finetune_minutes=1, finetune_max_steps=2,
                         eval_pages=2, scoring_epochs=1, scoring_batch=12)
    train(config, pages, scoring=(_scoring_examples("train"), _scoring_examples("dev")))
    assert torch.bfloat16 not in entered
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    assert resolve_precision("auto") == "bf16"  # the patched switch is the one the run reads


def test_training_with_lower_depth_line_embeddings_round_trips(tiny_encoder_dir, tmp_path):
    """A run with segment_extra_depths writes a folder that reloads with the same setting and output;
    continuing a model without it gives segmentation a fresh, wider input layer."""
    pages = {"train": [_page(i) for i in range(4)], "dev": [_page(i) for i in range(4, 6)]}
    config = TrainConfig(init=str(tiny_encoder_dir), output_dir=str(tmp_path / "run"), tasks=["segmentation"],
                         head_epochs=1, head_batch_pages=2, segment_top=False, segment_extra_depths=[1],
                         finetune_minutes=0, eval_pages=2)
    best = train(config, pages)
    clf = ModClf.from_pretrained(best)
    assert clf.config.segment_extra_depths == (1,)
    text = "Headline\nSome article text.\nA comment."
    again = ModClf.from_pretrained(best).segment(text)
    assert clf.segment(text).as_dict() == again.as_dict()
    from modclf.training.card import write_model_card

    assert "pooled states after layer(s) 1" in write_model_card(best, ["synthetic"]).read_text()
    # A folder without the setting (0.2.0) continued with it: only the segmentation input layer is new.
    import dataclasses

    from modclf.training.train import with_config_changes

    old = with_config_changes(clf.model, segment_extra_depths=())
    assert old.segment_in[0].in_features == clf.model.segment_in[0].in_features - clf.model.encoder.config.hidden_size
    assert torch.equal(old.segment_out.weight, clf.model.segment_out.weight)
    assert dataclasses.asdict(old.config)["segment_extra_depths"] == ()


def test_lower_depth_line_embeddings_refuse_segmentation_top_fine_tuning():
    with pytest.raises(ConfigError, match="segment_extra_depths"):
        TrainConfig(segment_top=True, segment_extra_depths=[3], finetune_minutes=5)
    with pytest.raises(ConfigError, match="segment_extra_depths"):
        TrainConfig(segment_extra_depths=[0])


def test_teacher_labels_mix_into_incitement_targets_and_label_unlabelled_text(tmp_path):
    import json

    from modclf.training.scoring import incitement_targets, load_teacher_labels, text_key

    batch = _scoring_examples("train")[:4]  # threat 1.0, ordinary 0.0, two off-topic pairs without a label
    path = tmp_path / "incitement.jsonl"
    path.write_text("".join(json.dumps({"key": text_key(ex.text), "incitement": p}) + "\n"
                            for ex, p in zip(batch, (0.6, 0.2, 0.1))))
    teacher = load_teacher_labels(path)
    assert incitement_targets(batch, teacher, 0.5) == ([0, 1, 2], [0.8, 0.1, 0.1])
    assert incitement_targets(batch, teacher, 0.0) == ([0, 1], [1.0, 0.0])  # weight 0: labels alone
    path.write_text(json.dumps({"key": "k", "incitement": 1.5}) + "\n")
    with pytest.raises(ConfigError, match="outside"):
        load_teacher_labels(path)
    path.write_text("not json\n")
    with pytest.raises(ConfigError, match=":1: not a teacher label"):
        load_teacher_labels(path)


def test_teacher_probabilities_are_out_of_fold_on_training_text():
    import importlib.util
    from pathlib import Path

    import numpy as np

    from modclf.training.sources.comments import ScoringExample

    spec = importlib.util.spec_from_file_location("teacher_labels", Path(__file__).resolve().parents[1] / "training" / "teacher_labels.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    rng = np.random.default_rng(0)
    rows, embeddings = [], {}
    for n in range(60):
        label = float(n % 3 == 0)
        text = f"text {n}"
        # The label is readable from the first coordinate; the rest is noise.
        embeddings[text] = np.r_[label * 2 - 1, rng.normal(size=7)].astype(np.float32)
        rows.append(ScoringExample(text, None, label, None, "src", f"g{n}", "train" if n < 40 else "test"))
    rows.append(ScoringExample("pair", "an article", None, 0.0, "pairs", "gp", "train"))
    embeddings["pair"] = np.r_[1.0, np.zeros(7)].astype(np.float32)
    probs, report = script.teacher_probabilities(rows, embeddings)
    assert set(probs) == {ex.text for ex in rows}  # unlabelled text is labelled by the teacher too
    assert report == {"src": 1.0}
    assert probs["pair"] > 0.5 and probs["text 0"] > 0.5 > probs["text 1"]


@pytest.mark.parametrize("reader_width", [0, 16])
def test_distilling_teacher_embeddings_trains_and_ships_nothing_of_the_teacher(tiny_encoder_dir, tmp_path, reader_width):
    import json

    import numpy as np

    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, load_model, save_model
    from modclf.training.scoring import load_teacher_embeddings, text_key

    train_set, dev_set = _scoring_examples("train"), _scoring_examples("dev")
    texts = list(dict.fromkeys(ex.text for ex in train_set))
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    np.save(teacher / "embeddings.npy", np.random.default_rng(0).normal(size=(len(texts), 12)).astype(np.float16))
    (teacher / "embedding_keys.json").write_text(json.dumps([text_key(t) for t in texts]))
    rows, emb = load_teacher_embeddings(teacher)
    assert len(rows) == len(texts) and torch.allclose(emb.norm(dim=-1), torch.ones(len(texts)), atol=1e-3)

    # A model with an off-topic reader has a wider scoring embedding; the teacher's map reads its pooled part.
    old = build_model(ModelConfig(segment_hidden=32, head_hidden=16, segment_top=False, reader_width=reader_width,
                                  reader_slots=2), tiny_encoder_dir)
    save_model(old, BertTokenizer.from_pretrained(tiny_encoder_dir), tmp_path / "old")
    config = TrainConfig(init=str(tmp_path / "old"), output_dir=str(tmp_path / "run"), tasks=["scoring"], scoring_epochs=1,
                         scoring_batch=12, segment_top=False, device="cpu", teacher_embeddings=str(teacher),
                         reader_epochs=1, reader_batch=4)
    new, _ = load_model(train(config, scoring=(train_set, dev_set)))
    assert set(new.state_dict()) == set(old.state_dict())  # the map to the teacher's space stays behind
    assert not torch.equal(new.score_top[0].linear1.weight, old.score_top[0].linear1.weight)
    (teacher / "embedding_keys.json").write_text(json.dumps(["one key"]))
    with pytest.raises(ConfigError, match="1 keys for embeddings"):
        load_teacher_embeddings(teacher)


def test_a_topic_map_anchored_to_a_reference_model_trains_and_round_trips(tiny_encoder_dir, tmp_path):
    """Six own layers may drift for incitement; off-topic reads a linear map held near the reference's embeddings."""
    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, load_model, save_model
    from modclf.training.scoring import StateCache, text_key
    from modclf.training.train import initial_model

    tokenizer = BertTokenizer.from_pretrained(tiny_encoder_dir)
    old = build_model(ModelConfig(name="old", segment_hidden=32, head_hidden=16, segment_top=False), tiny_encoder_dir)
    torch.manual_seed(0)
    with torch.no_grad():  # a reference whose scoring layer differs from the encoder's own
        for p in old.score_top.parameters():
            p.add_(torch.randn_like(p))
    save_model(old, tokenizer, tmp_path / "old")
    old, _ = load_model(tmp_path / "old")

    # The anchors are the reference's off-topic embeddings, not the pretrained layers'.
    config = TrainConfig(init=str(tmp_path / "old"), tasks=["scoring"], segment_top=False, score_top_layers=2, topic_map=True)
    model, _ = initial_model(config)
    assert model.topic_map is not None and torch.equal(model.topic_map.weight, torch.eye(32))
    cache = StateCache(model, tokenizer, 32)
    texts = ["They should all be shot.", "Nice weather today."]
    cache.add_texts(texts)
    cache.add_anchors([text_key(t) for t in texts], reference=old)
    encoded = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = old.eval().score_embed(encoded["input_ids"], encoded["attention_mask"])
    got = torch.stack([cache.anchors[text_key(t)] for t in texts])
    assert torch.allclose(got, expected, atol=0.05)
    cache.add_anchors([text_key(t) for t in texts])  # pretrained anchors replace the reference's
    assert not torch.allclose(torch.stack([cache.anchors[text_key(t)] for t in texts]), expected, atol=0.05)

    config = TrainConfig(init=str(tmp_path / "old"), output_dir=str(tmp_path / "run"), tasks=["scoring"], scoring_epochs=1,
                         scoring_batch=12, segment_top=False, score_top_layers=2, topic_map=True, device="cpu",
                         anchor_weight=1.0, anchor_to=str(tmp_path / "old"), reset_scoring=True)
    new, _ = load_model(train(config, scoring=(_scoring_examples("train"), _scoring_examples("dev"))))
    assert new.config.topic_map and not torch.equal(new.topic_map.weight, torch.eye(32))
    comment, article = torch.randn(3, 32), torch.randn(3, 32)
    logits = new.off_topic_logits(comment, article)
    assert logits.shape == (3,) and torch.isfinite(logits).all()
    with torch.no_grad():
        new.topic_map.weight.mul_(-1.0)  # off-topic reads the map: changing it changes the logits
    assert not torch.allclose(new.off_topic_logits(comment, article), logits)


def test_off_topic_taken_over_from_the_anchor_model_scores_as_it_does(tiny_encoder_dir, tmp_path):
    import copy
    import dataclasses

    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, load_model, save_model
    from modclf.training.scoring import (
        StateCache,
        calibrate_scoring,
        refresh_off_topic_bank,
        take_off_topic,
        text_key,
    )

    tokenizer = BertTokenizer.from_pretrained(tiny_encoder_dir)
    torch.manual_seed(0)
    reference = build_model(ModelConfig(name="ref", segment_hidden=32, head_hidden=16, segment_top=False), tiny_encoder_dir)
    reference.config.calibration["off_topic"] = [1.5, -0.25]
    with torch.no_grad():
        for p in reference.score_top.parameters():
            p.add_(0.3 * torch.randn_like(p))
    texts = [ex.text for ex in _scoring_examples("train")]
    articles = ["The council approved the new harbour bridge after a long debate.", "Rain is expected all week."]

    # A model whose scoring path is the reference's, with a scrambled topic map: the fit finds the
    # identity again, and off-topic then scores exactly as the reference does.
    model = build_model(dataclasses.replace(reference.config, topic_map=True), tiny_encoder_dir)
    model.load_state_dict(reference.state_dict(), strict=False)
    with torch.no_grad():
        model.topic_map.weight.copy_(torch.randn(32, 32))
    cache = StateCache(model, tokenizer, 32)
    cache.add_texts(texts)
    cache.add_articles(articles)
    keys = [text_key(t) for t in texts] + [k for a in articles for k in cache.article_rows[text_key(a)]]
    fit = take_off_topic(model, reference, cache, keys, articles, ridge=1e-6)
    assert fit["mean_cosine"] > 0.999
    assert model.config.calibration["off_topic"] == [1.5, -0.25]
    # 12 off-topic dev labels are too few to refit: the taken-over calibration stays.
    calibrate_scoring(model, cache, _scoring_examples("dev"), ("off_topic",), keep_without_labels=("off_topic",))
    assert model.config.calibration["off_topic"] == [1.5, -0.25]
    reference = copy.deepcopy(reference)
    refresh_off_topic_bank(reference, StateCache(reference, tokenizer, 32), articles)
    with torch.no_grad():
        comment = cache.text_embeddings(texts[:6])  # the two models' scoring paths are the same
        article = cache.article_embeddings(articles)[text_key(articles[0])].expand(6, -1)
        assert torch.allclose(model.off_topic_logits(comment, article), reference.off_topic_logits(comment, article), atol=1e-3)

    # In training (off_topic_from_anchor): the head is the anchor model's, the calibration refitted on dev.
    save_model(reference, tokenizer, tmp_path / "ref")
    config = TrainConfig(init=str(tmp_path / "ref"), output_dir=str(tmp_path / "run"), tasks=["scoring"], scoring_epochs=1,
                         scoring_batch=12, segment_top=False, score_top_layers=2, topic_map=True, device="cpu",
                         anchor_weight=1.0, anchor_to=str(tmp_path / "ref"), off_topic_from_anchor=True, reset_scoring=True)
    best = train(config, scoring=(_scoring_examples("train"), _scoring_examples("dev") * 2))  # 24 off-topic dev labels
    new, _ = load_model(best)
    saved_reference, _ = load_model(tmp_path / "ref")
    refitted = json.loads((best / "dev_metrics.json").read_text())["calibration"]["off_topic"]
    assert new.config.calibration["off_topic"] == [refitted["temperature"], refitted["bias"]]
    assert new.config.calibration["off_topic"] != saved_reference.config.calibration["off_topic"]
    for a, b in zip(new.off_topic_head.state_dict().values(), saved_reference.off_topic_head.state_dict().values()):
        assert torch.equal(a, b)
    with pytest.raises(ConfigError, match="needs topic_map"):
        take_off_topic(saved_reference, saved_reference, StateCache(saved_reference, tokenizer, 32), [], [])


def test_retraining_the_scoring_path_of_a_model_with_a_reader_trains_the_reader_again(tiny_encoder_dir, tmp_path):
    """The released model's recipe on itself: scoring reset, anchored to and taking off-topic over
    from a model with a reader, then the reader trained again on the new layers."""
    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, load_model, save_model

    torch.manual_seed(0)
    ref = build_model(ModelConfig(name="ref", segment_hidden=32, head_hidden=16, segment_top=False, score_top_layers=2,
                                  topic_map=True, reader_width=16, reader_slots=2, reader_layer=1), tiny_encoder_dir)
    save_model(ref, BertTokenizer.from_pretrained(tiny_encoder_dir), tmp_path / "ref")
    config = TrainConfig(init=str(tmp_path / "ref"), output_dir=str(tmp_path / "run"), tasks=["scoring"], scoring_epochs=1,
                         scoring_batch=12, segment_top=False, device="cpu", reader_epochs=1, reader_batch=4,
                         anchor_weight=1.0, anchor_to=str(tmp_path / "ref"), off_topic_from_anchor=True, reset_scoring=True)
    best = train(config, scoring=(_scoring_examples("train"), _scoring_examples("dev") * 2))
    new, _ = load_model(best)
    assert new.config.reader_layer == 1 and new.score_embedding_dim == 32 + 2 * 16
    assert not torch.equal(new.score_top[0].linear1.weight, ref.score_top[0].linear1.weight)
    assert not torch.equal(new.off_topic_reader.out[-1].weight, ref.off_topic_reader.out[-1].weight)  # trained again
    assert "reader" in json.loads((best / "dev_metrics.json").read_text())


def test_model_card_says_which_layers_scoring_owns(tmp_path):
    # A scoring path with all six layers of its own shares none with segmentation; the card must not say it does.
    from modclf.training.card import write_model_card

    for own, wanted, unwanted in [(6, "scoring owns all of its layers", "shared by two paths"),
                                  (1, "shared by two paths", "scoring owns all")]:
        (tmp_path / "modclf_config.json").write_text(json.dumps({"name": "m", "version": "0.0.1", "score_top_layers": own}))
        card = write_model_card(tmp_path, ["gab"]).read_text()
        assert wanted in card and unwanted not in card


def test_positive_source_balance_evens_out_the_sources_positives():
    from modclf.training.scoring import positive_weights
    from modclf.training.sources.comments import ScoringExample

    def ex(source, label):
        return ScoringExample(text="t", article=None, incitement=label, off_topic=None, source=source, group="g", split="train")

    items = [ex("contrast", 1.0)] * 90 + [ex("gab", 1.0)] * 10 + [ex("gab", 0.0)] * 500
    assert positive_weights(items, 0.0) == {"contrast": 1.0, "gab": 1.0}
    equal = positive_weights(items, 1.0)
    assert equal["contrast"] * 90 == pytest.approx(equal["gab"] * 10) == pytest.approx(50)  # same share, same total
    root = positive_weights(items, 0.5)
    assert 90 * root["contrast"] + 10 * root["gab"] == pytest.approx(100)
    assert equal["gab"] > root["gab"] > 1.0 > root["contrast"] > equal["contrast"]
    with pytest.raises(ConfigError, match="positive_source_balance"):
        TrainConfig(positive_source_balance=1.5)


@pytest.mark.parametrize("reader_layer", [None, 1])
def test_an_off_topic_reader_trains_alone_leaves_incitement_exact_and_round_trips(tiny_encoder_dir, tmp_path, reader_layer):
    from modclf.bert import BertTokenizer
    from modclf.model import ModelConfig, build_model, save_model
    from modclf.training.reader import TopStates
    from modclf.training.scoring import StateCache, predict_logits, text_key

    old = build_model(ModelConfig(name="old", segment_hidden=32, head_hidden=16, score_top_layers=2), tiny_encoder_dir)
    save_model(old, BertTokenizer.from_pretrained(tiny_encoder_dir), tmp_path / "old")
    before = ModClf.from_pretrained(tmp_path / "old", precision="fp32")
    config = TrainConfig(init=str(tmp_path / "old"), output_dir=str(tmp_path / "run"), tasks=["reader"],
                         reader_width=16, reader_slots=2, reader_layer=reader_layer, reader_epochs=2, reader_batch=4,
                         device="cpu")
    train_set, dev_set = _scoring_examples("train"), _scoring_examples("dev")
    best = train(config, scoring=(train_set, dev_set))
    after = ModClf.from_pretrained(best, precision="fp32")
    assert after.config.reader_width == 16 and after.model.off_topic_reader is not None
    assert after.config.reader_layer == reader_layer
    assert after.model.score_embedding_dim == 32 + 2 * 16
    comments = ["Buy cheap watches here", "The bridge is too expensive.", "They should all be shot."]
    article = "The council approved the new harbour bridge after a long debate."
    old_scores, new_scores = before.score(comments, article=article), after.score(comments, article=article)
    # Only the reader trained: incitement is exactly the init model's, and so is the similarity head.
    assert [s.incitement for s in new_scores] == [s.incitement for s in old_scores]
    assert [s.off_topic for s in new_scores] != [s.off_topic for s in old_scores]
    assert after.config.calibration["incitement"] == before.config.calibration["incitement"]
    metrics = json.loads((best / "dev_metrics.json").read_text())["reader"]
    assert metrics["best_epoch"] in (1, 2) and len(metrics["history"]) == 2
    # The engine's scores are the training path's logits through the calibration: one model definition.
    cache = StateCache(after.model, after.tokenizer, 128)
    examples = [dataclasses.replace(dev_set[0], text=c, article=article, off_topic=0.0) for c in comments]
    cache.add_texts(comments)
    cache.add_articles([article])
    _, logits = predict_logits(after.model, cache, examples)
    # The reader trained on the token states it reads at inference (after reader_depth layers).
    states = TopStates(after.model, cache, after.model.reader_depth)
    states.add([text_key(c) for c in comments])
    with torch.no_grad():
        trained_on = after.model.off_topic_reader.slot_states(*states.batch([text_key(c) for c in comments]))
        engine = after.model.score_embed_from_states(*cache.batch([text_key(c) for c in comments])[:2])[:, 32:]
    assert torch.allclose(trained_on, engine, atol=1e-2)
    temperature, bias = after.config.calibration["off_topic"]
    expected = 1 / (1 + np.exp(-(logits / temperature + bias)))
    assert np.allclose([s.off_topic for s in new_scores], expected, atol=1e-4)
    # Saved as released (fp16) and loaded: within rounding; saved and loaded again: identical.
    after.save_pretrained(tmp_path / "a")
    first = ModClf.from_pretrained(tmp_path / "a", precision="fp32")
    first.save_pretrained(tmp_path / "b")
    second = ModClf.from_pretrained(tmp_path / "b", precision="fp32")
    shipped = [s.off_topic for s in first.score(comments, article=article)]
    assert np.allclose(shipped, [s.off_topic for s in new_scores], atol=1e-3)
    assert [s.off_topic for s in second.score(comments, article=article)] == shipped


def test_reader_task_without_a_reader_is_a_config_error(tiny_encoder_dir, tmp_path):
    config = TrainConfig(init=str(tiny_encoder_dir), output_dir=str(tmp_path / "run"), tasks=["reader"], reader_width=0)
    with pytest.raises(ConfigError, match="reader_width"):
        train(config, scoring=(_scoring_examples("train"), _scoring_examples("dev")))
