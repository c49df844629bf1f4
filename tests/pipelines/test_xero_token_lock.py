"""Two processes refreshing one rotating Xero refresh token at once: neither loses the connection,
and no token is ever spent twice (the refresh runs under the file lock beside the token store and
re-reads the store once the lock is held)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sandbox.xero
from pipelines.xero.auth import TokenStore, XeroCredentials
from pipelines.xero.client import XeroClient, XeroEndpoints
from sandbox.embedded import forget_apps, transport
from sandbox.xero import state
from sandbox.xero.app import connection_info

REFRESHES = 6
WORKER = """
import sys, time
from pathlib import Path
from pipelines.http import RetryPolicy
from pipelines.xero.auth import XeroCredentials
from pipelines.xero.client import XeroClient, XeroEndpoints
from sandbox.embedded import transport

state_dir, secrets, go, client_id, secret, refresh, tenant, refreshes = sys.argv[1:9]
base = "http://xero.sandbox"
client = XeroClient(XeroCredentials(client_id, secret, refresh), tenant_id=tenant,
                    endpoints=XeroEndpoints(f"{base}/api.xro/2.0", f"{base}/connect/token", f"{base}/connections"),
                    transport=transport("xero", Path(state_dir)), secrets_dir=Path(secrets),
                    retry=RetryPolicy(attempts=3, base_delay=0.01))
client.organisation()  # warm up (imports, first refresh) before the race
while not Path(go).exists():
    time.sleep(0.005)
for _ in range(int(refreshes)):
    client._tokens.invalidate()  # as if the access token had expired: refresh now
    assert client.organisation()["Name"]
print("ok")
"""


def test_two_processes_refresh_at_once_and_neither_loses_the_connection(tmp_path: Path) -> None:
    state_dir, secrets, go = tmp_path / "xero", tmp_path / "secrets", tmp_path / "go"
    info = connection_info(state_dir, "http://xero.sandbox")
    args = [str(state_dir), str(secrets), str(go), info["client_id"], info["client_secret"], info["refresh_token"],
            info["tenant_id"], str(REFRESHES)]
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        time.sleep(0.5)
        go.touch()
        outcomes = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (out, err) in zip(workers, outcomes, strict=True):
        assert worker.returncode == 0 and out.strip() == "ok", err[-3000:]
    with sqlite3.connect(state_dir / "xero.sqlite3") as db:
        parents = [row[0] for row in db.execute("SELECT parent FROM token_rotations")]
    assert len(parents) == 2 * (REFRESHES + 1)  # every refresh of both processes happened
    assert len(set(parents)) == len(parents)  # and none presented a token another had spent
    # the stored token is the newest and still works for a third process
    store = TokenStore(secrets, info["client_id"])
    newest = store.current(info["refresh_token"])
    assert newest not in parents
    base = "http://xero.sandbox"
    client = XeroClient(XeroCredentials(info["client_id"], info["client_secret"], info["refresh_token"]),
                        tenant_id=info["tenant_id"], secrets_dir=secrets, transport=transport("xero", state_dir),
                        endpoints=XeroEndpoints(f"{base}/api.xro/2.0", f"{base}/connect/token",
                                                f"{base}/connections"))
    assert client.organisation()["Name"]
    assert sandbox.xero.credentials(state_dir)["tenant_id"] == info["tenant_id"]
    forget_apps()
    state.forget()
