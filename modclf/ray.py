"""Scoring on a Ray cluster with Ray Data, for dumps one machine cannot get through in time.

Each actor loads the model once, sets torch's threads to the CPUs it reserved, and scores batches
of records exactly as the local engine does (the same ScoreJob: same checks, same rows, same
reject reasons). Articles given by id come from an articles dataset, shipped once to every actor
through the object store and embedded once per actor.

    >>> import ray, ray.data
    >>> ray.init()                                   # yours to call: importing modclf.ray never does
    >>> ds = ray.data.read_parquet("s3://bucket/comments/")
    >>> scored, rejects = split(score_dataset(ds, actors=8, cpus_per_actor=4))
    >>> scored.write_parquet("s3://bucket/scored/")

Records carry `id` and `text` (or `comment`), with `article` or `article_id`; or `page`. A JSON
Lines input read with `ray.data.read_text` (one column `text`, one line per row) is parsed in the
actors, so that a malformed line becomes a reject instead of failing the read. See docs/ray.md.
"""

from __future__ import annotations

from typing import Any

from modclf.errors import ConfigError

RESULT_COLUMNS = ("id", "text", "article_id", "incitement", "off_topic", "decision", "reasons", "model", "reject")


def _schema():
    import pyarrow as pa

    return pa.schema([("id", pa.string()), ("text", pa.string()), ("article_id", pa.string()),
                      ("incitement", pa.float64()), ("off_topic", pa.float64()), ("decision", pa.string()),
                      ("reasons", pa.list_(pa.string())), ("model", pa.string()), ("reject", pa.string())])


class Scorer:
    """The callable class for `Dataset.map_batches`: one model per actor, batches in and out as Arrow."""

    def __init__(self, model: str | None = None, policy=None, precision: str = "auto", threads: int = 1,
                 articles=None, lines: bool = False):
        import torch

        from modclf.api import ModClf
        from modclf.batch.jobs import ScoreJob
        from modclf.policy import Policy

        torch.set_num_threads(threads)
        self.threads = torch.get_num_threads()
        self.clf = ModClf.from_pretrained(model, precision=precision)
        policy = policy if isinstance(policy, Policy) else Policy.load(policy, model_dir=self.clf.path)
        self.job = ScoreJob(self.clf, policy, None, "ray", "row")
        if articles is not None and not isinstance(articles, dict):
            import ray

            articles = ray.get(articles)
        self.articles: dict[str, str] | None = articles
        self.lines = lines

    def __call__(self, batch):
        from modclf.batch.engine import Window

        records, article_ids = self._records(batch.to_pylist())
        items = list(self.job.items(iter(records)))
        window = Window(0, items)
        self.job.finish_window(window)
        result = self.job.process(window)
        rows = []
        for row in result.rows:
            article_id = article_ids.get(str(row["id"]))  # page comments ("<id>#<n>") have none
            rows.append({**row, "id": str(row["id"]), "article_id": None if article_id is None else str(article_id),
                         "reject": None})
        for reject in result.rejects:
            rows.append({"id": str(reject["id"]), "reject": reject["reason"]})
        import pyarrow as pa

        return pa.Table.from_pylist([{c: r.get(c) for c in RESULT_COLUMNS} for r in rows], schema=_schema())

    def _records(self, rows: list[dict]):
        """Records as the local engine reads them; article ids resolved to their text."""
        from modclf.batch.dumps import Record, _jsonl_record, _record

        records, article_ids = [], {}
        for number, row in enumerate(rows, start=1):
            if self.lines:
                line = row.get("text") or ""
                if not line.strip():
                    continue
                record = _jsonl_record(number, line.encode("utf-8", errors="surrogateescape"))
                if record.error is not None and "id" not in record.fields:
                    # No id to report it by (and no line number across a cluster): quote the line.
                    record = Record(record.number, f"line {line[:60]!r}", {}, record.error)
            else:
                record = _record(number, {k: v for k, v in row.items() if v is not None})
            fields = record.fields
            if record.error is None and fields.get("article_id") not in (None, ""):
                article_id = fields["article_id"]
                text = (self.articles or {}).get(str(article_id))
                if text is None:
                    where = "no articles dataset given" if self.articles is None else "not in the articles dataset"
                    record = Record(record.number, record.id, fields, f"unknown article_id {article_id!r} ({where})")
                else:
                    article_ids[str(record.id)] = article_id
                    fields = {k: v for k, v in fields.items() if k != "article_id"}
                    fields["article"] = text
                    record = Record(record.number, record.id, fields, None)
            records.append(record)
        return records, article_ids


