"""``auxo-xero``: the command line of the sync.

    auxo-xero demo                      seed the sandboxes if empty, sync the demo days, summarise
    auxo-xero sync [--date D [--to D2]] [--dry-run] [--resend-refused] [--restage]   no date: catch up
    auxo-xero report --month 2026-11    the month-end books check, as an HTML file under the data folder
    auxo-xero ui [--port 3000]          the Dagster UI (and its daemon) on the same data folder
    auxo-xero daemon                    Dagster's daemon alone (schedule, sensors, run queue), in the foreground
    auxo-xero automation on|off|status  the nightly schedule and every sensor, in this data folder's instance
    auxo-xero sandbox serve xero|auxo [--port P] [--state DIR] [--rate-limits] [--tier starter]
    auxo-xero sandbox seed [--profile demo] [--seed 42] [--history-days N]
    auxo-xero sandbox reset [xero|auxo|all]
    auxo-xero connect xero [--tenant T] [--port P] [--no-browser] [--custom-connection]
    auxo-xero connect auxo
    auxo-xero webhooks --port P [--host 127.0.0.1]   receive Xero's signed webhooks (XERO_WEBHOOK_KEY)
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from pipelines import settings

if TYPE_CHECKING:
    from assets.recon.month_report import Month

app = typer.Typer(help="Keep an Auxo Workshop account and a Xero organisation in step.", no_args_is_help=True,
                  add_completion=False)
sandbox_app = typer.Typer(help="The local Xero and Auxo sandboxes.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
connect_app = typer.Typer(help="Connect a real Xero organisation or Auxo account, and check it.",
                          no_args_is_help=True)
app.add_typer(connect_app, name="connect")
console = Console(stderr=True, soft_wrap=True)  # a problem is one line, however long: grep-able in a log
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


def check_settings() -> None:
    """Stop before any run on a setting that cannot work, naming it and what it accepts."""
    from pipelines.connections import XeroSettings
    from pipelines.xero.budget import TierError

    try:
        XeroSettings().limits()
    except TierError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)  # a message may name "[xero] tier"
        raise typer.Exit(2) from None


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


def _catch_up() -> tuple[date, date]:
    import dagster as dg

    from assets.automation import today_in_organisation
    from assets.runner import catch_up_days

    with dg.DagsterInstance.get() as instance:
        days = catch_up_days(instance, today_in_organisation(datetime.now(UTC)))
    if days is None:
        raise typer.BadParameter("no day has been synced in this data folder yet, so there is nothing to catch up "
                                 "from: give the first day, e.g. --date <your sync start date> --to <today>",
                                 param_hint="--date")
    return days


@app.command()
def sync(
    date_: Annotated[str | None, typer.Option(
        "--date", help="First business date to sync (YYYY-MM-DD). Without it: catch up, from the day after the "
                       "last one synced through today.")] = None,
    to: Annotated[str | None, typer.Option(help="Last business date, for a range synced as one run.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and record every write in the ledger "
                                                            "as 'planned', send nothing.")] = False,
    resend_refused: Annotated[bool, typer.Option(
        "--resend-refused", help="Send again, as they are, the writes Xero or Auxo refused (sync.sync_errors, "
                                 "class needs_person): after fixing the cause in that system, e.g. renumbering "
                                 "the clashing Xero invoice or restoring an archived contact.")] = False,
    restage: Annotated[bool, typer.Option(
        "--restage", help="Rebuild every staging table from all of the raw data instead of merging only what "
                          "this run extracted (a run does that by itself when a staging definition changed).")] = False,
) -> None:
    """Sync one day, a range of days as one run, or (no --date) every day since the last one synced."""
    from assets.runner import run_sync

    if date_ is None and to:
        raise typer.BadParameter("--to needs --date (the first day of the range)", param_hint="--to")
    if date_ is not None:
        first = _parse_date(date_, "--date")
        last = _parse_date(to, "--to") if to else first
        if last < first:
            raise typer.BadParameter(f"--to {last} is before --date {first}", param_hint="--to")
    check_settings()
    prepare_environment()
    if date_ is None:
        first, last = _catch_up()  # needs the Dagster instance prepare_environment points at
    ok = run_sync(first, last, dry_run=dry_run, console=console, resend_refused=resend_refused, restage=restage)
    raise typer.Exit(0 if ok else 1)


@app.command()
def demo(
    profile: Annotated[str, typer.Option(help="Generator profile for a first seed.")] = "demo",
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 42,
) -> None:
    """Seed the sandboxes if they are empty, sync the demo's days, and show what happened."""
    from assets.runner import run_demo

    _check_profile(profile)
    check_settings()
    prepare_environment()
    ok = run_demo(profile=profile, seed=seed, console=console)
    raise typer.Exit(0 if ok else 1)


