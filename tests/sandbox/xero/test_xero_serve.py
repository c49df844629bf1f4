"""``sandbox.serve.serve("xero", …)``: one JSON line on start, then any HTTP client can connect."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_serve_prints_connection_info_and_serves(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    state_dir = tmp_path / "served"
    script = ("import sys; from pathlib import Path; from sandbox.serve import serve; "
              "serve('xero', int(sys.argv[1]), Path(sys.argv[2]), rate_limits=True)")
    process = subprocess.Popen([sys.executable, "-c", script, str(port), str(state_dir)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        assert info["base_url"] == f"{base}/api.xro/2.0" and info["admin_url"] == f"{base}/admin"
        assert {"token_url", "connections_url", "client_id", "client_secret", "tenant_id", "refresh_token"} <= set(info)
        with httpx.Client(timeout=10) as client:
            for _ in range(100):  # the JSON line comes just before uvicorn binds the port
                try:
                    client.get(f"{base}/admin/clock")
                    break
                except httpx.ConnectError:
                    time.sleep(0.05)
            token = client.post(info["token_url"], data={
                "grant_type": "refresh_token", "refresh_token": info["refresh_token"],
                "client_id": info["client_id"], "client_secret": info["client_secret"]}).json()
            response = client.get(f"{info['base_url']}/Organisation", headers={
                "Authorization": f"Bearer {token['access_token']}", "xero-tenant-id": info["tenant_id"]})
            assert response.status_code == 200
            assert response.headers["X-MinLimit-Remaining"] == "59"  # --rate-limits: counted
            assert client.get(f"{base}/admin/config").json()["rate_limits"]["enabled"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (state_dir / "xero.sqlite3").exists()
