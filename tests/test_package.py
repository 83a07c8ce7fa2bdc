"""The package as a user installs it: a wheel, outside the checkout, with the model inside."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO, needs_released_model

SCRIPT = """
import json, sys
import modclf
from modclf import ModClf, Policy
assert "/site/" in modclf.__file__, modclf.__file__
clf = ModClf.from_pretrained(precision="fp32")
page = clf.segment("Headline\\nThe council approved the budget.\\nReply\\nGreat story, thanks!")
scores = clf.score([c.text for c in page.comments] or ["Great story"], article=page.body)
decision = Policy.load().decide(scores[0])
# The runtime needs none of the training extras, nor the layers above the core (tests/test_layering.py).
heavy = sorted(m for m in ("sklearn", "datasets", "trafilatura", "fastapi", "transformers", "pyarrow", "matplotlib",
                           "modclf.batch", "modclf.training", "modclf.serve", "modclf.ray", "modclf.cli")
               if m in sys.modules)
print(json.dumps({"model": clf.model_id, "path": str(clf.path), "decision": decision[0], "heavy": heavy}))
"""


@pytest.mark.slow
@needs_released_model
def test_wheel_installs_outside_the_checkout_with_model_and_policy(tmp_path):
    # Built from a copy, so that setuptools' build/ folder lands in tmp_path, not in the checkout.
    source = tmp_path / "source"
    for name in ("modclf", "models", "configs"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(source)], check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("modclf-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "MODCLF_MODEL"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    result = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert result["path"].startswith(str(site)) and result["path"].endswith("released/modclf-base")
    assert result["model"].startswith("modclf-base@") and result["decision"] in ("allow", "review", "remove")
    assert result["heavy"] == []
    # The console entry point's help comes up without loading torch.
    help_out = subprocess.run([sys.executable, "-m", "modclf", "--help"], capture_output=True, text=True,
                              cwd=tmp_path, env=env)
    assert help_out.returncode == 0 and "serve" in help_out.stdout
