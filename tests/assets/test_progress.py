"""The command line's console: dlt's notices go to the log file, batch lines to the status line."""

import logging
from pathlib import Path

import pytest
from rich.console import Console

from assets.progress import ProgressHandler, log_path, run_output


class FakeStatus:
    def __init__(self) -> None:
        self.shown: list[str] = []

    def update(self, text: str) -> None:
        self.shown.append(text)


def record(message: str, level: int = logging.INFO, step: str = "sync__xero_writes") -> logging.LogRecord:
    entry = logging.LogRecord("auxo_xero.progress", level, __file__, 1, message, None, None)
    entry.dagster_meta = {"orig_message": message, "step_key": step}
    return entry


def test_dlt_notices_go_to_the_log_file_and_its_errors_still_reach_the_console(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUXO_XERO_HOME", str(tmp_path))
    console = Console(record=True, width=200)
    with run_output(console):
        logging.getLogger("dlt").warning("The following columns in table 'customers' did not receive any data")
        logging.getLogger("dlt").error("the destination refused the load")
    shown = console.export_text()
    assert "did not receive any data" not in shown and "the destination refused the load" in shown
    written = log_path().read_text()
    assert "did not receive any data" in written and "the destination refused the load" in written
    assert log_path() == tmp_path / "logs" / "sync.log"


def test_batch_lines_update_the_status_and_the_runs_own_messages_are_printed() -> None:
    console, status = Console(record=True, width=200), FakeStatus()
    handler = ProgressHandler(console, status)  # type: ignore[arg-type]
    for n in range(40):
        handler.emit(record(f"xero: 50/50 manual_journal create written ({n})"))
    handler.emit(record("reconciled 2026-11-05 to 2026-12-02: 1754 documents in step", step="recon__views"))
    shown = console.export_text()
    assert "written" not in shown and len(status.shown) == 40
    assert "1754 documents in step" in shown
