"""bench/bench_ingest.py's distributed comparison: runs interleaved 1, 2, 1, 2 … and judged by the
median of the pair ratios, each run with the load it ran under (the real runs need redis-server
and worker processes for minutes; here the run itself is replaced to check the bookkeeping)."""
from __future__ import annotations

from tests.support.bench_scripts import load_bench_script


def load_bench():
    return load_bench_script("bench_ingest")


def test_runs_interleave_and_the_median_pair_ratio_is_reported(monkeypatch, tmp_path):
    bench = load_bench()
    calls = []
    rates = iter([10.0, 18.0, 5.0, 4.0, 10.0, 30.0])  # pairs: 1.8, 0.8, 3.0 -> median 1.8

    def fake_run(warc, data_dir, workers, niceness=0):
        calls.append((workers, niceness))
        rate = next(rates)
        return {"workers": workers, "pipeline_articles_per_s": rate, "steady_articles_per_s": rate / 2,
                "drain_seconds": 30 / rate}
    monkeypatch.setattr(bench, "ingest_distributed", fake_run)
    result = bench.distributed_interleaved(tmp_path / "x.warc.gz", tmp_path, 30, 3, niceness=-5)
    assert calls == [(1, -5), (2, -5)] * 3
    assert result["ratios_workers_2_vs_1"] == [1.8, 0.8, 3.0] and result["median_ratio_workers_2_vs_1"] == 1.8
    assert result["median_steady_ratio_workers_2_vs_1"] == 1.8
    assert all(len(run["load_avg_1_5_15"]) == 3 for run in result["runs"]) and result["niceness"] == -5


def test_cpu_and_machine_counters_read_this_process():
    bench = load_bench()
    import os
    assert bench._cpu_seconds(os.getpid()) > 0
    busy, total = bench._machine_busy()
    assert 0 < busy <= total
