"""The CLI's summary ends with whether the books tie out, day by day (recon.day_summary)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from assets.runner import print_reconciliation
from pipelines import warehouse


def test_the_summary_says_which_days_need_attention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path))
    console = Console(record=True, width=200)
    print_reconciliation(date(2026, 3, 1), date(2026, 3, 3), console)  # no warehouse view yet: nothing said
    with warehouse.connect() as con:
        con.execute("create view recon.day_summary as select * from (values "
                    "(date '2026-03-01', 'ties out', 0, 0, 0, 0, null), "
                    "(date '2026-03-02', 'needs attention', 2, 0, 0, 1, '610 -110.00')) "
                    "t(day, verdict, not_in_xero, different, duplicated, only_in_xero, account_differences)")
    print_reconciliation(date(2026, 3, 1), date(2026, 3, 3), console)
    text = console.export_text()
    assert "Reconciliation: 1 of 2 days tie out." in text
    assert "2026-03-02 needs attention: 3 documents not in step; accounts differ (610 -110.00)" in text
    assert "recon.unsynced_documents" in text
