"""`modclf bench`: the synthetic dump, the FLOP count and a smoke run on the tiny model."""

from __future__ import annotations

import statistics

from modclf.batch.bench import flops_per_comment, make_comments, run_bench
from modclf.cli import main


def test_comments_are_distinct_with_a_long_tail(tiny_clf):
    comments = make_comments(2000, seed=1)
    assert len(set(comments)) == 2000
    lengths = [len(ids) for ids in tiny_clf.tokenizer(comments)["input_ids"]]
    assert 45 <= statistics.fmean(lengths) <= 80 and max(lengths) > 256
    assert len(set(make_comments(1000, seed=1, duplicates=0.5))) < 700


def test_flops_per_comment_counts_linear_layers_and_attention():
    class Config:
        hidden_size, intermediate_size = 384, 1536

    linear = 2 * (4 * 384 * 384 + 2 * 384 * 1536)
    assert flops_per_comment(Config, 6, 60) == 6 * 60 * (linear + 4 * 60 * 384)


def test_bench_runs_end_to_end(tiny_model_dir, capsys):
    result = run_bench(model=str(tiny_model_dir), comments=120, naive_comments=40, per_article=50,
                       precisions=("fp32", "int8"), engine_runs=1)
    assert result.comments == 120 and result.naive > 0
    for precision in ("fp32", "int8"):
        assert result.engine[precision] > 0 and result.bound[precision] > 0 and result.page_seconds[precision] > 0
    assert main(["bench", "--model", str(tiny_model_dir), "--comments", "60", "--naive-comments", "32",
                 "--precision", "bf16", "--threads", "1", "--engine-runs", "2", "--compare", str(tiny_model_dir)]) == 0
    out = capsys.readouterr().out
    assert "engine bf16 (best of 2):" in out and "x naive" in out and "of the bf16 bound" in out
    assert "engine bf16, tiny@0.0.1:" in out and "this model / that one:" in out
