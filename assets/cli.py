"""``auxo-xero``: the command line of the sync.

    auxo-xero demo                      seed the sandboxes if empty, sync the demo days, summarise
    auxo-xero sync --date D [--to D2] [--dry-run] [--resend-refused]
    auxo-xero ui [--port 3000]          the Dagster UI on the same data folder
    auxo-xero sandbox serve xero|auxo [--port P] [--state DIR]
    auxo-xero sandbox seed [--profile demo] [--seed 42]
    auxo-xero sandbox reset [xero|auxo|all]
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipelines import settings

app = typer.Typer(help="Keep an Auxo Workshop account and a Xero organisation in step.", no_args_is_help=True,
                  add_completion=False)
sandbox_app = typer.Typer(help="The local Xero and Auxo sandboxes.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
console = Console(stderr=True)
SYSTEMS = ("xero", "auxo")


def prepare_environment() -> Path:
    """A persistent DAGSTER_HOME under the data folder with the project's dagster.yaml."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    source = settings.PROJECT_ROOT / "dagster.yaml"
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text() != source.read_text():
        shutil.copyfile(source, target)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    return home


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2026-11-24", param_hint=option) \
            from None


def _check_profile(profile: str) -> str:
    """A generator profile, checked before anything (a forced seed empties the sandboxes first)."""
    from sandbox.generator.profiles import PROFILES

    if profile not in PROFILES:
        raise typer.BadParameter(f"{profile!r}: choose {', '.join(PROFILES)}", param_hint="--profile")
    return profile


@app.command()
def sync(
    date_: Annotated[str, typer.Option("--date", help="First business date to sync (YYYY-MM-DD).")],
    to: Annotated[str | None, typer.Option(help="Last business date, for a range synced as one run.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and record every write in the ledger "
                                                            "as 'planned', send nothing.")] = False,
    resend_refused: Annotated[bool, typer.Option(
        "--resend-refused", help="Send again, as they are, the writes Xero or Auxo refused (sync.sync_errors, "
                                 "class needs_person): after fixing the cause in that system, e.g. renumbering "
                                 "the clashing Xero invoice or restoring an archived contact.")] = False,
) -> None:
    """Sync one day, or a range of days as one run."""
    first = _parse_date(date_, "--date")
    last = _parse_date(to, "--to") if to else first
    if last < first:
        raise typer.BadParameter(f"--to {last} is before --date {first}", param_hint="--to")
    from assets.runner import run_sync

    prepare_environment()
    ok = run_sync(first, last, dry_run=dry_run, console=console, resend_refused=resend_refused)
    raise typer.Exit(0 if ok else 1)


@app.command()
def demo(
    profile: Annotated[str, typer.Option(help="Generator profile for a first seed.")] = "demo",
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 42,
) -> None:
    """Seed the sandboxes if they are empty, sync the demo's days, and show what happened."""
    from assets.runner import run_demo

    _check_profile(profile)
    prepare_environment()
    ok = run_demo(profile=profile, seed=seed, console=console)
    raise typer.Exit(0 if ok else 1)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Start the Dagster UI (and its daemon, for the schedule) on the project's data folder."""
    prepare_environment()
    command = [sys.executable, "-m", "dagster", "dev", "-m", "assets.definitions", "-h", host, "-p", str(port)]
    console.print(f"Dagster UI on http://{host}:{port} — data folder {settings.data_home()}; Ctrl-C stops it.")
    # its own process group, so Ctrl-C and SIGTERM stop the webserver and daemon together
    process = subprocess.Popen(command, cwd=settings.PROJECT_ROOT, start_new_session=True)
    try:
        raise typer.Exit(process.wait())
    except KeyboardInterrupt:
        os.killpg(process.pid, signal.SIGTERM)
        raise typer.Exit(process.wait()) from None


@sandbox_app.command("serve")
def sandbox_serve(
    system: Annotated[str, typer.Argument(help="xero or auxo")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 0,
    state: Annotated[Path | None, typer.Option(help="State folder (default: the one the pipeline uses).")] = None,
    rate_limits: Annotated[bool | None, typer.Option("--rate-limits/--no-rate-limits",
                                                     help="Enforce Xero's real call limits.")] = None,
) -> None:
    """Serve a sandbox on 127.0.0.1 and print how to connect as one JSON line."""
    if system not in SYSTEMS:
        raise typer.BadParameter(f"{system!r}: choose xero or auxo", param_hint="SYSTEM")
    from sandbox.serve import serve

    state_dir = (state or settings.sandbox_state_dir(system)).resolve()
    if rate_limits is not None:
        if system != "xero":
            raise typer.BadParameter("--rate-limits applies to the Xero sandbox", param_hint="--rate-limits")
        from sandbox.xero import set_rate_limits

        set_rate_limits(state_dir, enabled=rate_limits)
    serve(system, port or _free_port(), state_dir)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@sandbox_app.command("seed")
def sandbox_seed(
    profile: Annotated[str, typer.Option(help="tiny, demo or large.")] = "demo",
    seed: Annotated[int, typer.Option(help="Generator seed (same seed, same data).")] = 42,
    end_date: Annotated[str | None, typer.Option(help="Last day of generated activity (default: yesterday).")] = None,
    force: Annotated[bool, typer.Option(help="Reset both sandboxes first.")] = False,
) -> None:
    """Fill both sandboxes with a generated workshop and write the expected outcome of a sync."""
    from assets.runner import seed_sandboxes

    _check_profile(profile)
    end = _parse_date(end_date, "--end-date") if end_date else None
    summary = seed_sandboxes(profile, seed, end, force=force, console=console)
    console.print(summary)


@sandbox_app.command("reset")
def sandbox_reset(
    system: Annotated[str, typer.Argument(help="xero, auxo or all")] = "all",
) -> None:
    """Delete a sandbox's state (the next use starts it afresh)."""
    chosen = SYSTEMS if system == "all" else (system,)
    for name in chosen:
        if name not in SYSTEMS:
            raise typer.BadParameter(f"{name!r}: choose xero, auxo or all", param_hint="SYSTEM")
        shutil.rmtree(settings.sandbox_state_dir(name), ignore_errors=True)
        console.print(f"reset the {name} sandbox ({settings.sandbox_state_dir(name)})")


def main() -> None:
    import warnings

    # Dagster marks some of the APIs this project relies on as beta/preview; that is for developers
    warnings.filterwarnings("ignore", message=".*is currently in (beta|preview).*")
    app()
