"""The admin surface (``/admin/...``): outside the API, no auth, JSON in and out.

Seed, reset, inspect, move the clock, set lock dates, switch rate limits and faults, read the
request log, and act as a person working in Xero. docs/sandboxes.md documents every endpoint.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import FaultConfig, FaultStore
from sandbox.xero import (
    books,
    clock,
    dates,
    errors,
    jsonio,
    organisations,
    people,
    ratelimit,
    requestlog,
    seeding,
    state,
)
from sandbox.xero.errors import Invalid, NotFound
from sandbox.xero.fields import date_field
from sandbox.xero.kinds import BY_PLURAL, KINDS
from sandbox.xero.listing import render
from sandbox.xero.store import Store

JSON = "application/json; charset=utf-8"


def _json(body: Any, status: int = 200) -> Response:
    return Response(jsonio.dumps(body), status_code=status, media_type=JSON)


async def _body(request: Request, *, decimals: bool = True) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    parsed = jsonio.loads(raw) if decimals else json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed


def routes(store: Store, connection: Any) -> list[Route]:
    faults = FaultStore(store.state_dir)

    async def reset(_request: Request) -> Response:
        await run_in_threadpool(state.reset, store)
        faults.clear()
        return _json({"ok": True})

    async def seed(request: Request) -> Response:
        try:
            counts = await run_in_threadpool(seeding.seed_payload, store, await _body(request))
        except seeding.SeedError as exc:
            return _json({"error": "seed rejected", "problems": exc.problems}, 400)
        return _json({"seeded": counts})

    async def config(request: Request) -> Response:
        if request.method == "PUT":
            body = await _body(request)
            limits = dict(body.get("rate_limits") or {})
            if limits.get("tier") is not None:  # the tier sets the day limit, unless per_day says otherwise
                try:
                    limits = {"per_day": ratelimit.tier_day_limit(str(limits["tier"])), **limits,
                              "tier": str(limits["tier"]).strip().lower()}
                except ValueError as exc:
                    return _json({"error": str(exc)}, 400)

            def update() -> dict:
                with store.write(documents=False) as tx:
                    current = state.read_config(tx)
                    if "rate_limits" in body:
                        current["rate_limits"] = {**current["rate_limits"], **limits}
                    if "app" in body:
                        current["app"] = {**current["app"], **body["app"]}
                    if "idempotency_ttl_seconds" in body:
                        current["idempotency_ttl_seconds"] = int(body["idempotency_ttl_seconds"] or 0)
                    tx.set_meta_json("config", current)
                    return current

            updated = await run_in_threadpool(update)
            if body.get("reset_rate_counters"):
                await run_in_threadpool(ratelimit.reset, store)
            return _json(updated)
        return _json(await run_in_threadpool(state.config, store))

    async def fault_config(request: Request) -> Response:
        if request.method == "PUT":
            try:
                faults.set(FaultConfig(**await _body(request, decimals=False)))
            except (TypeError, ValueError) as exc:
                return _json({"error": str(exc)}, 400)
        elif request.method == "DELETE":
            faults.clear()
        return _json(asdict(faults.get()))

    async def clock_endpoint(request: Request) -> Response:
        body = await _body(request) if request.method == "PUT" else None

        def run() -> dict:
            with store.write(documents=False) as tx:
                return clock.update(tx, body) if body is not None else clock.describe(tx)

        try:
            return _json(await run_in_threadpool(run))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)

    async def organisation(request: Request) -> Response:
        body = await _body(request) if request.method == "PUT" else {}

        def run() -> dict:
            with store.write() as tx:
                org = books.organisation(tx)
                if body:
                    messages: list[str] = []
                    for key in ("PeriodLockDate", "EndOfYearLockDate"):
                        if key in body:
                            value = date_field(body, key, messages)
                            if value is None:
                                org.pop(key, None)
                            else:
                                org[key] = dates.ms_date(value)
                    if messages:
                        raise Invalid(messages)
                    tx.put("Organisation", org)
                return {"Organisations": [org]}

        try:
            return _json(await run_in_threadpool(run))
        except Invalid as exc:
            return _json({"error": exc.messages}, 400)

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            await run_in_threadpool(requestlog.clear, store)
            return _json({"ok": True})
        query = request.query_params
        after = query.get("after_seq")
        found = await run_in_threadpool(lambda: requestlog.entries(
            store, method=query.get("method"), path_prefix=query.get("path") or query.get("path_prefix"),
            since=query.get("since"), after_seq=int(after) if after else None))
        return _json({"requests": found, "count": len(found)})

    async def documents(request: Request) -> Response:
        name = request.path_params["kind"]
        kind = BY_PLURAL.get(name) or KINDS.get(name) or next(
            (k for k in KINDS.values() if name.lower() in (k.name.lower(), k.plural.lower())), None)
        if kind is None:
            return _json({"error": f"unknown kind {name!r}"}, 404)

        def run() -> list[dict]:
            with store.read() as tx:
                return [render(kind.name, doc, unitdp=4) for doc in tx.all(kind.name)]

        found = await run_in_threadpool(run)
        return _json({kind.plural: found, "count": len(found)})

    async def action(request: Request) -> Response:
        name = request.path_params["action"]
        if name not in people.ACTIONS:
            return _json({"error": f"unknown action {name!r}", "actions": sorted(people.ACTIONS)}, 404)
        body = await _body(request)
        try:
            return _json(await run_in_threadpool(people.act, store, name, body))
        except Invalid as exc:
            return _json(errors.validation_exception([errors.failed_element(
                people.KIND_OF[people.ACTIONS[name][0]], None, exc.element or {}, exc.messages)]), 400)
        except (NotFound, IndexError) as exc:
            return _json({"error": f"not found: {exc}"}, 404)

    async def organisations_endpoint(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            name = str(body.get("Name") or "").strip()
            if not name:
                return _json({"error": "Name is required"}, 400)
            return _json(await run_in_threadpool(organisations.add, store, name))
        return _json({"organisations": await run_in_threadpool(organisations.listing, store)})

    async def connection_endpoint(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return _json(await run_in_threadpool(connection, store.state_dir, base))

    return [
        Route("/admin/reset", reset, methods=["POST"]),
        Route("/admin/seed", seed, methods=["POST"]),
        Route("/admin/config", config, methods=["GET", "PUT"]),
        Route("/admin/faults", fault_config, methods=["GET", "PUT", "DELETE"]),
        Route("/admin/clock", clock_endpoint, methods=["GET", "PUT"]),
        Route("/admin/organisation", organisation, methods=["GET", "PUT"]),
        Route("/admin/requests", requests, methods=["GET", "DELETE"]),
        Route("/admin/documents/{kind}", documents, methods=["GET"]),
        Route("/admin/actions/{action}", action, methods=["POST"]),
        Route("/admin/connection", connection_endpoint, methods=["GET"]),
        Route("/admin/organisations", organisations_endpoint, methods=["GET", "POST"]),
    ]
