"""`auxo-xero automation` against a real Dagster instance, and `auxo-xero daemon` end to end: with the
automation on, a payment taken in the Auxo sandbox reaches the Xero sandbox through the Auxo sensor's run,
and SIGTERM stops the daemon and everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from assets import cli
from assets.automation import AUXO_CHANGES_SENSOR, LAUNCHED_BY, WEBHOOK_SENSOR
from assets.resources import build_auxo_client
from pipelines import settings
from tests.e2e.conftest import run_day
from tests.e2e.test_auxo_sensor import auxo_post, xero_documents
from tests.e2e.test_spine import small_workshop

PROJECT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 240.0  # generous: daemon start-up, a sensor tick, a run; never asserted on


def automation(*args: str) -> list[str]:
    result = CliRunner().invoke(cli.app, ["automation", *args])
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.output.splitlines() if line.strip()]


@pytest.mark.slow
def test_automation_turns_the_schedule_and_every_sensor_on_and_off_in_the_data_folders_instance(home: Path) -> None:
    before = automation("status")
    assert {(kind, name) for kind, name, *_ in before} == {
        ("schedule", "nightly_sync"), ("sensor", "retry_failed_writes"), ("sensor", "xero_changes_between_runs"),
        ("sensor", AUXO_CHANGES_SENSOR), ("sensor", WEBHOOK_SENSOR)}
    assert {state for _, _, state, *_ in before} == {"off"}
    assert {state for _, _, state, *_ in automation("on")} == {"on"}
    assert (settings.dagster_home() / "dagster.yaml").exists()  # the instance under the data folder
    # that the daemon acts on what `on` set (the same code location) is the next test's proof
    assert {state for _, _, state, *_ in automation("off")} == {"off"}
    refused = CliRunner().invoke(cli.app, ["automation", "maybe"])
    assert refused.exit_code == 2 and "choose on, off or status" in refused.output


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
        for child in children - found:
            found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_the_daemon_sends_a_payment_taken_in_auxo_to_xero_and_stops_on_sigterm(home: Path) -> None:
    small_workshop()
    assert run_day("2026-11-02").success  # a first sync: the invoice is in Xero
    assert run_day("2026-11-02").success  # a second one reads back what the first wrote (nothing left to do)
    automation("on")
    # started as a service or with `&` would be: SIGINT ignored (Dagster then ignores SIGTERM too, unless the
    # command sees to it)
    log = home.parent / "daemon.log"  # a file, not a pipe nobody reads (a full pipe would block the daemon)
    daemon = subprocess.Popen([sys.executable, "-c", "from assets.cli import main; main()", "daemon"],
                              cwd=PROJECT, start_new_session=True, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    started: set[int] = set()
    try:
        with build_auxo_client() as client:
            invoice = client.get("invoices")["data"][0]
        payment = auxo_post(f"/admin/invoices/{invoice['id']}/payments", {"amount": "25.00", "method": "eftpos"})
        deadline = time.monotonic() + WAIT_SECONDS
        paid: list[dict] = []
        while not paid and time.monotonic() < deadline and daemon.poll() is None:
            started |= descendants(daemon.pid)
            paid = [p for p in xero_documents("Payments") if (p.get("Invoice") or {}).get("InvoiceID")
                    == invoice["xero_invoice_id"] and p["Status"] != "DELETED"]
            time.sleep(1)
        assert daemon.poll() is None, log.read_text()[-3000:]
        assert [Decimal(str(p["Amount"])) for p in paid] == [Decimal("25.00")], log.read_text()[-3000:]
        runs: list = []
        while time.monotonic() < deadline and daemon.poll() is None:  # the run goes on (write-backs, recon)
            with dg.DagsterInstance.get() as instance:
                runs = instance.get_runs(dg.RunsFilter(tags={LAUNCHED_BY: AUXO_CHANGES_SENSOR}))
            if runs and all(run.is_finished for run in runs):
                break
            time.sleep(1)
        assert [run.status for run in runs] == [dg.DagsterRunStatus.SUCCESS], log.read_text()[-3000:]
        with build_auxo_client() as client:
            recorded = next(p for p in client.get("payments")["data"] if p["id"] == payment["id"])
        assert recorded["xero_payment_id"] == paid[0]["PaymentID"]
    finally:
        started |= descendants(daemon.pid)
        daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            raise
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), code
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert started and not [pid for pid in started if alive(pid)], "the daemon left processes behind"
