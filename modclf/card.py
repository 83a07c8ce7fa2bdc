"""Generated model cards: every model folder says what it was trained on, under which licences, and how well it does."""

from __future__ import annotations

import json
from pathlib import Path

# Built-in training sources and their licences (see ../shared/DATA.md).
SOURCES = {
    "dragnet": ("Dragnet 2013 training pages (966 pages, 2012)", "AGPL-3.0"),
    "readability": ("Mozilla Readability test pages", "Apache-2.0"),
    "cleaneval": ("CleanEval 2007 dev + final", "research shared-task data, no explicit licence"),
    "sfu": ("SFU Globe and Mail sample (articles + threaded comments)", "MIT"),
    "synthetic": ("synthetic pages built from the sources above plus our own chrome templates", "as their sources"),
    "semeval": ("SemEval 2015/2016 CQA (Qatar Living)", "research use with citation"),
    "gab": ("Gab Hate Corpus", "CC BY 4.0"),
    "edos": ("EDOS (SemEval 2023 task 10)", "CC0"),
    "implicit_hate": ("Implicit Hate Corpus", "MIT (upstream asks for a form)"),
    "hateval": ("HatEval 2019", "CC BY-NC 4.0 (non-commercial)"),
    "contrast": ("modclf contrast set (own text, data/contrast/)", "project licence"),
    "news_pairs": ("own-article / other-article pairs from dragnet and SFU pages", "as their sources"),
}

DEFINITIONS = """\
- **Incitement**: the comment threatens, calls for, encourages or glorifies violence or serious harm
  against people or groups, or calls others to violent unrest. Not incitement: quoting, reporting,
  negating or condemning such a call ("he said they should be shot — disgusting"), counter-speech,
  violent words aimed at objects or used figuratively ("that goal killed me"), plain insults. The
  article's own text (which may quote threats) is never scored.
- **Off-topic**: the comment is not about its article's subject (personal asides unrelated to the
  story, spam, ads, chit-chat aimed at nobody). A reply that argues with another commenter about the
  story is on-topic. Judged against the article; a comment with no article gets `off_topic: null`."""

LIMITATIONS = """\
- Trained on English pages and comments; other languages are untested.
- Real pages with labelled comment boundaries are scarce: comment splitting is learned mostly from
  synthetic pages, and may merge or split comments on layouts unlike those.
- Development numbers come from splits of the training sources; the project's held-out evaluation
  (other sites, platforms and years) is the measure of generalisation.
- Some training sources are non-commercial or copyleft (see the table): check them before commercial use."""


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _metrics_table(metrics: dict) -> str:
    rows = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else key, sub)
        elif isinstance(value, (int, float)):
            rows.append(f"| {prefix} | {_fmt(value)} |")

    walk("", metrics)
    return "| metric | value |\n|---|---|\n" + "\n".join(rows) if rows else "(no metrics recorded)"


def write_model_card(folder: str | Path, sources: list[str], metrics: dict | None = None, notes: str = "") -> Path:
    """Write README.md (and metrics.json) into a model folder."""
    folder = Path(folder)
    config = json.loads((folder / "modclf_config.json").read_text())
    training = (folder / "training_config.yaml").read_text() if (folder / "training_config.yaml").exists() else ""
    metrics = metrics or {}
    if metrics:
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float) + "\n")
    source_rows = "\n".join(
        f"| {name} | {SOURCES.get(name, (name, 'unknown'))[0]} | {SOURCES.get(name, (name, 'unknown'))[1]} |" for name in sources
    )
    versions = ", ".join(f"{k} {v}" for k, v in config.get("versions", {}).items())
    segmentation_top = (
        "its own fine-tuned copy of the top layer" if config.get("segment_top") else "the encoder's own top layer"
    )
    if config.get("segment_extra_depths"):
        depths = ", ".join(str(d) for d in config["segment_extra_depths"])
        segmentation_top += f", its line embeddings joined by the pooled states after layer(s) {depths}"
    off_topic_head = (
        "an off-topic head on the comment-article cosine and its excess over a bank of typical articles"
        if config.get("off_topic_features") == "similarity"
        else "an off-topic head on the concatenated comment and article embeddings"
    )
    card = f"""# {config["name"]} {config["version"]}

A modclf model: all-MiniLM-L6-v2 whose lower layers are shared by two paths. Segmentation
({segmentation_top}, then a BiGRU over the page's lines and a constrained decoder) labels every line
body / boilerplate / comment and splits the comments one by one. Scoring (its own top layer) feeds
an incitement head and {off_topic_head}.

Load it with `ModClf.from_pretrained("path/to/{folder.name}")`. Saved with {versions}.
Weights: `model.safetensors` (fp16); encoder config and tokenizer in `encoder/`; settings in
`modclf_config.json` (tags, max lengths, calibration).

## What the scores mean
{DEFINITIONS}

## Training data
| source | what | licence |
|---|---|---|
{source_rows}

## Metrics (development data not used for training)
{_metrics_table(metrics)}

{notes}

## Limitations
{LIMITATIONS}

## Training config
```yaml
{training.strip()}
```
"""
    path = folder / "README.md"
    path.write_text(card)
    return path