def _parse_month(value: str, option: str = "--month") -> Month:
    """A month of the report's partitions (from the partitions' start through the current month)."""
    from assets.automation import today_in_organisation
    from assets.partitions import PARTITIONS_START
    from assets.recon.month_report import Month, parse_month

    try:
        month = parse_month(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None
    first = Month.containing(date.fromisoformat(PARTITIONS_START))
    current = Month.containing(today_in_organisation(datetime.now(UTC)))
    if not first.first <= month.first <= current.first:
        raise typer.BadParameter(f"{value}: the report covers the months from {first.label} (the partitions' "
                                 f"start) through {current.label} (this month); use YYYY-MM in that range",
                                 param_hint=option)
    return month


@app.command()
def report(
    month: Annotated[str, typer.Option(help="The month to check, YYYY-MM (e.g. 2026-11).")],
) -> None:
    """Write the month-end books check for a month: one HTML file (calendar, accounts, documents not in
    step, API calls, the ledger's figures) under <data folder>/reports/<connection>/<YYYY-MM>.html."""
    from assets.runner import run_month_report

    chosen = _parse_month(month)
    prepare_environment()
    path = run_month_report(chosen, console)
    if path is not None:
        typer.echo(str(path))
    raise typer.Exit(0 if path is not None else 1)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Start the Dagster UI (and its daemon, for the schedule) on the project's data folder."""
    from assets.automation_control import ui_command

    prepare_environment()
    console.print(f"Dagster UI on http://{host}:{port} — data folder {settings.data_home()}; Ctrl-C stops it.")
    raise typer.Exit(_foreground(ui_command(host, port)))


def _foreground(command: list[str]) -> int:
    """Run a Dagster process tree in its own process group until it ends, or until Ctrl-C or SIGTERM here stops
    all of it cleanly. Started in the background (``cmd &``, a service), this process may have inherited
    SIGINT as *ignored*, and Dagster then ignores SIGTERM too (it maps SIGTERM to SIGINT's handler): handling
    both here first means the child starts with the default SIGINT and obeys the SIGTERM sent to its group."""

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    process = subprocess.Popen(command, cwd=settings.PROJECT_ROOT, start_new_session=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            return process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@sandbox_app.command("serve")
def sandbox_serve(
    system: Annotated[str, typer.Argument(help="xero or auxo")],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 0,
    state: Annotated[Path | None, typer.Option(help="State folder (default: the one the pipeline uses).")] = None,
    rate_limits: Annotated[bool | None, typer.Option("--rate-limits/--no-rate-limits",
                                                     help="Enforce Xero's real call limits.")] = None,
    tier: Annotated[str | None, typer.Option(help="The Xero organisation's tier: starter (1,000 calls a day) "
                                                  "or another (standard, premium, …: 5,000).")] = None,
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
    if tier is not None:
        if system != "xero":
            raise typer.BadParameter("--tier applies to the Xero sandbox", param_hint="--tier")
        from sandbox.xero import set_tier

        try:
            set_tier(state_dir, tier)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--tier") from None
    serve(system, port or _free_port(), state_dir)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@sandbox_app.command("seed")
def sandbox_seed(
    profile: Annotated[str, typer.Option(help="tiny, demo, medium or large.")] = "demo",
    seed: Annotated[int, typer.Option(help="Generator seed (same seed, same data).")] = 42,
    end_date: Annotated[str | None, typer.Option(help="Last day of generated activity (default: yesterday).")] = None,
    history_days: Annotated[int | None, typer.Option(
        "--history-days", help="Days already synced before the unsynced ones: their documents in both systems, "
                               "the Xero ids in Auxo (default: the profile's own, e.g. 30 for medium).")] = None,
    force: Annotated[bool, typer.Option(help="Reset both sandboxes first.")] = False,
) -> None:
    """Fill both sandboxes with a generated workshop and write the expected outcome of a sync."""
    from assets.runner import seed_sandboxes
    from sandbox.generator.profiles import MAX_SYNCED_DAYS, MIN_SYNCED_DAYS

    _check_profile(profile)
    end = _parse_date(end_date, "--end-date") if end_date else None
    if history_days is not None and not MIN_SYNCED_DAYS <= history_days <= MAX_SYNCED_DAYS:
        raise typer.BadParameter(f"{history_days}: give {MIN_SYNCED_DAYS} to {MAX_SYNCED_DAYS} days (the generator "
                                 f"plants a period-locked invoice that needs {MIN_SYNCED_DAYS} synced days)",
                                 param_hint="--history-days")
    summary = seed_sandboxes(profile, seed, end, force=force, console=console, history_days=history_days)
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


@connect_app.command("xero")
def connect_xero(
    tenant: Annotated[str | None, typer.Option(help="The organisation to use (tenant id or name) when "
                                                    "several are connected; otherwise you are asked.")] = None,
    port: Annotated[int, typer.Option(help="Port of the local callback (redirect URI "
                                           "http://localhost:PORT/callback, registered with the app); "
                                           "0 picks a free one.")] = 8765,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the sign-in address instead of "
                                                                  "opening a browser.")] = False,
    custom_connection: Annotated[bool, typer.Option("--custom-connection", help="The app is a Custom "
                                                    "Connection: client credentials, no browser.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for Xero's redirect.")] = 300.0,
) -> None:
    """Connect a Xero organisation: sign in and consent in the browser (or check a Custom Connection),
    keep the refresh token under the data folder, and read the organisation to prove it works."""
    from pipelines.connections import XeroSettings
    from pipelines.xero.auth import XeroCredentials
    from pipelines.xero.client import XeroEndpoints
    from pipelines.xero.connect import ConnectError, ConnectTarget, connect_custom_connection, connect_web_app

    config = XeroSettings()
    if config.embedded:
        raise typer.BadParameter(
            "XERO_API_URL is not set, so the sync uses the embedded Xero sandbox, which needs no connection. "
            "For real Xero set XERO_API_URL=https://api.xero.com/api.xro/2.0, XERO_CLIENT_ID and "
            "XERO_CLIENT_SECRET (docs/runbook.md)", param_hint="XERO_API_URL")
    try:
        credentials = XeroCredentials(config.client_id, config.client_secret.get_secret_value(),
                                      scopes=config.scopes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="XERO_CLIENT_ID / XERO_CLIENT_SECRET") from None
    target = ConnectTarget(credentials, XeroEndpoints(config.api_url.rstrip("/"), config.token_url,
                                                      config.connections_url),
                           authorize_url=config.authorize_url, secrets_dir=settings.secrets_dir(),
                           configured_refresh_token=config.refresh_token.get_secret_value() or None)

    def choose(organisations: list[dict]) -> dict:
        for number, org in enumerate(organisations, 1):
            console.print(f"  {number}. {org.get('tenantName')}  ({org.get('tenantId')})")
        picked = typer.prompt(f"Which organisation should the sync use? [1-{len(organisations)}]", type=int,
                              err=True)
        if not 1 <= picked <= len(organisations):
            raise ConnectError(f"{picked} is not one of 1-{len(organisations)}")
        return organisations[picked - 1]

    try:
        if custom_connection:
            result = connect_custom_connection(target, tenant=tenant)
        else:
            result = connect_web_app(target, port=port, tenant=tenant, open_browser=not no_browser,
                                     timeout=timeout, say=console.print, choose=choose)
    except ConnectError as exc:
        console.print(f"[red]Not connected:[/red] {exc}")
        raise typer.Exit(1) from None
    kind = "Custom Connection (client credentials)" if result.custom_connection else "refresh token stored"
    console.print(f"Connected to [bold]{result.organisation_name}[/bold] ({kind}); scopes: {result.scope}")
    console.print("Set, in the environment or .dlt/secrets.toml [xero]:")
    console.print(f"  XERO_API_URL={config.api_url}\n  XERO_CLIENT_ID={config.client_id}\n"
                  "  XERO_CLIENT_SECRET=<the app's secret>\n  XERO_TENANT_ID=" + result.tenant_id)
    if not result.custom_connection:
        console.print(f"The refresh token is kept (0600) under {settings.secrets_dir()}; it rotates on every "
                      "use. Do not set XERO_REFRESH_TOKEN.")
    typer.echo(result.tenant_id)


@connect_app.command("auxo")
def connect_auxo() -> None:
    """Check the Auxo API key and show which Auxo account it opens (``GET /account``)."""
    from assets.resources import build_auxo_client
    from pipelines.connections import AuxoSettings
    from pipelines.http import ApiError

    config = AuxoSettings()
    try:
        with build_auxo_client(config) as client:
            account = client.get("account")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="AUXO_API_KEY") from None
    except ApiError as exc:
        console.print(f"[red]Not connected:[/red] {exc}")
        raise typer.Exit(1) from None
    where = "the embedded Auxo sandbox" if config.embedded else config.api_url
    console.print(f"Connected to Auxo account [bold]{account.get('name')}[/bold] (id {account.get('id')}, "
                  f"timezone {account.get('timezone')}) at {where}")
    typer.echo(account.get("id"))


