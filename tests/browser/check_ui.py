"""The Dagster UI in a real headless browser, on the demo data.

    .venv/bin/python tests/browser/check_ui.py [--profile tiny|demo] [--out docs/img] [--keep]
    (make browser-check)

1. installs Debian's ``chromium`` with apt when it is missing;
2. seeds the sandboxes and runs ``auxo-xero demo`` in a temporary data folder (its own Dagster
   instance, so the run shows in the UI);
3. starts ``dagster-webserver`` on it in its own process group (no daemon: nothing runs by itself);
4. drives headless Chromium over the DevTools protocol (``websockets``, already installed) and checks
   that the asset graph, the partitions of ``recon/views`` with the demo's days materialised, and a
   failing check on ``recon/views`` with its offending documents are visible — writing screenshots
   to ``--out`` (asset-graph, recon-lineage, recon-partitions, recon-checks, recon-check-rows).

Exit status 0 when everything was seen. Not part of ``make test``: it needs apt (or chromium) and
about two minutes.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                  "--hide-scrollbars", "--mute-audio", "--window-size=1600,1000")
CLICK_TEXT_JS = """(() => {
  const want = WANT;
  const hits = [...document.querySelectorAll('body *')]
    .filter(e => e.offsetParent !== null && e.innerText && e.innerText.trim() === want);
  const inner = hits.filter(e => !hits.some(o => o !== e && e.contains(o)));
  if (!inner.length) return false;
  inner[0].click();
  return true;
})()"""
VIEWPORT = {"width": 1600, "height": 1000, "deviceScaleFactor": 1, "mobile": False}


def say(message: str) -> None:
    print(f"[browser-check] {message}", flush=True)


def chromium_binary() -> str:
    """Debian's chromium, installed with apt if it is not there yet."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    say("chromium is missing: installing Debian's chromium package with apt")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run([*sudo, *command], check=True, env=env)
    found = shutil.which("chromium")
    if not found:
        raise SystemExit("chromium is still missing after apt-get install chromium")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe: Callable[[], Any], timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except Exception:  # not up yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


