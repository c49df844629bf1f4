"""``auxo-xero sandbox seed --history-days N``: N days already synced, in both sandboxes.

Seeded through the command itself (tiny profile, fixed end date) into a data folder of its own;
the synced days are read back from what was seeded: the expected outcome's dates, the Auxo
invoices that carry a Xero id, and the Xero sandbox's ACCREC invoices.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from typer.testing import CliRunner

import sandbox.auxo
from assets import cli
from pipelines import settings
from pipelines.xero.dates import ms_date_to_date
from sandbox.embedded import forget_apps, transport
from sandbox.generator.profiles import get_profile

END = date(2026, 3, 1)
SYDNEY = ZoneInfo("Australia/Sydney")


def seed_with(history_days: int | None, home: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("AUXO_XERO_HOME", str(home))
    forget_apps()
    args = ["sandbox", "seed", "--profile", "tiny", "--end-date", END.isoformat(), "--force"]
    result = CliRunner().invoke(cli.app, [*args, *(["--history-days", str(history_days)] if history_days else [])])
    assert result.exit_code == 0, result.output
    summary = json.loads((home / "expected" / "summary.json").read_text())
    state = settings.sandbox_state_dir("auxo")
    with httpx.Client(transport=transport("auxo", state), base_url="http://auxo.sandbox/api/v1",
                      headers={"X-Api-Key": sandbox.auxo.credentials(state)["api_key"]}) as api:
        invoices = api.get("/invoices", params={"limit": 1000}).json()
    assert invoices["next_cursor"] is None
    with httpx.Client(transport=transport("xero", settings.sandbox_state_dir("xero")),
                      base_url="http://xero.sandbox/admin") as admin:
        in_xero = admin.get("/documents/Invoices").json()["Invoices"]
    forget_apps()
    return {"summary": summary, "auxo": invoices["data"], "xero": in_xero}


def days_before(first: date, n: int) -> set[date]:
    return {first - timedelta(days=k) for k in range(1, n + 1)}


@pytest.mark.parametrize("history_days", [4, 6, None])
def test_history_days_is_the_number_of_days_already_synced_in_both_systems(
        history_days: int | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = seed_with(history_days, tmp_path / "data", monkeypatch)
    n = history_days or get_profile("tiny").synced_days
    window_start = END - timedelta(days=get_profile("tiny").window_days - 1)
    dates = seeded["summary"]
    assert (date.fromisoformat(dates["sync_start_date"]), date.fromisoformat(dates["window_start_date"])) == \
        (window_start - timedelta(days=n), window_start)
    synced_days = days_before(window_start, n)
    # every Auxo invoice written in those days carries its Xero id, and none dated later or earlier does (the
    # one planted in the locked period is entered in the window, back-dated into them: pending, no id)
    def entered_before_window(invoice: dict) -> bool:
        return datetime.fromisoformat(invoice["created_at"]) < datetime.combine(window_start, time(0), SYDNEY)

    linked = {date.fromisoformat(i["invoice_date"]) for i in seeded["auxo"] if i.get("xero_invoice_id")}
    assert linked == synced_days
    history = [i for i in seeded["auxo"] if date.fromisoformat(i["invoice_date"]) in synced_days
               and entered_before_window(i)]
    assert len(history) >= 5 * n and all(i["xero_invoice_id"] for i in history)
    # synced, but the one edited in Auxo after its sync (planted): pending again, with its Xero id
    assert sorted(i["sync_status"] for i in history).count("pending") == 1
    back_dated = [i for i in seeded["auxo"] if date.fromisoformat(i["invoice_date"]) in synced_days
                  and not entered_before_window(i)]
    assert [(i["sync_status"], i.get("xero_invoice_id")) for i in back_dated] == [("pending", None)]
    # the Xero organisation holds them, under those ids
    xero_ids = {d["InvoiceID"] for d in seeded["xero"] if d["Type"] == "ACCREC"}
    assert {i["xero_invoice_id"] for i in history} <= xero_ids
    assert {ms_date_to_date(d["Date"]) for d in seeded["xero"] if d["Type"] == "ACCREC"
            and d["InvoiceID"] in {i["xero_invoice_id"] for i in history}} == synced_days
