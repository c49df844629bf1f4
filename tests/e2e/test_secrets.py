"""No secret reaches anything the deployment writes.

The demo runs as a person would run it against real systems: ``auxo-xero demo --profile tiny`` in a
process of its own, both sandboxes served on loopback, Xero through the refresh-token flow. The
client secret and the Auxo API key come from dlt's ``secrets.toml``, the client id, the refresh
token and the URLs from the environment. Then every file the deployment wrote is read — the DuckDB
warehouse (every row of every table and view, and the file's bytes), Dagster's instance (run and
event storage, schedules, compute logs), dlt's folder (state, schemas, load packages, trace
pickles) — and so is the console. None may hold the client secret, the Auxo key, a refresh token
(the configured one or any rotated one) or an access token (the exact ones Xero's token endpoint
issued during the run, and anything shaped like a JWT).

Excluded, because keeping them is their job: the sandboxes' state (the provider's side: Xero keeps
its refresh tokens, Auxo its key) and the token store under ``<data>/secrets/`` (the rotated
refresh token, kept 0600 so the next run can use it).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
import uvicorn
from rich.console import Console

from assets.runner import seed_sandboxes
from pipelines import settings

pytestmark = [pytest.mark.slow]

BIN = Path(sys.executable).parent
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
# what keeping a secret is the job of: the providers' own state, and the deployment's token store
EXCLUDED = ("sandbox", "secrets")


class TokenCapture:
    """ASGI wrapper around the Xero sandbox that keeps every token its ``/connect/token`` issues."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.access_tokens: list[str] = []
        self.refresh_tokens: list[str] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/connect/token":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def keep(message: dict) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    body = json.loads(b"".join(chunks) or b"{}")
                    self.access_tokens += [body[k] for k in ("access_token", "id_token") if body.get(k)]
                    self.refresh_tokens += [body["refresh_token"]] if body.get("refresh_token") else []
            await send(message)

        await self.app(scope, receive, keep)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` on 127.0.0.1 in a thread of this process, as ``auxo-xero sandbox serve`` would serve it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def refresh_tokens_in_xero(state_dir: Path) -> set[str]:
    with sqlite3.connect(f"file:{state_dir / 'xero.sqlite3'}?mode=ro", uri=True) as con:
        return {row[0] for row in con.execute("select token from refresh_tokens")}


def readable(path: Path) -> bytes:
    """A file's bytes, and its content when compressed: dlt's load packages are gzip and parquet files."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data += gzip.decompress(data)
    elif path.suffix == ".parquet":
        data += repr(pq.read_table(path).to_pylist()).encode()
    elif data.startswith(b"SQLite format 3\x00"):  # rows may sit in the -wal file or span overflow pages
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            tables = [row[0] for row in con.execute("select name from sqlite_master where type = 'table'")]
            data += repr([con.execute(f'select * from "{table}"').fetchall() for table in tables]).encode()
    return data


def warehouse_rows(path: Path) -> Iterator[tuple[str, bytes]]:
    """Every row of every table and view in the warehouse, each column cast to text."""
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by all").fetchall()
        assert len(relations) > 40, relations  # raw, staging, plans, sync, recon: the whole warehouse
        for schema, name in relations:
            rows = con.execute(f'select columns(*)::varchar from "{schema}"."{name}"').fetchall()
            yield f"warehouse {schema}.{name}", "\n".join(map(repr, rows)).encode()


def everything_written(home: Path, console: bytes) -> Iterator[tuple[str, bytes]]:
    yield "console", console
    yield from warehouse_rows(settings.warehouse_path())
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        if path.is_file() and relative.parts[0] not in EXCLUDED:
            yield str(relative), readable(path)


def test_no_secret_reaches_the_warehouse_dagster_dlt_or_the_console(home: Path, tmp_path: Path) -> None:
    import sandbox.auxo.app
    import sandbox.xero.app
    from sandbox.embedded import forget_apps

    seed_sandboxes("tiny", 42, None, force=True, console=Console(file=io.StringIO()))
    forget_apps()
    xero_state, auxo_state = settings.sandbox_state_dir("xero"), settings.sandbox_state_dir("auxo")
    xero = TokenCapture(sandbox.xero.app.create_app(xero_state))
    with served(xero) as xero_url, served(sandbox.auxo.app.create_app(auxo_state)) as auxo_url:
        xero_info = sandbox.xero.app.connection_info(xero_state, xero_url)
        auxo_info = sandbox.auxo.app.connection_info(auxo_state, auxo_url)
        configured_refresh = xero_info["refresh_token"]
        issued_before = refresh_tokens_in_xero(xero_state)
        project = tmp_path / "project"
        (project / ".dlt").mkdir(parents=True)
        (project / ".dlt" / "secrets.toml").write_text(
            f'[xero]\nclient_secret = "{xero_info["client_secret"]}"\n\n[auxo]\napi_key = "{auxo_info["api_key"]}"\n')
        env = {key: value for key, value in os.environ.items() if not key.startswith(("XERO_", "AUXO_", "DAGSTER_"))}
        env.update({
            "AUXO_XERO_HOME": str(home), "DLT_PROJECT_DIR": str(project), "RUNTIME__DLTHUB_TELEMETRY": "false",
            "XERO_API_URL": xero_info["base_url"], "XERO_TOKEN_URL": xero_info["token_url"],
            "XERO_CONNECTIONS_URL": xero_info["connections_url"], "XERO_CLIENT_ID": xero_info["client_id"],
            "XERO_REFRESH_TOKEN": configured_refresh, "AUXO_API_URL": auxo_info["base_url"],
        })
        demo = subprocess.run([str(BIN / "auxo-xero"), "demo", "--profile", "tiny"], cwd=settings.PROJECT_ROOT,
                              env=env, capture_output=True, timeout=240)
    console = demo.stdout + demo.stderr
    assert demo.returncode == 0, console.decode(errors="replace")[-4000:]
    assert b"Reconciliation:" in console  # the demo ran to its end

    # the run used these secrets: it refreshed (rotating the token) and read both systems
    rotated = refresh_tokens_in_xero(xero_state) - issued_before
    assert xero.access_tokens and xero.refresh_tokens and set(xero.refresh_tokens) <= rotated
    store = next((home / "secrets").glob("xero-refresh-token-*.json"))
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert json.loads(store.read_text())["refresh_token"] == xero.refresh_tokens[-1]
    secrets = {"the Xero client secret": xero_info["client_secret"], "the Auxo API key": auxo_info["api_key"],
               "the configured refresh token": configured_refresh,
               **{f"rotated refresh token {i}": token for i, token in enumerate(sorted(rotated))},
               **{f"access token {i}": token for i, token in enumerate(xero.access_tokens)}}

    # the scan would see them: each is found, as bytes, where keeping it is the job
    assert all(JWT.fullmatch(token.encode()) for token in xero.access_tokens)
    assert xero.refresh_tokens[-1].encode() in readable(store)
    assert xero_info["client_secret"].encode() in readable(xero_state / "xero.sqlite3")
    assert auxo_info["api_key"].encode() in readable(auxo_state / "auxo.sqlite3")

    leaks, scanned = [], 0
    for where, content in everything_written(home, console):
        scanned += 1
        leaks += [f"{name} in {where}" for name, value in secrets.items() if value.encode() in content]
        leaks += [f"a JWT ({match[:16]!r}…) in {where}" for match in set(JWT.findall(content))]
    assert scanned > 60  # the warehouse's relations, Dagster's and dlt's files, the console
    assert not leaks, "\n".join(leaks)
