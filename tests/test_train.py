"""Training smoke runs on the tiny model: they must write loadable model folders."""

from __future__ import annotations

import pytest

from modclf import ModClf
from modclf.config import load_config
from modclf.errors import ConfigError
from modclf.pages import text_blocks
from modclf.sources.types import LabeledPage
from modclf.train import TrainConfig, page_targets, segmentation_loss, train


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
    from modclf.sources.comments import ScoringExample

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
