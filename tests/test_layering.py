"""The layering the folders show: the core never imports batch, training, the service, Ray or the CLI.

The core is every top-level module of modclf except the entry points and adapters (cli, ray,
__main__); batch/, training/ and serve/ are built on it. tests/test_package.py checks the same of
an installed wheel on the released model; this runs in the checkout on the tiny model.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import modclf

PACKAGE = Path(modclf.__file__).resolve().parent
# Layers above the core, and the extras only they may need (train, serve, ray, parquet, dev).
UPPER = ("modclf.batch", "modclf.training", "modclf.serve", "modclf.ray", "modclf.cli", "modclf.sources",
         "modclf.__main__")
EXTRAS = ("sklearn", "datasets", "trafilatura", "matplotlib", "profanity_check", "fastapi", "uvicorn",
          "prometheus_client", "ray", "pyarrow", "transformers", "sentence_transformers")
ENTRY_POINTS = {"cli", "ray", "__main__"}


def core_modules() -> list[str]:
    return sorted(f"modclf.{m.name}" for m in pkgutil.iter_modules([str(PACKAGE)])
                  if not m.ispkg and m.name not in ENTRY_POINTS)


def _imported_names(path: Path) -> set[str]:
    """Every module an import statement of the file names, at any depth (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_core_is_what_we_think_it_is():
    assert {"modclf.api", "modclf.model", "modclf.score", "modclf.policy", "modclf.segment", "modclf.pages",
            "modclf.features", "modclf.encode", "modclf.decode", "modclf.base", "modclf.config",
            "modclf.errors"} <= set(core_modules())
    assert not set(core_modules()) & {"modclf.cli", "modclf.ray"}


def test_no_core_module_names_an_upper_layer_or_an_extra():
    """Statically, including imports inside functions that the runtime check below may not reach."""
    found = {}
    for module in core_modules():
        path = PACKAGE / f"{module.split('.', 1)[1]}.py"
        bad = sorted(n for n in _imported_names(path) if _is_under(n, UPPER + EXTRAS))
        if bad:
            found[module] = bad
    assert found == {}


RUNTIME = """
import importlib, json, sys
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now fails as if it were not installed

import modclf
from modclf import Comment, Line, ModClf, Page, Policy, Score  # the public names, as users import them

for module in {core!r}:
    importlib.import_module(module)
policy = Policy.load()
decision = policy.decide(Score(incitement=0.99, off_topic=0.01))
clf = ModClf.from_pretrained({model!r}, precision="fp32")
page = clf.segment("Headline\\nThe council approved the budget.\\nReply\\nGreat story, thanks!")
scores = clf.score([c.text for c in page.comments] or ["Great story"], article=page.body)
decisions = clf.moderate(["Great story"], article=page.body, policy=policy)
loaded = sorted(m for m, v in sys.modules.items() if m.startswith("modclf.") and v is not None)
print(json.dumps({{"decision": decision[0], "scores": len(scores), "loaded": loaded}}))
"""


def test_the_runtime_runs_without_upper_layers_or_extras(tiny_model_dir):
    """Import the core, load a model, segment, score and moderate with every upper layer and extra unimportable."""
    script = RUNTIME.format(blocked=UPPER + EXTRAS, core=core_modules(), model=str(tiny_model_dir))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["decision"] == "remove" and result["scores"] >= 1
    assert not [m for m in result["loaded"] if _is_under(m, UPPER)]
