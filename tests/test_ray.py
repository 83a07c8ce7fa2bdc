"""Scoring on Ray Data for real: a local Ray (2 CPUs), the tiny model, a few hundred records."""

from __future__ import annotations

import json
import sys

import pytest

pytestmark = pytest.mark.slow  # starts a real Ray (~45 s)
pytest.importorskip("ray")
import ray  # noqa: E402
import ray.data  # noqa: E402

from modclf.batch.jobs import score_file  # noqa: E402
from modclf.errors import ConfigError  # noqa: E402
from modclf.ray import Scorer, score_dataset, split  # noqa: E402

ARTICLE = "The harbour bridge reopened on Monday after a year of repairs, the council said."


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def _lines() -> list[str]:
    lines = []
    for i in range(240):
        record = {"id": i, "text": f"comment number {i} about the bridge " + "and more words " * (i % 7)}
        if i % 3 == 0:
            record["article"] = ARTICLE
        elif i % 3 == 1:
            record["article_id"] = "a1"
        lines.append(json.dumps(record))
    lines += ['{"id": "bad", "text": ""}', "{not json", json.dumps({"id": "gone", "text": "x", "article_id": "zz"})]
    return lines


def test_ray_scores_like_the_local_engine(local_ray, tiny_model_dir, tmp_path):
    from modclf import ModClf

    dump = tmp_path / "in.jsonl"
    dump.write_text("\n".join(_lines()) + "\n")
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"id": "a1", "article": ARTICLE}) + "\n")
    clf = ModClf.from_pretrained(tiny_model_dir, precision="fp32")
    local_out = tmp_path / "local.jsonl"
    score_file(clf, dump, local_out, tmp_path / "local.rejects.jsonl", articles=articles)
    local = {str(r["id"]): r for r in map(json.loads, local_out.read_text().splitlines())}

    ds = ray.data.read_text(str(dump))
    results = score_dataset(ds, model=tiny_model_dir, precision="fp32", actors=1, cpus_per_actor=1, batch_size=64,
                            preserve_order=True, articles=ray.data.from_items([{"id": "a1", "article": ARTICLE}]))
    scored, rejects = split(results)
    rows = scored.take_all()
    assert [r["id"] for r in rows] == [str(i) for i in range(240)]  # preserve_order
    for row in rows:
        expected = local[row["id"]]
        assert row["incitement"] == pytest.approx(expected["incitement"], abs=1e-5)
        assert (row["off_topic"] is None) == (expected["off_topic"] is None)
        if row["off_topic"] is not None:
            assert row["off_topic"] == pytest.approx(expected["off_topic"], abs=1e-5)
        assert row["decision"] == expected["decision"] and row["model"] == expected["model"]
    assert rows[1]["article_id"] == "a1" and rows[0]["article_id"] is None
    # Every record is accounted for: 240 scored, 3 rejected with reasons.
    reasons = {r["id"]: r["reject"] for r in rejects.take_all()}
    assert set(reasons) == {"bad", "gone", "line '{not json'"}
    assert "empty" in reasons["bad"] and "unknown article_id 'zz'" in reasons["gone"]


class _ThreadProbe(Scorer):
    def __call__(self, batch):
        import pyarrow as pa

        return pa.table({"threads": [self.threads] * batch.num_rows})


def test_actors_use_the_threads_they_reserved(local_ray, tiny_model_dir):
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ds = ray.data.from_items([{"id": i, "text": "x"} for i in range(8)])
    out = ds.map_batches(_ThreadProbe, fn_constructor_kwargs={"model": str(tiny_model_dir), "threads": 1},
                         concurrency=1, num_cpus=1, batch_format="pyarrow").take_all()
    assert {row["threads"] for row in out} == {1}


def test_settings_that_would_deadlock_are_refused(local_ray, tiny_model_dir):
    ds = ray.data.from_items([{"id": 1, "text": "x"}])
    with pytest.raises(ConfigError, match="would leave none for reading"):
        score_dataset(ds, model=tiny_model_dir, actors=2, cpus_per_actor=1)


def test_cli_engine_ray_joins_a_cluster_and_writes_scored_and_rejects(local_ray, tiny_model_dir, tmp_path):
    import subprocess

    dump = tmp_path / "in.jsonl"
    dump.write_text("\n".join(_lines()[:50] + ["{not json"]) + "\n")
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"id": "a1", "article": ARTICLE}) + "\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "modclf", "score", str(dump), "--engine", "ray", "--address", "auto",
               "--articles", str(articles), "-o", str(out), "--model", str(tiny_model_dir), "--precision", "fp32"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    scored = [json.loads(line) for f in sorted((out / "scored").glob("*.json*")) for line in f.read_text().splitlines()]
    rejects = [json.loads(line) for f in sorted((out / "rejects").glob("*.json*")) for line in f.read_text().splitlines()]
    assert sorted(int(r["id"]) for r in scored) == list(range(50))
    assert [r["reject"][:12] for r in rejects] == ["invalid JSON"]
    assert "50 comments scored, 1 records rejected" in done.stderr
