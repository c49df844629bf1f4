"""Reading: filters, paging and the response shape of GET list and GET-by-id calls.

``If-Modified-Since`` is **inclusive**: a record whose UpdatedDateUTC equals the header's instant is
returned (``updated_ms >= since``). Xero documents neither way; inclusive makes a client's
``[start, end)`` windows lossless (at worst a record is seen twice, and clients merge on the id).
Paging: ``page`` (1-based) with ``pageSize`` (default 100, capped at 1000) adds the ``pagination``
block; without ``page`` (or ``pageSize``) every matching record is returned. Results are ordered
by ``order`` and then by (UpdatedDateUTC, id), so pages are stable.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sandbox.xero import dates, jsonio, where
from sandbox.xero.errors import BadRequest, NotFound
from sandbox.xero.kinds import KINDS, Kind
from sandbox.xero.lines import with_unitdp
from sandbox.xero.money import qdp
from sandbox.xero.store import Tx
from sandbox.xero.wire import ApiRequest, Reply, envelope

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LINE_KINDS = {"Invoice", "CreditNote", "BankTransaction", "Prepayment"}
SUMMARY_DROP = {"Invoice": ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments"),
                "Contact": ("Addresses", "Phones", "ContactPersons", "PaymentTerms")}


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def render(kind: str, doc: dict, *, unitdp: int = 2, summary_only: bool = False) -> dict:
    """A stored document as a response shows it: UnitAmount/UnitPrice at the request's ``unitdp``."""
    if kind in LINE_KINDS:
        with_unitdp(doc.get("LineItems", []), unitdp)
    elif kind == "Item":
        for key in ("SalesDetails", "PurchaseDetails"):
            details = doc.get(key) or {}
            if isinstance(details.get("UnitPrice"), Decimal):
                details["UnitPrice"] = qdp(details["UnitPrice"], 4 if unitdp == 4 else 2)
    if summary_only:
        for key in SUMMARY_DROP.get(kind, ()):
            doc.pop(key, None)
    return doc


def _csv(value: str | None) -> list[str]:
    return [part.strip().strip('"') for part in (value or "").split(",") if part.strip().strip('"')]


def base_filters(request: ApiRequest, kind: Kind) -> tuple[list[str], list[object]]:
    clauses, params = ["kind = ?"], [kind.name]
    since = request.headers.get("if-modified-since")
    if since:
        try:
            clauses.append("updated_ms >= ?")
            params.append(dates.parse_timestamp_ms(since))
        except ValueError as exc:
            raise BadRequest(f"If-Modified-Since is not a valid date: {since}") from exc
    text = request.param("where")
    if text:
        try:
            sql, where_params = where.to_sql(kind, text)
        except where.WhereError as exc:
            raise BadRequest(str(exc), error_type="QueryParseException", number=16) from exc
        except RecursionError as exc:
            raise BadRequest("The where filter is nested too deeply.", error_type="QueryParseException",
                             number=16) from exc
        clauses.append(sql)
        params.extend(where_params)
    ids = [value.lower() for value in _csv(request.param("IDs"))]
    if ids:
        clauses.append(f"id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    if kind.archived_status and not request.flag("includeArchived"):
        clauses.append("(status IS NULL OR status NOT IN ('ARCHIVED', 'GDPRREQUEST'))")
    return clauses, params


def in_list(column: str, values: list[str]) -> tuple[str, list[object]]:
    return f"{column} IN ({','.join('?' * len(values))})", list(values)


def list_reply(tx: Tx, request: ApiRequest, kind_name: str,
               extra: list[tuple[str, list[object]]] | None = None) -> Reply:
    kind = KINDS[kind_name]
    clauses, params = base_filters(request, kind)
    for sql, values in extra or []:
        clauses.append(sql)
        params.extend(values)
    condition = " AND ".join(clauses)
    order_params: list[object] = []
    try:
        order = where.order_sql(kind, request.param("order"), order_params)
    except where.WhereError as exc:
        raise BadRequest(str(exc), error_type="QueryParseException", number=16) from exc
    page, size = request.int_param("page"), request.int_param("pageSize")
    paged = kind.paged and (page is not None or size is not None)
    query = f"SELECT body FROM docs WHERE {condition} ORDER BY {order}"
    pagination = None
    if paged:
        page = max(page or 1, 1)
        size = min(size if size and size > 0 else DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        total = tx.conn.execute(f"SELECT COUNT(*) FROM docs WHERE {condition}", params).fetchone()[0]
        pagination = {"page": page, "pageSize": size, "pageCount": -(-total // size), "itemCount": total}
        query += " LIMIT ? OFFSET ?"
        rows = tx.conn.execute(query, [*params, *order_params, size, (page - 1) * size]).fetchall()
    else:
        rows = tx.conn.execute(query, [*params, *order_params]).fetchall()
    summary = request.flag("summaryOnly")
    docs = [render(kind_name, jsonio.loads(row[0]), unitdp=request.unitdp, summary_only=summary) for row in rows]
    return Reply(200, envelope(kind.plural, docs, tx.now_ms, pagination=pagination))


def get_one(tx: Tx, kind_name: str, key: str, *, number_column: str | None = "number") -> dict:
    """A document by id, or by its number (``/Invoices/INV-0001``, ``/Contacts/<ContactNumber>``)."""
    doc = tx.get(kind_name, key) if is_uuid(key) or number_column is None else None
    if doc is None and number_column and not is_uuid(key):
        found = tx.find(kind_name, number_column, key)
        doc = found[0] if found else None
    if doc is None:
        raise NotFound(key)
    return doc


def one_reply(tx: Tx, request: ApiRequest, kind_name: str, key: str, *, number_column: str | None = "number") -> Reply:
    doc = render(kind_name, get_one(tx, kind_name, key, number_column=number_column), unitdp=request.unitdp)
    return Reply(200, envelope(KINDS[kind_name].plural, [doc], tx.now_ms))
