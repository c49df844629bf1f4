"""From Auxo to Xero with the automation on: how long a payment or deposit taken in Auxo takes to be in Xero.

    .venv/bin/python -m bench.bench_latency --profile demo --home /tmp/bench/latency-demo
    .venv/bin/python -m bench.bench_latency --profile demo --home H --count 20 --spread-seconds 240

- **set up** the profile's benchmark workshop (``bench.workshop_setup``: the demo is not primed, the large
  one is) and sync its window once with ``auxo-xero sync``, as a connection in use would be;
- turn the automation on (``auxo-xero automation on``) and start ``auxo-xero daemon``; wait until the runs
  the automation launches by itself on its first ticks are over (the machine is quiet);
- take ``--count`` entries in the Auxo sandbox, payments on open invoices already in Xero and deposits on
  open jobs in turn, ``--spread-seconds`` apart in all (default 20 over 4 minutes, one every 12.6 s);
- poll Xero (the sandbox's documents, every ``--poll-seconds``) until each is there under the Reference
  the sync gives it (``Auxo PAY <id>`` / ``Auxo DEP <id>``); its latency is from just before its entry in
  Auxo to the first poll that saw it in Xero;
- report p50 and p95 against the 60 s goal, and split each entry's time in three from the Dagster
  instance: waiting for a tick (the sensor's 30 s interval, or a run still going), run start-up (the run
  created → its first step started: the run queue and the run's process), and the run until the document
  was in Xero; with every launched run's time and its steps' times.

The other direction is :func:`webhook_leg`'s, on the same workshop and daemon: the Xero sandbox subscribed
to ``pipelines.xero.webhooks.Receiver`` on loopback (delivering every second, as ``sandbox serve xero``
does), half as many contacts' emails corrected in Xero over the same spread, each polled for in Auxo. With
webhooks configured the 15-minute Xero probe stands down, as in a deployment. Prints one
``BENCH-RESULT {json}`` line (``bench/__main__.py`` collects it).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 60.0
AUXO_CHANGES_SENSOR = "auxo_changes"  # assets.automation.AUXO_CHANGES_SENSOR (not imported: the home is set first)


@dataclass
class Entry:
    """One payment or deposit taken in Auxo, and when it was seen in Xero."""

    kind: str  # payment | deposit | contact (an email corrected in Xero: the webhook leg)
    auxo_id: str
    entered: float  # epoch seconds, just before the Auxo call
    seen: float | None = None  # the first poll that found it in Xero
    run_id: str | None = None
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def latency(self) -> float | None:
        return None if self.seen is None else self.seen - self.entered


@dataclass
class LatencyContext:
    """What a leg of the benchmark works with: the data folder (AUXO_XERO_HOME set to it), the daemon
    running on it with the automation on, and the options."""

    home: Path
    profile: str
    count: int
    spread_seconds: float
    poll_seconds: float
    timeout_seconds: float


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile (0.01–0.99) of ``values``, linearly interpolated (numpy's default method)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[round(share * 100) - 1]


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", "from assets.cli import main; main()", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"auxo-xero {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


def prepare(home: Path, profile: str) -> dict[str, Any]:
    """The profile's workshop, seeded and synced once over its window."""
    done = subprocess.run([sys.executable, "-m", "bench.workshop_setup", "--profile", profile, "--home", str(home),
                           *(["--no-prime"] if profile != "large" else [])], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if not lines:
        raise RuntimeError(f"setting up the {profile} workshop failed: {done.stderr[-2000:]}")
    meta = json.loads(lines[-1].removeprefix("BENCH-RESULT "))["meta"]
    first, last = meta["window_start_date"], meta["end_date"]
    started = time.perf_counter()
    _cli("sync", "--date", first, "--to", last)
    return {"window": [first, last], "first_sync_seconds": round(time.perf_counter() - started, 1)}


def _auxo():
    from assets.resources import build_auxo_client

    return build_auxo_client()


def _all(client, resource: str) -> list[dict[str, Any]]:
    return [record for page in client.pages(resource) for record in page]


def candidates(count: int) -> list[tuple[str, str]]:
    """``count`` (kind, target id) pairs, payments and deposits in turn: open invoices already in Xero with
    the most left to pay, and open jobs of customers already in Xero (repeated when there are few)."""
    with _auxo() as client:
        invoices = [i for i in _all(client, "invoices") if i["status"] == "issued" and i["xero_invoice_id"]
                    and i["sync_status"] == "synced" and float(i["balance"]) >= 5]
        linked = {c["id"] for c in _all(client, "customers") if c["xero_contact_id"]}
        jobs = [j for j in _all(client, "jobs") if j["status"] not in ("invoiced", "cancelled")
                and j["customer_id"] in linked]
    invoices.sort(key=lambda i: -float(i["balance"]))
    if not invoices or not jobs:
        raise RuntimeError(f"the workshop has {len(invoices)} open invoices in Xero and {len(jobs)} open jobs of "
                           "customers in Xero: the benchmark needs both")
    chosen = []
    for n in range(count):
        chosen.append(("payment", invoices[(n // 2) % len(invoices)]["id"]) if n % 2 == 0
                      else ("deposit", jobs[(n // 2) % len(jobs)]["id"]))
    return chosen


def take(kind: str, target: str, n: int) -> Entry:
    """A payment of 1.00 on the invoice, or a deposit of 20.00 on the job, as a person takes it in Auxo."""
    import httpx

    from pipelines import settings
    from sandbox.embedded import transport

    path = f"/admin/invoices/{target}/payments" if kind == "payment" else f"/admin/jobs/{target}/deposits"
    body = {"amount": "1.00" if kind == "payment" else "20.00", "method": "eftpos", "reference": f"latency {n}"}
    with httpx.Client(transport=transport("auxo", settings.sandbox_state_dir("auxo")), base_url="http://auxo") as api:
        entered = time.time()
        response = api.post(path, json=body)
    if response.status_code >= 300:
        raise RuntimeError(f"taking a {kind} in the Auxo sandbox failed: {response.status_code} {response.text}")
    return Entry(kind, response.json()["data"]["id"], entered)


def in_xero() -> set[str]:
    """The Auxo ids of every payment and prepayment in the Xero sandbox (not deleted) under the sync's
    Reference (``Auxo PAY <id> …`` / ``Auxo DEP <id> …``: ``assets.invoices.books.payment_reference``, then
    Auxo's own reference)."""
    import re

    import httpx

    from pipelines import settings
    from sandbox.embedded import transport

    ours = re.compile(r"^Auxo (?:PAY|DEP) (\S+)")  # assets.invoices.books.OUR_REFERENCE
    found: set[str] = set()
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        for collection in ("Payments", "Prepayments"):
            for doc in admin.get(f"/documents/{collection}").json()[collection]:
                match = ours.match(doc.get("Reference") or "")
                if match and doc.get("Status") not in ("DELETED", "VOIDED"):
                    found.add(match.group(1))
    return found


def _sync_runs_going() -> int:
    import dagster as dg

    from assets.automation import sync_runs_in_progress

    with dg.DagsterInstance.get() as instance:
        return sync_runs_in_progress(instance)


def wait_until_quiet(quiet_seconds: float = 45.0, limit_seconds: float = 900.0) -> float:
    """Until no sync run has been queued or running for ``quiet_seconds`` (the first ticks' runs are over)."""
    began = time.monotonic()
    calm_since = time.monotonic()
    while time.monotonic() - began < limit_seconds:
        if _sync_runs_going():
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= quiet_seconds:
            break
        time.sleep(2)
    return round(time.monotonic() - began, 1)


def auxo_to_xero(context: LatencyContext, daemon: Daemon) -> tuple[list[Entry], dict[str, Any]]:
    """The Auxo → Xero leg: entries spread over the time, each polled for in Xero."""
    targets = candidates(context.count)
    gap = context.spread_seconds / max(context.count - 1, 1)
    began = time.time()
    entries: list[Entry] = []
    polls = 0
    deadline = None
    while True:
        now = time.time()
        if len(entries) < len(targets) and now >= began + gap * len(entries):
            kind, target = targets[len(entries)]
            entries.append(take(kind, target, len(entries)))
            if len(entries) == len(targets):
                deadline = time.time() + context.timeout_seconds
        waiting = [e for e in entries if e.seen is None]
        if waiting:
            present = in_xero()
            polls += 1
            stamp = time.time()
            for entry in waiting:
                if entry.auxo_id in present:
                    entry.seen = stamp
        if len(entries) == len(targets) and all(e.seen is not None for e in entries):
            break
        if deadline is not None and time.time() > deadline:
            break
        if not daemon.running():
            raise RuntimeError(f"the daemon stopped (exit status {daemon.process.returncode}): see {daemon.log.name}")
        time.sleep(context.poll_seconds)
    return entries, {"began": began, "polls": polls, "gap_seconds": round(gap, 2)}


def runs_since(since: float, sensor: str = AUXO_CHANGES_SENSOR) -> list[dict[str, Any]]:
    """The runs ``sensor`` launched since ``since``: created, started, ended, status, steps."""
    import dagster as dg

    from bench.bench_sync import _steps

    out = []
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(dg.RunsFilter(tags={"auxo-xero/launched-by": sensor}))
        for record in sorted(records, key=lambda r: r.create_timestamp.timestamp()):
            created = record.create_timestamp.timestamp()
            if created < since:
                continue
            steps = _steps(instance.all_logs(record.dagster_run.run_id))
            first_step = min((s["start"] for s in steps.values()), default=None)
            out.append({"run_id": record.dagster_run.run_id, "status": record.dagster_run.status.value,
                        "created": created, "started": record.start_time, "ended": record.end_time,
                        "first_step": first_step, "partition": record.dagster_run.tags.get("dagster/partition"),
                        "run_key": record.dagster_run.tags.get("dagster/run_key"),
                        "steps": {k: v.get("seconds") for k, v in steps.items()}})
    return out


def attribute(entries: list[Entry], runs: list[dict[str, Any]], slack: float = 2.0) -> None:
    """Each entry's run — the one going when it was first seen in Xero — and its three parts: waiting for a
    tick (entered → the run created; 0 when it was entered while the run was queued or starting, before it
    read Auxo), run start-up (→ the run's first step: the queue and the run's process) and the run itself
    (→ seen in Xero). The parts add up to the latency."""
    for entry in entries:
        if entry.seen is None:
            continue
        run = next((r for r in runs if (r["first_step"] or r["created"]) <= entry.seen <= (r["ended"] or entry.seen)
                    + slack), None)
        if run is None:
            continue
        entry.run_id = run["run_id"]
        first_step = run["first_step"] or run["started"] or run["created"]
        created = max(run["created"], entry.entered)
        entry.parts = {"waiting_for_a_tick": round(created - entry.entered, 2),
                       "run_start_up": round(max(first_step - created, 0.0), 2),
                       "in_the_run_until_in_xero": round(entry.seen - max(first_step, created), 2)}


def summarise(entries: list[Entry], runs: list[dict[str, Any]], poll_seconds: float) -> dict[str, Any]:
    latencies = [e.latency for e in entries if e.latency is not None]
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    parts: dict[str, dict[str, float]] = {}
    for name in ("waiting_for_a_tick", "run_start_up", "in_the_run_until_in_xero"):
        values = [e.parts[name] for e in entries if name in e.parts]
        if values:
            parts[name] = {"mean": round(statistics.fmean(values), 1), "p50": round(percentile(values, 0.5), 1),
                           "max": round(max(values), 1)}
    durations = [r["ended"] - r["started"] for r in runs if r["ended"] and r["started"]]
    step_means: dict[str, float] = {}
    for run in runs:
        for step, seconds in run["steps"].items():
            if seconds is not None:
                step_means.setdefault(step, []).append(seconds)  # type: ignore[arg-type]
    slowest = sorted(((k, round(statistics.fmean(v), 2)) for k, v in step_means.items()), key=lambda kv: -kv[1])
    return {
        "entries": len(entries), "in_xero": len(latencies),
        "missing": [asdict(e) for e in entries if e.seen is None],
        "p50_seconds": round(p50, 1) if p50 is not None else None,
        "p95_seconds": round(p95, 1) if p95 is not None else None,
        "max_seconds": round(max(latencies), 1) if latencies else None,
        "goal_seconds": GOAL_SECONDS, "met": p95 is not None and p95 <= GOAL_SECONDS and len(latencies) == len(entries),
        "poll_resolution_seconds": poll_seconds, "parts": parts,
        "runs": len(runs), "run_seconds": [round(d, 1) for d in durations],
        "run_seconds_p50": round(percentile(durations, 0.5), 1) if durations else None,
        "slowest_steps_mean_seconds": dict(slowest[:8]),
        "by_kind": {kind: round(percentile([e.latency for e in entries if e.kind == kind and e.latency is not None],
                                           0.95) or 0, 1) for kind in ("payment", "deposit")},
    }


WEBHOOK_SENSOR = "xero_webhook_events"  # assets.automation.WEBHOOK_SENSOR


class Webhooks:
    """Xero's webhooks for the benchmark: the receiver (``pipelines.xero.webhooks.Receiver``) on loopback,
    the Xero sandbox subscribed to it with a fresh key (put in the environment before the daemon starts, so
    its sensor reads the key too), and a thread delivering what is due every second, as the served
    sandbox does."""

    def __init__(self) -> None:
        import secrets
        import threading

        from pipelines import settings
        from pipelines.xero.webhooks import KEY_SETTING, Receiver

        self.key = secrets.token_urlsafe(32)
        os.environ[KEY_SETTING] = self.key
        self.state = settings.sandbox_state_dir("xero")
        self.receiver = Receiver(self.key, settings.webhook_events_path()).start()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._deliver, name="xero-sandbox-webhooks", daemon=True)

    def subscribe(self) -> dict[str, Any]:
        import sandbox.xero

        subscription = sandbox.xero.subscribe_webhooks(self.state, self.receiver.url, self.key)
        if subscription.get("status") != "OK":
            raise RuntimeError(f"the Xero sandbox's intent to receive failed: {subscription}")
        self._thread.start()
        return subscription

    def _deliver(self) -> None:
        import sandbox.xero

        while not self._stop.wait(1.0):
            sandbox.xero.deliver_webhooks(self.state)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.receiver.stop()


def _xero_admin():
    import httpx

    from pipelines import settings
    from sandbox.embedded import transport

    return httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                        base_url="http://xero.sandbox/admin")


def linked_customers(count: int) -> list[tuple[str, str]]:
    """``count`` (Auxo customer id, Xero ContactID) pairs of customers linked to a Xero contact."""
    with _auxo() as client:
        linked = [(c["id"], c["xero_contact_id"]) for c in _all(client, "customers") if c["xero_contact_id"]]
    if len(linked) < count:
        raise RuntimeError(f"the workshop has {len(linked)} customers linked to Xero: the webhook leg needs {count}")
    return linked[:count]


def auxo_emails(ids: set[str]) -> dict[str, str | None]:
    with _auxo() as client:
        return {c["id"]: c.get("email") for c in _all(client, "customers") if c["id"] in ids}


def webhook_leg(context: LatencyContext, daemon: Daemon) -> dict[str, Any]:
    """The Xero → Auxo leg through Xero's webhooks: ``count`` contacts' emails corrected in Xero, spread like
    the Auxo entries; each one's latency runs from the edit in Xero to the first poll that finds the new
    email in Auxo (the sandbox's delivery, the receiver, the ``xero_webhook_events`` sensor's run and its
    write to Auxo)."""
    count = max(context.count // 2, 1)
    targets = linked_customers(count)
    gap = context.spread_seconds / max(count - 1, 1)
    began = time.time()
    edits: list[Entry] = []
    wanted: dict[str, str] = {}
    deadline = None
    with _xero_admin() as admin:
        while True:
            now = time.time()
            if len(edits) < count and now >= began + gap * len(edits):
                customer, contact = targets[len(edits)]
                email = f"latency{len(edits)}.{int(now)}@example.com"
                edited = time.time()
                answer = admin.post("/actions/edit-contact", json={"ContactID": contact, "EmailAddress": email})
                if answer.status_code >= 300:
                    raise RuntimeError(f"editing a contact in the Xero sandbox failed: {answer.text}")
                edits.append(Entry("contact", customer, edited))
                wanted[customer] = email
                if len(edits) == count:
                    deadline = time.time() + context.timeout_seconds
            waiting = [e for e in edits if e.seen is None]
            if waiting:
                emails = auxo_emails({e.auxo_id for e in waiting})
                stamp = time.time()
                for entry in waiting:
                    if emails.get(entry.auxo_id) == wanted[entry.auxo_id]:
                        entry.seen = stamp
            if len(edits) == count and all(e.seen is not None for e in edits):
                break
            if deadline is not None and time.time() > deadline:
                break
            if not daemon.running():
                raise RuntimeError(f"the daemon stopped (exit status {daemon.process.returncode})")
            time.sleep(context.poll_seconds)
    latencies = [e.latency for e in edits if e.latency is not None]
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    time.sleep(2)
    wait_until_quiet(quiet_seconds=5, limit_seconds=300)
    runs = runs_since(began, sensor=WEBHOOK_SENSOR)
    durations = [r["ended"] - r["started"] for r in runs if r["ended"] and r["started"]]
    return {"edits": len(edits), "in_auxo": len(latencies),
            "p50_seconds": round(p50, 1) if p50 is not None else None,
            "p95_seconds": round(p95, 1) if p95 is not None else None,
            "max_seconds": round(max(latencies), 1) if latencies else None,
            "goal_seconds": GOAL_SECONDS,
            "met": p95 is not None and p95 <= GOAL_SECONDS and len(latencies) == len(edits),
            "runs": len(runs), "run_seconds": [round(d, 1) for d in durations],
            "latencies": [round(x, 1) for x in latencies]}


def latency_section(profile: str, result: dict[str, Any]) -> list[str]:
    """The report's lines for one profile's run of this benchmark."""
    leg = result.get("auxo_to_xero") or {}
    lines = [f"### Latency — {profile} (bench_latency.py)", ""]
    if not leg:
        return [*lines, "- no figure", ""]
    verdict = "✓" if leg["met"] else "✗"
    lines.append(f"- Auxo → Xero: {leg['in_xero']}/{leg['entries']} entries in Xero; p50 {leg['p50_seconds']} s, p95 "
                 f"{leg['p95_seconds']} s, max {leg['max_seconds']} s against {GOAL_SECONDS:.0f} s p95 {verdict} "
                 f"(polled every {leg['poll_resolution_seconds']} s)")
    for name, figures in leg.get("parts", {}).items():
        lines.append(f"  - {name.replace('_', ' ')}: mean {figures['mean']} s, p50 {figures['p50']} s, "
                     f"max {figures['max']} s")
    lines.append(f"- {leg['runs']} runs launched by the Auxo sensor: {leg['run_seconds']} s (p50 "
                 f"{leg['run_seconds_p50']} s); slowest steps (mean s): {leg['slowest_steps_mean_seconds']}")
    webhook = result.get("xero_to_auxo") or {}
    if webhook.get("edits"):
        verdict = "✓" if webhook["met"] else "✗"
        lines.append(f"- Xero → Auxo (webhooks): {webhook['in_auxo']}/{webhook['edits']} contact edits in Auxo; p50 "
                     f"{webhook['p50_seconds']} s, p95 {webhook['p95_seconds']} s, max {webhook['max_seconds']} s "
                     f"against {GOAL_SECONDS:.0f} s p95 {verdict}; {webhook['runs']} runs launched by the webhook "
                     f"sensor: {webhook['run_seconds']} s")
    else:
        lines.append(f"- Xero → Auxo (webhooks): {webhook.get('note') or webhook}")
    return [*lines, ""]


class Daemon:
    """``auxo-xero daemon`` on the data folder, in a process group of its own, stopped with SIGTERM."""

    def __init__(self, log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen([sys.executable, "-c", "from assets.cli import main; main()", "daemon"],
                                        cwd=ROOT, start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT)

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> float:
        began = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return round(time.monotonic() - began, 1)


def run_benchmark(home: Path, profile: str, *, count: int, spread_seconds: float, poll_seconds: float,
                  timeout_seconds: float, setup: bool = True) -> dict[str, Any]:
    os.environ["AUXO_XERO_HOME"] = str(home)
    from assets.cli import prepare_environment

    result: dict[str, Any] = {"profile": profile, "count": count, "spread_seconds": spread_seconds,
                              "started": datetime.now(UTC).isoformat(timespec="seconds"),
                              "load_average_at_start": [round(x, 1) for x in os.getloadavg()]}
    if setup:
        result["setup"] = prepare(home, profile)
    prepare_environment()
    webhooks = Webhooks()  # before the daemon: it inherits the webhook key
    result["webhook_subscription"] = webhooks.subscribe()["status"]
    _cli("automation", "on")
    daemon = Daemon(home / "daemon.log")
    try:
        result["quiet_after_seconds"] = wait_until_quiet()
        context = LatencyContext(home, profile, count, spread_seconds, poll_seconds, timeout_seconds)
        entries, leg = auxo_to_xero(context, daemon)
        time.sleep(2)
        wait_until_quiet(quiet_seconds=5, limit_seconds=300)  # the last run's end, for its time
        runs = runs_since(leg["began"])
        attribute(entries, runs)
        result["load_average_after_entries"] = [round(x, 1) for x in os.getloadavg()]
        result["auxo_to_xero"] = summarise(entries, runs, poll_seconds)
        result["auxo_to_xero"]["entries_detail"] = [
            {"kind": e.kind, "latency": round(e.latency, 1) if e.latency is not None else None, **e.parts}
            for e in entries]
        result["auxo_to_xero"]["runs_detail"] = [
            {k: (round(v, 1) if isinstance(v, float) and k not in ("created", "started", "ended", "first_step") else v)
             for k, v in run.items() if k != "steps"} for run in runs]
        result["xero_to_auxo"] = webhook_leg(context, daemon)
    finally:
        result["daemon_stop_seconds"] = daemon.stop()
        webhooks.stop()
        _cli("automation", "off", check=False)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("demo", "large"), default="demo")
    parser.add_argument("--home", type=Path, required=True, help="the benchmark's data folder (emptied first)")
    parser.add_argument("--count", type=int, default=20, help="payments and deposits taken in Auxo")
    parser.add_argument("--spread-seconds", type=float, default=240.0, help="from the first entry to the last")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="how often Xero is polled")
    parser.add_argument("--timeout-seconds", type=float, default=600.0,
                        help="after the last entry, how long to wait for the ones not in Xero yet")
    parser.add_argument("--no-setup", action="store_true", help="reuse the workshop already in --home")
    args = parser.parse_args()
    result = run_benchmark(args.home.resolve(), args.profile, count=args.count, spread_seconds=args.spread_seconds,
                           poll_seconds=args.poll_seconds, timeout_seconds=args.timeout_seconds,
                           setup=not args.no_setup)
    print("BENCH-RESULT " + json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
