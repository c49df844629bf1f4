"""What a person sees while a command-line run works, and where the rest of its log goes.

The console gets one line per finished step, the checks that did not pass, the run's own messages
and real errors; the batch-by-batch progress of the sinks and dlt's extraction counters update a
status line instead (shown on a terminal only, so a log file is not flooded). Everything, dlt's
schema notices and Dagster's step events included, is written to ``<data folder>/logs/sync.log``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from rich.console import Console
from rich.status import Status

from pipelines import settings

# loggers whose records are for developers: to the log file, errors also on the console
LIBRARY_LOGGERS = ("dlt", "auxo_xero.extract")
# the sinks' per-batch lines ("xero: 50/50 contact create written"): progress, not news
BATCH_LINE = re.compile(r"^(xero|auxo): \d+/\d+ ")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    """The command line's log file, under the data folder."""
    return settings.data_home() / "logs" / "sync.log"


class _ConsoleErrors(logging.Handler):
    """Errors of a library logger, on the console (everything else is in the log file)."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.ERROR)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        self.console.print(f"[red]{record.name}: {record.getMessage()}[/red]", markup=True, highlight=False)


class _StatusLine(logging.Handler):
    """Library progress (dlt's extraction counters) shown on the status line."""

    def __init__(self, status: Status | None) -> None:
        super().__init__(logging.INFO)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        if self.status is None or record.levelno >= logging.WARNING:
            return
        lines = [line.strip(" -") for line in record.getMessage().splitlines() if line.strip(" -")]
        if lines:
            self.status.update(" · ".join(lines[:2])[:120])


@contextmanager
def run_output(console: Console) -> Iterator[tuple[logging.Handler, Status | None]]:
    """Route library logs to the log file for the duration of a run; yields the file handler and the
    status line (None when the console is not a terminal)."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setLevel(logging.DEBUG)
    to_file.setFormatter(logging.Formatter(LOG_FORMAT))
    status = console.status("Starting…") if console.is_terminal else None
    saved = {}
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (list(logger.handlers), logger.propagate, logger.level)
        # dlt (re)initialises its logger with the first handler it finds: the file, never stderr
        logger.handlers = [to_file, _ConsoleErrors(console), _StatusLine(status)]
        logger.propagate = False
        if logger.level in (logging.NOTSET, logging.WARNING):
            logger.setLevel(logging.INFO)
    if status is not None:
        status.start()
    try:
        yield to_file, status
    finally:
        if status is not None:
            status.stop()
        for name, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(level)
        to_file.close()


class ProgressHandler(logging.Handler):
    """The run's progress on the console: finished steps, checks that failed, the run's messages."""

    def __init__(self, console: Console, status: Status | None = None) -> None:
        super().__init__(logging.DEBUG)  # step events are DEBUG records; emit() picks what a person wants
        self.console = console
        self.status = status
        self._check_steps: set[str] = set()
        self._materialized: set[str] = set()

    def _show(self, text: str) -> None:
        if self.status is not None:
            self.status.update(text)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is not None:
            self._event(event, step, meta)
            return
        message = meta.get("orig_message") or record.getMessage()
        if record.levelno < logging.INFO or not message or "Not executing" in message:
            return
        if BATCH_LINE.match(message):
            self._show(f"{step}: {message}")
        elif record.levelno >= logging.WARNING:
            self.console.print(f"  [yellow]{step}[/yellow] {message}")
        else:
            self.console.print(f"  [dim]{step}[/dim] {message}")

    def _event(self, event: object, step: str, meta: dict) -> None:
        kind = getattr(event, "event_type_value", "")
        data = getattr(event, "event_specific_data", None)
        if kind == "STEP_START":
            self._show(f"{step}…")
        elif kind == "ASSET_MATERIALIZATION":
            self._materialized.add(step)
        elif kind == "ASSET_CHECK_EVALUATION":
            self._check_steps.add(step)
            if not getattr(data, "passed", True):
                severity = getattr(getattr(data, "severity", None), "value", "ERROR")
                self.console.print(f"[yellow]! check {getattr(data, 'check_name', step)} did not pass "
                                   f"({severity.lower()})[/yellow]")
        elif kind == "STEP_SUCCESS" and (step in self._materialized or step not in self._check_steps):
            seconds = (getattr(data, "duration_ms", 0) or 0) / 1000
            self.console.print(f"[green]✓[/green] {step} [dim]({seconds:.1f} s)[/dim]")
        elif kind == "STEP_FAILURE":
            error = getattr(data, "error", None)
            cause = error.cause if error is not None and error.cause is not None else error
            reason = cause.message.strip() if cause is not None else meta.get("orig_message", "")
            self.console.print(f"[red]✗ {step} failed[/red]: {reason}")


def progress_logger(console: Console, to_file: logging.Handler | None = None,
                    status: Status | None = None) -> dg.LoggerDefinition:
    """A Dagster logger printing :class:`ProgressHandler`'s lines (and everything to ``to_file``)."""

    @dg.logger(description="Progress on the console")
    def progress(_init_context: dg.InitLoggerContext) -> logging.Logger:
        log = logging.getLogger("auxo_xero.progress")
        log.handlers = [ProgressHandler(console, status), *([to_file] if to_file is not None else [])]
        log.setLevel(logging.DEBUG)
        log.propagate = False
        return log

    return progress
