"""The month-end report (recon/month_report) in a real headless browser, on the demo data.

    .venv/bin/python tests/browser/check_report.py [--profile tiny|demo] [--out docs/img] [--keep] [--data DIR]
    (make browser-check runs it before tests/browser/check_ui.py)

1. installs Debian's ``chromium`` with apt when it is missing (as check_ui.py does);
2. seeds the sandboxes and runs ``auxo-xero demo`` in a temporary data folder; the demo writes its
   month's report and prints its path, which this reads from the demo's output;
3. opens that file in headless Chromium (a new empty profile, no network services) over the DevTools
   protocol and fails if the page logs a console error or throws, asks for anything over the network,
   or a chart is missing (every ``figure.chart`` image decoded, as many as the page says it has, the
   calendar, the six accounts and the API calls among them);
4. writes screenshots to ``--out``: report-calendar, report-accounts, report-documents, report-budget;
5. starts ``dagster-webserver`` on the same data folder and checks that ``recon/month_report``'s
   materialisation shows its headline numbers and the heat-map inline (the image decoded from its
   ``data:`` URI): screenshot report-in-dagster.

Exit status 0 when the report was complete. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_ui import BIN, PROJECT, Page, chromium_binary, free_port, process_group, say, wait_for

# the flags the brief of the UI check uses, plus no QUIC (nothing here needs the network at all)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio", "--window-size=1100,1000")
VIEWPORT = {"width": 1100, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
REPORT_LINE = re.compile(r"The books check for (?P<month>.+?): (?P<path>\S+\.html)")
EXPECTED_CHARTS = ("heat-map", "account-accounts_receivable", "account-payment_clearing", "account-cogs",
                   "account-stock_on_hand", "account-work_in_progress", "account-stock_adjustment", "api-budget")
CHARTS_JS = """(() => {
  const figures = [...document.querySelectorAll('figure.chart')];
  return {
    declared: Number(document.body.dataset.charts || 0),
    charts: figures.map(f => {
      const img = f.querySelector('img');
      return {name: f.dataset.chart, drawn: !!img && img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
              width: img ? img.naturalWidth : 0};
    }),
    sections: [...document.querySelectorAll('h2')].map(h => h.id),
  };
})()"""


class RecordingPage(Page):
    """A tab that also keeps the events it is sent: console messages, exceptions, network requests."""

    def __init__(self, socket: Any) -> None:
        self.events: list[dict[str, Any]] = []
        super().__init__(socket)
        for domain in ("Runtime.enable", "Log.enable", "Network.enable"):
            self.call(domain)
        self.call("Emulation.setDeviceMetricsOverride", **VIEWPORT)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                         awaitPromise=True).get("result", {}).get("value")

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and requests that left the file (data: URIs stay in it)."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console error: " + " ".join(str(a.get("value", a.get("description", "")))
                                                          for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + params.get("exceptionDetails", {}).get("text", "?"))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append("log error: " + params["entry"].get("text", "?"))
            elif method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"network request: {url}")
        return found

    def screenshot_at(self, element_id: str | None, path: Path) -> None:
        script = ("window.scrollTo(0, 0)" if element_id is None else
                  f"document.getElementById({json.dumps(element_id)}).scrollIntoView({{block: 'start'}})")
        self.evaluate(script)
        time.sleep(0.3)
        self.screenshot(path)


def run_demo(env: dict[str, str], profile: str, log: Path) -> Path:
    say(f"seeding the '{profile}' workshop and syncing it (auxo-xero demo) in {env['AUXO_XERO_HOME']}")
    started = time.monotonic()
    finished = subprocess.run([str(BIN / "auxo-xero"), "demo", "--profile", profile], cwd=PROJECT, env=env,
                              capture_output=True, text=True)
    log.write_text(finished.stdout + finished.stderr)
    say(f"demo finished in {time.monotonic() - started:.0f} s (exit {finished.returncode}); log {log}")
    found = REPORT_LINE.search(finished.stdout + finished.stderr)
    if not found:
        raise SystemExit(f"the demo did not print the path of its month's report; its log: {log}")
    return Path(found.group("path"))


def existing_report(home: Path) -> Path:
    """The newest report in an existing data folder (``--data``)."""
    reports = list((home / "reports").glob("*/*.html"))
    if not reports:
        raise SystemExit(f"no report under {home / 'reports'}: run auxo-xero demo (or auxo-xero report --month "
                         "YYYY-MM) in that data folder first")
    return max(reports, key=lambda path: path.stat().st_mtime)


def check(args: argparse.Namespace) -> None:
    chromium = chromium_binary()
    work = Path(tempfile.mkdtemp(prefix="auxo-xero-report-"))
    home = Path(args.data).resolve() if args.data else work / "data"
    env = {**os.environ, "AUXO_XERO_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "RUNTIME__DLTHUB_TELEMETRY": "false"}
    for name in ("XERO_API_URL", "AUXO_API_URL"):  # always the embedded sandboxes
        env.pop(name, None)
    try:
        report = existing_report(home) if args.data else run_demo(env, args.profile, work / "demo.log")
        if not report.is_file():
            raise SystemExit(f"the demo printed {report}, but there is no such file")
        say(f"report {report} ({report.stat().st_size / 1024:.0f} KiB)")
        profile_dir = work / "chromium"
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "--remote-debugging-port=0",
                   "about:blank"]
        with process_group(command, env, work / "chromium.log"):
            port_file = profile_dir / "DevToolsActivePort"
            devtools = wait_for("chromium's DevTools port", lambda: port_file.read_text().split()[0], 60)
            targets = httpx.get(f"http://127.0.0.1:{devtools}/json/list", timeout=10).json()
            ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            with connect(ws_url, max_size=None, open_timeout=30) as socket:
                page = RecordingPage(socket)
                visit(page, report, Path(args.out).resolve())
                in_dagster(page, env, work, Path(args.out).resolve())
        say("OK: the report opened with every chart drawn, no console error and no network request; "
            "the Dagster UI shows its heat-map")
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def visit(page: RecordingPage, report: Path, out: Path) -> None:
    page.open(report.as_uri())
    page.wait_for_text(["Books check", "The month at a glance", "Accounts: Auxo against Xero",
                        "Documents not in step", "API calls used", "The ledger"])
    wait_for("the page to finish loading", lambda: page.evaluate("document.readyState") == "complete", 30)
    seen = page.evaluate(CHARTS_JS)
    names = [chart["name"] for chart in seen["charts"]]
    missing = [name for name in EXPECTED_CHARTS if name not in names]
    undrawn = [chart["name"] for chart in seen["charts"] if not chart["drawn"]]
    assert not missing, f"charts missing from the report: {missing} (found {names})"
    assert not undrawn, f"charts that did not draw: {undrawn}"
    assert len(names) == seen["declared"], f"the page declares {seen['declared']} charts but has {len(names)}"
    assert {"calendar", "accounts", "documents", "budget", "ledger"} <= set(seen["sections"]), seen["sections"]
    say(f"{len(names)} charts drawn: {', '.join(names)}")
    page.screenshot_at(None, out / "report-calendar.png")
    page.screenshot_at("accounts", out / "report-accounts.png")
    page.screenshot_at("documents", out / "report-documents.png")
    page.screenshot_at("budget", out / "report-budget.png")
    time.sleep(0.5)  # late console messages
    page.call("Runtime.evaluate", expression="1")
    problems = page.problems()
    assert not problems, "the report page had problems:\n" + "\n".join(problems)


IMAGES_JS = "JSON.stringify([...document.querySelectorAll('img')].filter(i => i.src.startsWith('data:image/png'))" \
            ".map(i => i.complete ? i.naturalWidth : 0))"


def in_dagster(page: RecordingPage, env: dict[str, str], work: Path, out: Path) -> None:
    """recon/month_report in the Dagster UI: the headline numbers, and the heat-map from the metadata."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = [str(BIN / "dagster-webserver"), "-m", "assets.definitions", "-h", "127.0.0.1", "-p", str(port)]
    with process_group(server, env, work / "webserver.log") as webserver:
        wait_for("the Dagster webserver", lambda: webserver.poll() is None
                 and httpx.get(f"{base}/server_info", timeout=2).status_code == 200, 120)
        page.open(f"{base}/assets/recon/month_report")
        page.wait_for_text(["days_tying_out", "documents_not_in_step", "writes_confirmed", "heat_map", "report"])
        time.sleep(1)
        if page.click_text("Skip"):  # Dagster's one-time newsletter prompt
            time.sleep(1)
        assert page.click_text("[Show Markdown]"), "the heat_map metadata has no markdown to show"
        drawn = wait_for("the heat-map in the metadata", lambda: [w for w in json.loads(page.evaluate(IMAGES_JS))
                                                                  if w > 0], 30)
        say(f"Dagster UI: recon/month_report's heat-map drawn inline ({drawn[0]} px wide)")
        time.sleep(0.5)
        page.screenshot(out / "report-in-dagster.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="demo", choices=("tiny", "demo"), help="generator profile to seed")
    parser.add_argument("--out", default=str(PROJECT / "docs" / "img"), help="folder for the screenshots")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder and logs")
    parser.add_argument("--data", help="use this data folder, already synced and reported (e.g. .data after make "
                                       "demo), instead of seeding a temporary one")
    check(parser.parse_args())


if __name__ == "__main__":
    main()