@contextmanager
def process_group(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A process in its own session (so one signal stops its children too), stopped on exit."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


class Page:
    """One Chromium tab over the DevTools protocol: navigate, read the page's text, screenshot."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.next_id = 0
        self.call("Page.enable")
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

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''",
                           returnByValue=True)
        return result.get("result", {}).get("value", "") or ""

    def wait_for_text(self, needles: list[str], timeout: float = 90) -> str:
        def seen() -> str | None:
            text = self.text()
            return text if all(needle in text for needle in needles) else None

        try:
            return wait_for(f"page showing {needles}", seen, timeout)
        except TimeoutError:
            raise AssertionError(f"the page never showed {needles}; it showed:\n{self.text()[:3000]}") from None

    def click_text(self, text: str) -> bool:
        """Click the innermost element whose text is exactly ``text`` (True when there was one)."""
        script = CLICK_TEXT_JS.replace("WANT", json.dumps(text))
        return bool(self.call("Runtime.evaluate", expression=script, returnByValue=True)
                    .get("result", {}).get("value"))

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        say(f"screenshot {path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else path}")


def run_demo(env: dict[str, str], profile: str, log: Path) -> None:
    say(f"seeding the '{profile}' workshop and syncing it (auxo-xero demo) in {env['AUXO_XERO_HOME']}")
    started = time.monotonic()
    with log.open("wb") as out:
        finished = subprocess.run([str(BIN / "auxo-xero"), "demo", "--profile", profile], cwd=PROJECT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    # the demo's planted problems make a check fail, not the run; a failed run is still worth seeing
    say(f"demo finished in {time.monotonic() - started:.0f} s (exit {finished.returncode}); log {log}")


def demo_days(home: Path) -> tuple[str, str]:
    summary = json.loads((home / "expected" / "summary.json").read_text())
    return summary["sync_start_date"], summary["end_date"]


def check(args: argparse.Namespace) -> None:
    chromium = chromium_binary()
    work = Path(tempfile.mkdtemp(prefix="auxo-xero-browser-"))
    home = Path(args.data).resolve() if args.data else work / "data"
    env = {**os.environ, "AUXO_XERO_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "RUNTIME__DLTHUB_TELEMETRY": "false"}
    for name in ("XERO_API_URL", "AUXO_API_URL"):  # always the embedded sandboxes
        env.pop(name, None)
    try:
        if not args.data:
            run_demo(env, args.profile, work / "demo.log")
        first, last = demo_days(home)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = [str(BIN / "dagster-webserver"), "-m", "assets.definitions", "-h", "127.0.0.1", "-p", str(port)]
        with process_group(server, env, work / "webserver.log") as webserver:
            wait_for("the Dagster webserver", lambda: webserver.poll() is None
                     and httpx.get(f"{base}/server_info", timeout=2).status_code == 200, 120)
            say(f"webserver up on {base}")
            profile_dir = work / "chromium"
            browser_cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "--remote-debugging-port=0",
                           "about:blank"]
            with process_group(browser_cmd, env, work / "chromium.log"):
                port_file = profile_dir / "DevToolsActivePort"
                devtools = wait_for("chromium's DevTools port", lambda: port_file.read_text().split()[0], 60)
                targets = httpx.get(f"http://127.0.0.1:{devtools}/json/list", timeout=10).json()
                ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
                with connect(ws_url, max_size=None, open_timeout=30) as socket:
                    visit(Page(socket), base, first, last, Path(args.out).resolve())
        say("OK: the asset graph, the partitions of recon/views and a failing check are visible")
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def visit(page: Page, base: str, first: str, last: str, out: Path) -> None:
    # 1. the asset graph: the groups from extraction to reconciliation
    page.open(f"{base}/asset-groups")
    page.wait_for_text(["Global asset lineage", "extract", "staging", "contacts", "invoices", "inventory", "sync",
                        "recon"])
    time.sleep(1)
    if page.click_text("Skip"):  # Dagster's one-time newsletter prompt
        time.sleep(1)
    time.sleep(2)  # the graph's layout animation
    page.screenshot(out / "asset-graph.png")
    say("asset graph: extract → staging → contacts, invoices, inventory → sync → recon")

    page.open(f"{base}/assets/recon/views?view=lineage")
    page.wait_for_text(["xero_writes", "auxo_writes", "inventory_movements_by_day", "Asset checks"])
    time.sleep(2)
    page.screenshot(out / "recon-lineage.png")
    say("recon/views downstream of both sinks, with its checks' status")

    # 2. a partition's status: recon/views materialised for the demo's days; the last day's metadata
    page.open(f"{base}/assets/recon/views?view=partitions")
    text = page.wait_for_text(["Partitions Selected", "Materialized (", first, last])
    assert "Materialized (0)" not in text, text[:2000]
    assert page.click_text(last), f"no partition {last} to click"
    page.wait_for_text(["documents_in_step", "day_verdicts", "problems"], timeout=30)
    time.sleep(1)
    page.screenshot(out / "recon-partitions.png")
    say(f"partitions of recon/views: {first} … {last} materialised; {last} shows its verdict and problems")

    # 3. a failing check: every_document_in_xero_once, with the documents in its metadata
    page.open(f"{base}/assets/recon/views?view=checks")
    text = page.wait_for_text(["every_document_in_xero_once", "totals_equal_to_the_cent", "Evaluation result"])
    assert "Failed" in text, text[:2000]
    assert page.click_text("every_document_in_xero_once")
    page.wait_for_text(["documents_not_once", "Failed"], timeout=30)
    time.sleep(1)
    page.screenshot(out / "recon-checks.png")
    if page.click_text("[Show Markdown]"):  # the documents behind the failure
        page.wait_for_text(["reason", "what_to_do"], timeout=30)
        time.sleep(1)
        page.screenshot(out / "recon-check-rows.png")
    say("checks of recon/views: every_document_in_xero_once failing, with the documents and their reasons")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="demo", choices=("tiny", "demo"), help="generator profile to seed")
    parser.add_argument("--out", default=str(PROJECT / "docs" / "img"), help="folder for the screenshots")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder and logs")
    parser.add_argument("--data", help="use this data folder, already synced (e.g. .data after make demo), "
                                       "instead of seeding a temporary one")
    check(parser.parse_args())


if __name__ == "__main__":
    main()
