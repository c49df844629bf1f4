"""The Dagster UI's webserver, started on the definitions, shows every asset, the partitions and the schedule."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.assets.test_definitions import PROJECT, current_keys

QUERY = """
{
  assetNodes { assetKey { path } isPartitioned partitionDefinition { description } }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { name schedules { name cronSchedule executionTimezone } } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_webserver_serves_the_asset_graph(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "AUXO_XERO_HOME": str(tmp_path / "data")}
    server = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-m", "assets.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the webserver did not start within 90 s"
            time.sleep(0.3)
        data = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=30).json()["data"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    shown = sorted("/".join(node["assetKey"]["path"]) for node in data["assetNodes"])
    assert shown == current_keys()
    partitioned = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"] if n["isPartitioned"]}
    assert "sync/xero_writes" in partitioned and "raw/xero/invoices" not in partitioned
    description = next(n["partitionDefinition"]["description"] for n in data["assetNodes"] if n["isPartitioned"])
    assert "Daily" in description
    schedules = [s for repo in data["repositoriesOrError"]["nodes"] for s in repo["schedules"]]
    assert schedules == [{"name": "nightly_sync", "cronSchedule": "0 2 * * *",
                          "executionTimezone": "Australia/Sydney"}]