@app.command()
def webhooks(
    port: Annotated[int, typer.Option(help="Port to listen on (behind the TLS proxy Xero reaches).")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Receive Xero's webhooks: check each POST's x-xero-signature with XERO_WEBHOOK_KEY, store its events
    under the data folder before answering 200 (401 when the signature is wrong), for the
    xero_webhook_events sensor to turn into sync runs."""
    from pipelines.connections import SettingsError
    from pipelines.xero import webhooks as xero_webhooks

    try:
        key = xero_webhooks.configured_key()
    except SettingsError as exc:  # markup off: the message names "[xero] …" sections
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(2) from None
    if not key:
        console.print(xero_webhooks.MISSING_KEY, style="red", markup=False, highlight=False)
        raise typer.Exit(2)
    if not 0 < port < 65536:
        raise typer.BadParameter(f"{port} is not a port: give 1-65535", param_hint="--port")
    store = settings.webhook_events_path()
    console.print(f"Receiving Xero webhooks on http://{host}:{port}/ — events stored in {store}; Ctrl-C stops it.")
    xero_webhooks.serve(key, store, host=host, port=port)


# ---------------------------------------------------------------- automation: the daemon, on/off


@app.command()
def daemon() -> None:
    """Run Dagster's daemon in the foreground on the project's data folder — the nightly schedule, the sensors
    and the run queue — without the UI. Ctrl-C or SIGTERM stops it. Turn the automation on first."""
    from assets.automation_control import daemon_command

    check_settings()
    prepare_environment()
    console.print(f"Dagster daemon on data folder {settings.data_home()} (schedule, sensors, run queue); "
                  "Ctrl-C stops it. `auxo-xero automation status` shows what is on.")
    raise typer.Exit(_foreground(daemon_command()))


AUTOMATION_ACTIONS = ("on", "off", "status")


@app.command()
def automation(
    action: Annotated[str, typer.Argument(help="on, off or status")] = "status",
) -> None:
    """Turn the nightly schedule and every sensor on or off in this data folder's Dagster instance, or show
    each one's state and last tick. They act only while `auxo-xero daemon` (or `auxo-xero ui`) runs."""
    if action not in AUTOMATION_ACTIONS:
        raise typer.BadParameter(f"{action!r}: choose on, off or status", param_hint="ACTION")
    import dagster as dg

    from assets.automation_control import automation_status, set_automation

    prepare_environment()
    with dg.DagsterInstance.get() as instance:
        states = automation_status(instance) if action == "status" else set_automation(instance, action == "on")
    for state in states:
        tick = "never ticked"
        if state.last_tick:
            tick = f"last tick {state.last_tick:%Y-%m-%d %H:%M:%S} UTC {state.last_tick_status}"
            tick += f": {state.last_tick_note}" if state.last_tick_note else ""
        typer.echo(f"{state.kind:8} {state.name:28} {'on' if state.running else 'off':3}  {tick}")


def main() -> None:
    import warnings

    # Dagster marks some of the APIs this project relies on as beta/preview; that is for developers
    warnings.filterwarnings("ignore", message=".*is currently in (beta|preview).*")
    app()
