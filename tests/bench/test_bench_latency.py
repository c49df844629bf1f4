"""The latency benchmark's arithmetic (its daemon run takes minutes: ``python -m bench --only latency``)."""

from bench.bench_latency import Entry, attribute, latency_section, percentile, summarise


def test_percentiles_interpolate_as_numpy_does() -> None:
    values = [3.0, 1.0, 7.0, 9.0, 12.0, 4.0, 5.0, 30.0, 2.0, 8.0]
    assert percentile(values, 0.5) == 6.0  # numpy.percentile(values, 50)
    assert round(percentile(values, 0.95), 6) == 21.9  # numpy.percentile(values, 95)
    assert percentile([4.0], 0.95) == 4.0 and percentile([], 0.5) is None


def run(run_id: str, created: float, first_step: float, ended: float) -> dict:
    return {"run_id": run_id, "created": created, "started": first_step - 1, "first_step": first_step,
            "ended": ended, "steps": {"extract": 2.0, "sync__xero_writes": 5.0}}


def test_each_entry_is_split_into_the_wait_for_a_tick_the_start_up_and_the_run() -> None:
    entries = [Entry("payment", "pay_1", entered=100.0, seen=150.0), Entry("deposit", "pay_2", entered=120.0,
                                                                             seen=210.0),
               Entry("payment", "pay_3", entered=112.0, seen=151.0)]  # entered while run a was starting
    runs = [run("a", created=110.0, first_step=118.0, ended=160.0), run("b", created=165.0, first_step=172.0,
                                                                         ended=215.0)]
    attribute(entries, runs)
    assert entries[0].run_id == "a" and entries[0].parts == {
        "waiting_for_a_tick": 10.0, "run_start_up": 8.0, "in_the_run_until_in_xero": 32.0}
    assert entries[1].run_id == "b" and entries[1].parts["waiting_for_a_tick"] == 45.0  # run a was going
    assert entries[2].run_id == "a" and entries[2].parts == {
        "waiting_for_a_tick": 0.0, "run_start_up": 6.0, "in_the_run_until_in_xero": 33.0}
    for entry in entries:
        assert sum(entry.parts.values()) == entry.latency
    summary = summarise(entries, runs, poll_seconds=1.0)
    assert (summary["p50_seconds"], summary["max_seconds"], summary["met"]) == (50.0, 90.0, False)
    assert summary["run_seconds"] == [43.0, 44.0]
    assert "p95" in "\n".join(latency_section("demo", {"auxo_to_xero": summary}))


def test_an_entry_never_seen_in_xero_fails_the_goal_whatever_the_others() -> None:
    entries = [Entry("payment", "pay_1", entered=0.0, seen=5.0), Entry("deposit", "pay_2", entered=1.0)]
    summary = summarise(entries, [], poll_seconds=1.0)
    assert summary["in_xero"] == 1 and not summary["met"] and summary["missing"][0]["auxo_id"] == "pay_2"


def test_the_report_gives_the_webhook_leg_against_the_goal() -> None:
    webhook = {"edits": 10, "in_auxo": 9, "p50_seconds": 40.0, "p95_seconds": 55.0, "max_seconds": 58.0,
               "goal_seconds": 60.0, "met": False, "runs": 3, "run_seconds": [30.0, 31.0, 29.5]}
    (line,) = [line for line in latency_section("demo", {"auxo_to_xero": summarise([], [], 1.0),
                                                          "xero_to_auxo": webhook}) if "webhooks" in line]
    assert "9/10 contact edits in Auxo" in line and "p95 55.0 s" in line and line.count("✗") == 1
