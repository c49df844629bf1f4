"""Turning the automation — the nightly schedule and every sensor — on or off in the Dagster instance
under the data folder, and the commands that run Dagster's daemon and UI on it.

Dagster keys a schedule's or sensor's on/off state by its *origin*: the code location as the daemon
loads it (the module, the Python executable and the working directory). So the on/off commands load
the definitions exactly as ``auxo-xero daemon`` and ``auxo-xero ui`` do (:data:`WORKSPACE`: the same
module from the project folder, through a code server, as ``dagster sensor start -m …`` would), and
change the state with the instance's own ``start_sensor``/``stop_sensor``/``start_schedule``/
``stop_schedule`` — what Dagster's CLI calls, in one process instead of one ``dagster`` command (each
loading the definitions) per schedule and sensor.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg

from pipelines import settings

DEFINITIONS_MODULE = "assets.definitions"


def workspace_args() -> list[str]:
    """The code location as every Dagster process of this project loads it (run from the project folder)."""
    return ["-m", DEFINITIONS_MODULE, "-d", str(settings.PROJECT_ROOT)]


def daemon_command() -> list[str]:
    """Dagster's daemon alone (schedules, sensors, the run queue), in the foreground: ``dagster-daemon run``,
    started with this Python (``sys.executable`` is part of the code location's origin)."""
    return [sys.executable, "-m", "dagster._daemon", "run", *workspace_args()]


def ui_command(host: str, port: int) -> list[str]:
    """The Dagster UI and its daemon."""
    return [sys.executable, "-m", "dagster", "dev", *workspace_args(), "-h", host, "-p", str(port)]


@dataclass(frozen=True)
class Automation:
    """A schedule or sensor and its state in the instance."""

    kind: str  # "schedule" | "sensor"
    name: str
    running: bool
    last_tick: datetime | None = None
    last_tick_status: str | None = None
    last_tick_note: str | None = None


@contextmanager
def _repository(instance: dg.DagsterInstance) -> Iterator:
    from dagster import __version__
    from dagster._cli.workspace.cli_target import (
        WorkspaceOpts,
        get_code_location_from_workspace,
        get_remote_repository_from_code_location,
        get_workspace_from_cli_opts,
    )

    opts = WorkspaceOpts(module_name=(DEFINITIONS_MODULE,), working_directory=str(settings.PROJECT_ROOT))
    with get_workspace_from_cli_opts(instance, __version__, opts, log_level="error") as workspace:
        yield get_remote_repository_from_code_location(get_code_location_from_workspace(workspace, None), None)


def _instigators(repository) -> list[tuple[str, object]]:
    return [*(("schedule", s) for s in repository.get_schedules()), *(("sensor", s) for s in repository.get_sensors())]


def _state(instance: dg.DagsterInstance, kind: str, instigator) -> Automation:
    stored = instance.get_instigator_state(instigator.get_remote_origin_id(), instigator.selector_id)
    running = instigator.get_current_instigator_state(stored).is_running
    ticks = instance.get_ticks(instigator.get_remote_origin_id(), instigator.selector_id, limit=1)
    if not ticks:
        return Automation(kind, instigator.name, running)
    tick = ticks[0]
    note = tick.skip_reason or (tick.error.message.strip().splitlines()[0] if tick.error else None)
    if tick.run_keys:
        note = f"requested {', '.join(tick.run_keys)}"
    return Automation(kind, instigator.name, running, datetime.fromtimestamp(tick.timestamp, UTC),
                      tick.status.value.lower(), note)


def automation_status(instance: dg.DagsterInstance) -> list[Automation]:
    """Every schedule and sensor of the definitions, on or off, with its last tick."""
    with _repository(instance) as repository:
        return [_state(instance, kind, instigator) for kind, instigator in _instigators(repository)]


def set_automation(instance: dg.DagsterInstance, on: bool) -> list[Automation]:
    """Turn every schedule and sensor on (``on``) or off; the state of each afterwards."""
    with _repository(instance) as repository:
        for kind, instigator in _instigators(repository):
            if _state(instance, kind, instigator).running == on:
                continue
            origin, selector = instigator.get_remote_origin_id(), instigator.selector_id
            if kind == "schedule":
                (instance.start_schedule(instigator) if on else instance.stop_schedule(origin, selector, instigator))
            else:
                (instance.start_sensor(instigator) if on else instance.stop_sensor(origin, selector, instigator))
        return [_state(instance, kind, instigator) for kind, instigator in _instigators(repository)]
