"""Writing: one transaction per request, one savepoint per element, Xero's two error modes.

By default (or ``summarizeErrors=true``) a batch is all-or-nothing: one failing element rolls
back the whole batch and the reply is a 400 ValidationException listing the failed elements.
With ``summarizeErrors=false`` every element stands alone: the reply is a 200 where each element
carries ``StatusAttributeString`` ("OK", "WARNING" or "ERROR") and failed ones their
``ValidationErrors``. The ``Idempotency-Key`` is checked and recorded in the same transaction.
Every element is first checked against the spec's schema for its kind (request_schema.py), so a
handler only ever sees well-typed fields.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.xero import errors, idempotency, request_schema, state
from sandbox.xero.errors import BadRequest, Invalid, NotFound
from sandbox.xero.listing import render
from sandbox.xero.store import Tx
from sandbox.xero.wire import ApiRequest, Reply, envelope

Process = Callable[[Tx, dict], dict]


def _annotate(doc: dict) -> dict:
    out = dict(doc)
    out["StatusAttributeString"] = "WARNING" if out.get("Warnings") else "OK"
    return out


def run_elements(tx: Tx, request: ApiRequest, kind: str, plural: str, id_field: str | None,
                 elements: list[dict], process: Process) -> Reply:
    results: list[dict] = []
    failed: list[dict] = []
    tx.conn.execute("SAVEPOINT batch")
    for raw in elements:
        try:
            if problems := request_schema.problems(kind, raw):
                raise Invalid(problems, raw)
            with tx.store.savepoint(tx):
                doc = process(tx, raw)
            results.append(_annotate(render(kind, doc, unitdp=request.unitdp)))
        except Invalid as exc:
            element = request_schema.echo(kind, dict(exc.element) if exc.element is not None else {})
            if id_field and element.get(id_field) and tx.get(kind, str(element[id_field])) is None:
                element[id_field] = errors.EMPTY_ID  # never saved: Xero echoes an empty id
            echo = errors.failed_element(kind, id_field, render(kind, dict(element), unitdp=request.unitdp),
                                         exc.messages)
            results.append(echo)
            failed.append(echo)
    if failed and request.summarize:
        tx.conn.execute("ROLLBACK TO batch")
        tx.conn.execute("RELEASE batch")
        return Reply(400, errors.validation_exception(failed))
    tx.conn.execute("RELEASE batch")
    return Reply(200, envelope(plural, results, tx.now_ms))


def write(request: ApiRequest, body: Callable[[Tx], Reply]) -> Reply:
    """Run ``body`` in one write transaction behind the Idempotency-Key check."""
    key = idempotency.key_of(request)
    if key and (problem := idempotency.too_long(key)):
        return problem
    print_ = idempotency.fingerprint(request) if key else ""
    with request.store.write() as tx:
        if key:
            ttl = int(state.read_config(tx).get("idempotency_ttl_seconds") or 0)
            replay = idempotency.lookup(tx, key, print_, ttl)
            if replay is not None:
                return replay
        try:
            reply = body(tx)
        except BadRequest as exc:
            from sandbox.xero.wire import bad_request

            reply = bad_request(exc)
        except NotFound:
            raise
        if key:
            idempotency.save(tx, key, print_, reply)
        return reply


def write_elements(request: ApiRequest, kind: str, plural: str, id_field: str | None, process: Process) -> Reply:
    """The common case: an envelope of documents, each run through ``process``."""
    return write(request, lambda tx: run_elements(tx, request, kind, plural, id_field,
                                                  request.elements(plural), process))
