"""The history and takeover benchmarks' arithmetic and report, on figures given (their real runs take
many minutes: ``python -m bench --only history,takeover``)."""

from bench.bench_history import figures, markdown, run_summary


def run(wall: float, gb: float, *, writes: int = 0) -> dict:
    calls = [{"method": "GET", "endpoint": "Invoices"}] * 3 + [{"method": "PUT", "endpoint": "Invoices"}] * writes \
        + [{"method": "POST", "endpoint": "/connect/token"}]
    return {"success": True, "failures": [], "wall_seconds": wall, "sync_seconds": wall * 0.6,
            "recon": {"seconds": wall * 0.4}, "dagster": {"definitions_load_seconds": 4.0}, "peak_rss_gb": gb,
            "load_average": 2.0, "xero_calls": calls, "auxo_calls": [{"method": "GET", "endpoint": "invoices"}],
            "steps": {"extract_xero": {"seconds": 3.0}, "recon__views": {"seconds": wall * 0.4}},
            "records_read": {"xero": [{"tables": {"invoices": 10}}], "auxo": []}}


def history(days: int, takeover: tuple[float, float], no_change: tuple[float, float]) -> dict:
    return {"days": days, "takeover": {**run_summary(run(*takeover, writes=5)), "load_average_start": 1.0},
            "no_change": {**run_summary(run(*no_change)), "load_average_start": 1.5}}


def test_the_ratio_is_the_longest_history_over_the_shortest_and_the_takeover_the_longest() -> None:
    runs = {"30": history(30, (100.0, 1.0), (20.0, 1.0)), "180": history(180, (400.0, 2.5), (30.0, 1.1))}
    result = {"profile": "medium", "runs": runs, **figures(runs)}
    assert result["no_change_ratio"] == {"days": [30, 180], "wall": 1.5, "memory": 1.1, "target": 1.2}
    assert (result["takeover"]["days"], result["takeover"]["wall_seconds"], result["takeover"]["peak_rss_gb"]) == \
        (180, 400.0, 2.5)
    assert runs["180"]["takeover"]["writes"] == {"xero": 5, "auxo": 0}
    assert runs["180"]["no_change"]["writes"] == {"xero": 0, "auxo": 0}  # a token refresh is not a write
    assert runs["30"]["no_change"]["records_read"] == {"xero": 10, "auxo": 0}
    text = "\n".join(markdown(result))
    assert "time 1.5× (1.25× ✗ of ≤ 1.2×), memory 1.1× (0.92× ✓)" in text
    assert "takeover with 180 days synced: 400.0 s (1.33× ✗ of ≤ 5 min), 2.5 GB (0.83× ✓ of ≤ 3 GB)" in text
    assert "| 180 | no_change | 30.0 |" in text


def test_a_run_stopped_at_its_memory_cap_is_reported_not_divided() -> None:
    runs = {"30": history(30, (100.0, 1.0), (20.0, 1.0)),
            "180": {"days": 180, "takeover": {"error": "stopped at 4.1 GB (cap 4.0 GB)"}}}
    result = {"profile": "medium", "runs": runs, **figures(runs)}
    assert "no_change_ratio" not in result and "takeover" not in result
    assert "stopped at 4.1 GB (cap 4.0 GB)" in "\n".join(markdown(result))
