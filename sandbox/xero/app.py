"""The Xero sandbox app: the Accounting API, the identity endpoints and the admin surface.

``create_app(state_dir)`` builds it over a state folder (initialised with the demo organisation on
first use); ``connection_info(state_dir, base_url)`` tells a client how to connect.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from sandbox.xero import admin, authorize, identity, jsonio, organisations, ratelimit, state, webhooks
from sandbox.xero.api import API_PREFIX, ApiApp, headers_of
from sandbox.xero.requestlog import RequestLogMiddleware
from sandbox.xero.state import open_state
from sandbox.xero.store import Store

JSON = "application/json; charset=utf-8"


def connection_info(state_dir: Path, base_url: str) -> dict:
    """What a client needs: URLs (Xero's paths: ``/identity/connect/authorize`` as on
    login.xero.com, ``/connect/token`` as on identity.xero.com), client credentials, tenant id and a
    fresh refresh token (connected to the seeded organisation)."""
    store = open_state(state_dir)
    creds = store.credentials()
    base = base_url.rstrip("/")
    return {
        "base_url": f"{base}{API_PREFIX}",
        "authorize_url": f"{base}/identity/connect/authorize",
        "token_url": f"{base}/connect/token",
        "connections_url": f"{base}/connections",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "tenant_id": creds["tenant_id"],
        "refresh_token": identity.new_refresh_token(store),
        "admin_url": f"{base}/admin",
    }


def add_organisation(state_dir: Path, name: str) -> dict:
    """A further organisation the sandbox user can connect (``POST /admin/organisations``)."""
    return organisations.add(open_state(Path(state_dir)), name)


def configure_app(state_dir: Path, **app: object) -> dict:
    """Change the sandbox app's registration: ``created`` (YYYY-MM-DD), ``redirect_uris``,
    ``grant_types``, ``scopes``, ``auto_approve``, ``name``."""
    store = open_state(Path(state_dir))
    with store.write(documents=False) as tx:
        current = state.read_config(tx)
        current["app"] = {**current["app"], **app}
        tx.set_meta_json("config", current)
        return current["app"]


def configure(state_dir: Path, *, rate_limits: bool | None = None, tier: str | None = None, **limits: int) -> dict:
    """Change the sandbox configuration (what ``PUT /admin/config`` does): ``rate_limits`` on or
    off, the organisation's ``tier`` (``starter``: 1,000 calls a day; others 5,000), and optionally
    ``concurrent``, ``per_minute``, ``per_day`` (over the tier's), ``app_per_minute``."""
    store = open_state(Path(state_dir))
    with store.write(documents=False) as tx:
        current = state.read_config(tx)
        if rate_limits is not None:
            current["rate_limits"]["enabled"] = rate_limits
        if tier is not None:
            current["rate_limits"].update(tier=tier.strip().lower(), per_day=ratelimit.tier_day_limit(tier))
        current["rate_limits"].update(limits)
        tx.set_meta_json("config", current)
        return current


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (what OAuth token requests send)."""
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


def _identity_routes(store: Store) -> list[Route]:
    async def token(request: Request) -> Response:
        form = await _form(request)
        status, body = await run_in_threadpool(identity.token_endpoint, store, headers_of(request.scope), form)
        return Response(jsonio.dumps(body), status, media_type=JSON,
                        headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    async def revocation(request: Request) -> Response:
        form = await _form(request)
        status = await run_in_threadpool(identity.revoke, store, headers_of(request.scope), form)
        return Response(b"", status)

    async def connections(request: Request) -> Response:
        headers = headers_of(request.scope)

        def run() -> tuple[int, object]:
            with store.read() as tx:
                try:
                    claims = identity.authenticate(store, tx, headers, tenant_required=False)
                except identity.AuthError as exc:
                    return exc.status, exc.body
                if request.method == "DELETE":
                    return 204, None
                return 200, identity.connections(store, tx, claims, request.query_params.get("authEventId"))

        status, body = await run_in_threadpool(run)
        app_limit = {"X-AppMinLimit-Remaining": "10000"}
        if status == 204:
            return Response(status_code=204, headers=app_limit)
        return Response(jsonio.dumps(body), status, media_type=JSON, headers=app_limit)

    async def authorize_endpoint(request: Request) -> Response:
        try:
            if request.method == "GET":
                params = dict(request.query_params)
                kind, value = await run_in_threadpool(authorize.begin, store, params)
            else:
                pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
                form = dict(pairs)
                tenants = [value for key, value in pairs if key == "tenant"]
                kind, value = await run_in_threadpool(authorize.decide, store, form, tenants)
        except authorize.Page as exc:
            return HTMLResponse(authorize.error_page(exc), exc.status)
        if kind == "redirect":
            return RedirectResponse(value, 302, headers={"Cache-Control": "no-store"})
        return HTMLResponse(value, headers={"Cache-Control": "no-store"})

    return [
        Route("/identity/connect/authorize", authorize_endpoint, methods=["GET", "POST"]),
        Route("/connect/token", token, methods=["POST"]),
        Route("/connect/revocation", revocation, methods=["POST"]),
        *[Route(path, connections, methods=["GET"]) for path in ("/connections", "/Connections")],
        *[Route(f"{path}/{{connection_id}}", connections, methods=["DELETE"])
          for path in ("/connections", "/Connections")],
    ]


def create_app(state_dir: Path) -> Starlette:
    """The sandbox over ``state_dir`` (created and seeded with the demo organisation if new)."""
    store = open_state(Path(state_dir))
    routes = [
        *_identity_routes(store),
        *admin.routes(store, connection_info),
        *webhooks.admin_routes(store),
        Mount(API_PREFIX, app=ApiApp(store)),
    ]
    return Starlette(routes=routes, middleware=[Middleware(RequestLogMiddleware, store=store)])