def check_resources(actors: int, cpus_per_actor: int, cluster_cpus: float) -> None:
    """Refuse settings that would starve Ray Data's reading and writing tasks of CPUs (a hang)."""
    if actors < 1 or cpus_per_actor < 1:
        raise ConfigError(f"actors and cpus_per_actor must be at least 1, got {actors} and {cpus_per_actor}")
    if actors * cpus_per_actor >= cluster_cpus:
        raise ConfigError(
            f"{actors} actor(s) x {cpus_per_actor} CPU(s) = {actors * cpus_per_actor} of the cluster's "
            f"{cluster_cpus:g} CPUs would leave none for reading and writing (Ray Data would wait forever); "
            f"use at most {max(0, int(cluster_cpus) - 1)} CPUs for actors"
        )


def score_dataset(ds, model: str | None = None, policy=None, actors: int = 1, cpus_per_actor: int = 1,
                  batch_size: int = 256, preserve_order: bool = False, precision: str = "auto",
                  articles: Any = None, lines: bool | None = None):
    """Score a dataset of comment or page records; returns a Dataset of RESULT_COLUMNS rows.

    Rows with `reject` set are the records that could not be scored (with the reason); `split`
    separates them. Output order follows the input only with `preserve_order`.

    Args:
        ds: a ray.data.Dataset of records, or of JSON lines (`ray.data.read_text`; see `lines`).
        model: a model folder every node can read (default: the released model in the package).
        policy: a modclf.policy.Policy or a policy YAML path (default: the model folder's policy.yaml,
            else the default policy).
        actors, cpus_per_actor: model replicas and the CPUs (torch threads) of each.
        batch_size: records per batch handed to an actor.
        articles: a Dataset (or dict) of {id, article} for records that give `article_id`.
        lines: whether `ds` holds JSON lines in a `text` column (default: when it is its only column).
    """
    import ray

    if not ray.is_initialized():
        raise ConfigError("Ray is not initialised: call ray.init() (or ray.init(address='auto')) first")
    check_resources(actors, cpus_per_actor, ray.cluster_resources().get("CPU", 0))
    if lines is None:
        lines = ds.columns() == ["text"]
    articles_ref = None
    if articles is not None:
        if not isinstance(articles, dict):
            articles = {str(row["id"]): row["article"] for row in articles.take_all() if row.get("article")}
        articles_ref = ray.put(articles)
    ds.context.execution_options.preserve_order = preserve_order
    return ds.map_batches(
        Scorer,
        fn_constructor_kwargs={"model": None if model is None else str(model), "policy": policy,
                               "precision": precision, "threads": cpus_per_actor, "articles": articles_ref,
                               "lines": lines},
        concurrency=actors, num_cpus=cpus_per_actor, batch_size=batch_size, batch_format="pyarrow",
    )


def split(results):
    """(scored, rejects) of score_dataset's output, computed once (materialised in the object store)."""
    results = results.materialize()
    scored = results.filter(lambda row: row["reject"] is None).drop_columns(["reject"])
    rejects = results.filter(lambda row: row["reject"] is not None).select_columns(["id", "reject"])
    return scored, rejects


def read_input(path: str):
    """A Ray dataset of an input: JSON Lines (read as lines, parsed in the actors) or Parquet."""
    import ray.data

    lowered = str(path).lower().rstrip("/")
    if lowered.endswith(".parquet") or lowered.endswith("parquet"):
        return ray.data.read_parquet(path), "parquet"
    return ray.data.read_text(path), "jsonl"


def write_output(scored, rejects, output_dir: str, fmt: str) -> None:
    """Scored rows to OUTPUT_DIR/scored/ and rejects to OUTPUT_DIR/rejects/, as JSON Lines or Parquet."""
    base = str(output_dir).rstrip("/")
    if fmt == "parquet":
        scored.write_parquet(f"{base}/scored")
        rejects.write_parquet(f"{base}/rejects")
    else:
        scored.write_json(f"{base}/scored")
        rejects.write_json(f"{base}/rejects")


__all__ = ["RESULT_COLUMNS", "Scorer", "check_resources", "read_input", "score_dataset", "split", "write_output"]
