"""The admin surface (``/admin/...``, no key): seed, reset, inspect, clock, faults, request log, and
acting as a person using Auxo. Documented in docs/sandboxes.md (Auxo sandbox)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.auxo import actions
from sandbox.auxo.fields import Fields
from sandbox.auxo.routes import error_response
from sandbox.auxo.rules import RuleError
from sandbox.auxo.seeding import seed_records
from sandbox.auxo.store import Store, Transaction, dumps, reset, timestamp_to_us, us_to_timestamp
from sandbox.faults import FaultConfig, FaultStore

Action = Callable[[Transaction, Request, Fields], Any]


def _json(data: Any, status: int = 200) -> Response:
    """Every successful admin answer is ``{"data": ...}``."""
    return Response(dumps({"data": data}), status_code=status, media_type="application/json")


_error = error_response  # the API's error shape, on the admin surface too


async def _body(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw.strip() else {}


def _store(request: Request) -> Store:
    return request.app.state.store


def person(action: Action, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    """An admin endpoint doing one thing in Auxo inside a write transaction."""

    async def endpoint(request: Request) -> Response:
        try:
            body = await _body(request)
        except ValueError:
            return _error(400, "invalid_request", "The body is not valid JSON.")

        def run() -> Any:
            with _store(request).transaction() as tx:
                return action(tx, request, Fields(body, ""))

        try:
            result = await run_in_threadpool(run)
        except RuleError as exc:
            return _error(exc.status if exc.status != 422 else 409, exc.code, exc.message, exc.details)
        return _json(result, status)

    return endpoint


def _param(name: str) -> Callable[[Request], str]:
    return lambda request: request.path_params[name]


# ---------------------------------------------------------------- state


async def summary(request: Request) -> Response:
    store = _store(request)
    counts = await run_in_threadpool(store.counts)
    return _json({"system": "auxo", "state_dir": str(store.state_dir), "now": us_to_timestamp(store.now_us()),
                  "counts": counts})


async def clock(request: Request) -> Response:
    """``GET``: the clock. ``PUT``: ``{"frozen_at": ts}``, ``{"offset_seconds": n}``,
    ``{"advance_seconds": n}`` or ``{"real": true}``."""
    store = _store(request)
    if request.method == "PUT":
        try:
            body = await _body(request)
            with store.transaction() as tx:
                current = json.loads(tx.meta("clock") or "{}")
                now = tx.now_us()
                if body.get("real"):
                    current = {"frozen_at_us": None, "offset_us": 0}
                elif "frozen_at" in body:
                    current = {"frozen_at_us": timestamp_to_us(body["frozen_at"]), "offset_us": 0}
                elif "offset_seconds" in body:
                    current = {"frozen_at_us": None, "offset_us": round(float(body["offset_seconds"]) * 1e6)}
                elif "advance_seconds" in body:
                    step = round(float(body["advance_seconds"]) * 1e6)
                    if current.get("frozen_at_us") is not None:
                        current["frozen_at_us"] = now + step
                    else:
                        current["offset_us"] = int(current.get("offset_us") or 0) + step
                else:
                    return _error(400, "invalid_request", "Expected frozen_at, offset_seconds, advance_seconds or real.")
                tx.set_meta("clock", dumps(current))
        except (ValueError, TypeError, AttributeError) as exc:
            return _error(400, "invalid_request", f"Bad clock setting: {exc}")
    current = json.loads(store.meta("clock") or "{}")
    frozen = current.get("frozen_at_us")
    return _json({"now": us_to_timestamp(store.now_us()), "frozen_at": us_to_timestamp(frozen) if frozen else None,
                  "offset_seconds": int(current.get("offset_us") or 0) / 1e6})


async def faults(request: Request) -> Response:
    fault_store: FaultStore = request.app.state.faults
    if request.method == "DELETE":
        fault_store.clear()
    elif request.method == "PUT":
        try:
            config = fault_store.set(FaultConfig(**(await _body(request))))
        except (TypeError, ValueError) as exc:
            return _error(400, "invalid_request", str(exc))
        return _json(asdict(config))
    return _json(asdict(fault_store.get()))


async def requests_log(request: Request) -> Response:
    store = _store(request)
    if request.method == "DELETE":
        await run_in_threadpool(store.clear_requests)
        return _json([])
    return _json(await run_in_threadpool(store.requests))


async def reset_state(request: Request) -> Response:
    await run_in_threadpool(reset, _store(request))
    request.app.state.faults.clear()
    return _json({"reset": True})


async def seed(request: Request) -> Response:
    try:
        payload = await _body(request)
        counts = await run_in_threadpool(seed_records, _store(request), payload)
    except (ValueError, KeyError, TypeError) as exc:
        return _error(400, "invalid_request", f"Bad seed payload: {exc}")
    return _json({"seeded": counts})


async def inspect(request: Request) -> Response:
    body = await run_in_threadpool(_store(request).get_body, request.path_params["resource"], request.path_params["id"])
    if body is None:
        return _error(404, "not_found", "No such record.")
    return Response('{"data":' + body + "}", media_type="application/json")  # already JSON


def admin_routes() -> list[Route]:
    job, invoice, order = _param("job_id"), _param("invoice_id"), _param("order_id")
    contact_id = _param("record_id")
    routes = [
        Route("/admin", summary, methods=["GET"]),
        Route("/admin/clock", clock, methods=["GET", "PUT"]),
        Route("/admin/faults", faults, methods=["GET", "PUT", "DELETE"]),
        Route("/admin/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/admin/reset", reset_state, methods=["POST"]),
        Route("/admin/seed", seed, methods=["POST"]),
        Route("/admin/records/{resource}/{id}", inspect, methods=["GET"]),
        Route("/admin/vehicles", person(lambda tx, r, b: actions.create_vehicle(tx, b), 201), methods=["POST"]),
        Route("/admin/parts", person(lambda tx, r, b: actions.create_part(tx, b), 201), methods=["POST"]),
        Route("/admin/jobs", person(lambda tx, r, b: actions.create_job(tx, b), 201), methods=["POST"]),
        Route("/admin/jobs/{job_id}/invoice",
              person(lambda tx, r, b: actions.invoice_job(tx, job(r), b), 201), methods=["POST"]),
        Route("/admin/jobs/{job_id}/deposits",
              person(lambda tx, r, b: actions.take_deposit(tx, job(r), b), 201), methods=["POST"]),
        Route("/admin/invoices/{invoice_id}", person(lambda tx, r, b: actions.edit_invoice(tx, invoice(r), b)),
              methods=["PATCH"]),
        Route("/admin/invoices/{invoice_id}/void", person(lambda tx, r, b: actions.void_invoice(tx, invoice(r))),
              methods=["POST"]),
        Route("/admin/invoices/{invoice_id}/payments",
              person(lambda tx, r, b: actions.take_payment(tx, invoice(r), b), 201), methods=["POST"]),
        Route("/admin/invoices/{invoice_id}/credits",
              person(lambda tx, r, b: actions.credit_invoice(tx, invoice(r), b), 201), methods=["POST"]),
        Route("/admin/payments/{payment_id}/delete",
              person(lambda tx, r, b: actions.delete_payment(tx, r.path_params["payment_id"])), methods=["POST"]),
        Route("/admin/purchase-orders", person(lambda tx, r, b: actions.create_purchase_order(tx, b), 201),
              methods=["POST"]),
        Route("/admin/purchase-orders/{order_id}/receive",
              person(lambda tx, r, b: actions.receive_purchase_order(tx, order(r), b)), methods=["POST"]),
        Route("/admin/stock-adjustments", person(lambda tx, r, b: actions.adjust_stock(tx, b), 201), methods=["POST"]),
        Route("/admin/stocktakes", person(lambda tx, r, b: actions.stocktake(tx, b), 201), methods=["POST"]),
        Route("/admin/sync-settings", person(lambda tx, r, b: actions.set_sync_settings(tx, b)), methods=["PUT"]),
        Route("/admin/account", person(lambda tx, r, b: actions.update_account(tx, b)), methods=["PUT"]),
    ]
    for resource in actions.CONTACT_RESOURCES:
        routes.append(Route(f"/admin/{resource}", person(
            lambda tx, r, b, resource=resource: actions.create_contact(tx, resource, b), 201), methods=["POST"]))
        routes.append(Route(f"/admin/{resource}/{{record_id}}", person(
            lambda tx, r, b, resource=resource: actions.edit_contact(tx, resource, contact_id(r), b)),
            methods=["PATCH"]))
    return routes
