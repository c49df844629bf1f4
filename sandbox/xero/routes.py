"""The Accounting API's resources under ``/api.xro/2.0``: which handler serves which method and path.

Collection names are matched case-insensitively (``/Invoices`` = ``/invoices``), as Xero does.
GET by id returns the plural envelope with one element; ``/Invoices/{InvoiceNumber}`` and
``/Contacts/{ContactNumber}`` work too.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.xero import allocations, banking, contacts, errors, invoices, journals, payments, settings
from sandbox.xero.batch import write, write_elements
from sandbox.xero.errors import Invalid, NotFound
from sandbox.xero.invoices import CREDIT_NOTE, INVOICE, Spec
from sandbox.xero.kinds import KINDS
from sandbox.xero.listing import _csv, get_one, in_list, list_reply, one_reply, render
from sandbox.xero.store import Tx
from sandbox.xero.wire import ApiRequest, Reply, envelope

Handler = Callable[[ApiRequest], Reply]


class MethodNotAllowed(Exception):
    pass


def _read(request: ApiRequest, body: Callable[[Tx], Reply]) -> Reply:
    with request.store.read() as tx:
        return body(tx)


def _simple_list(kind: str) -> Handler:
    def handler(request: ApiRequest) -> Reply:
        if request.method != "GET":
            raise MethodNotAllowed
        if len(request.segments) == 2:
            return _read(request, lambda tx: one_reply(tx, request, kind, request.segments[1], number_column=None))
        return _read(request, lambda tx: list_reply(tx, request, kind))
    return handler


def organisation(request: ApiRequest) -> Reply:
    if request.method != "GET" or len(request.segments) > 1:
        raise MethodNotAllowed if request.method != "GET" else NotFound(request.path)
    return _read(request, lambda tx: list_reply(tx, request, "Organisation"))


def tax_rates(request: ApiRequest) -> Reply:
    if request.method != "GET":
        raise MethodNotAllowed
    tax_type = request.param("TaxType") or (request.segments[1] if len(request.segments) > 1 else None)
    extra = [("id = ?", [tax_type.upper()])] if tax_type else []
    return _read(request, lambda tx: list_reply(tx, request, "TaxRate", extra))


def accounts(request: ApiRequest) -> Reply:
    segments, method = request.segments, request.method
    if method == "GET":
        return _simple_list("Account")(request)
    if method == "PUT" and len(segments) == 1:
        def create(tx: Tx) -> Reply:
            items = request.elements("Accounts")
            process = settings.create_account
            if len(items) != 1:
                process = _fail(errors.ONE_ACCOUNT_PER_CALL)
            from sandbox.xero.batch import run_elements
            return run_elements(tx, request, "Account", "Accounts", "AccountID", items, process)
        return write(request, create)
    if method in ("POST", "DELETE") and len(segments) == 2:
        def change(tx: Tx, raw: dict) -> dict:
            existing = get_one(tx, "Account", segments[1], number_column=None)
            return settings.update_account(tx, existing, {"Status": "DELETED"} if method == "DELETE" else raw)
        if method == "DELETE":
            return write(request, lambda tx: _single(tx, request, "Account", "Accounts", change(tx, {})))
        return write_elements(request, "Account", "Accounts", "AccountID", change)
    raise MethodNotAllowed


def _single(tx: Tx, request: ApiRequest, kind: str, plural: str, doc: dict) -> Reply:
    return Reply(200, envelope(plural, [render(kind, doc, unitdp=request.unitdp)], tx.now_ms))


def _fail(message: str) -> Callable[[Tx, dict], dict]:
    def process(_tx: Tx, raw: dict) -> dict:
        raise Invalid(message, raw)
    return process


def contacts_resource(request: ApiRequest) -> Reply:
    segments, method = request.segments, request.method
    if method == "GET":
        if len(segments) == 2:
            return _read(request, lambda tx: one_reply(tx, request, "Contact", segments[1]))
        extra = []
        term = request.param("searchTerm")
        if term:
            extra.append(("(name LIKE ? OR number LIKE ? OR json_extract(body,'$.EmailAddress') LIKE ?"
                          " OR json_extract(body,'$.FirstName') LIKE ? OR json_extract(body,'$.LastName') LIKE ?)",
                          [f"%{term}%"] * 5))
        return _read(request, lambda tx: list_reply(tx, request, "Contact", extra))
    if method == "PUT" and len(segments) == 1:
        return write_elements(request, "Contact", "Contacts", "ContactID", contacts.create)
    if method == "POST" and len(segments) == 1:
        return write_elements(request, "Contact", "Contacts", "ContactID", contacts.upsert)
    if method == "POST" and len(segments) == 2:
        def update(tx: Tx, raw: dict) -> dict:
            return contacts.update(tx, get_one(tx, "Contact", segments[1]), raw)
        return write_elements(request, "Contact", "Contacts", "ContactID", update)
    raise MethodNotAllowed


def _document_list_filters(request: ApiRequest, spec: Spec) -> list[tuple[str, list[object]]]:
    extra = []
    numbers = _csv(request.param(f"{spec.number_field}s"))
    if numbers:
        sql, values = in_list("number", numbers)
        extra.append((sql.replace("number IN", "number COLLATE NOCASE IN"), values))
    contact_ids = [value.lower() for value in _csv(request.param("ContactIDs"))]
    if contact_ids:
        extra.append(in_list("contact_id", contact_ids))
    statuses = [value.upper() for value in _csv(request.param("Statuses"))]
    if statuses:
        extra.append(in_list("status", statuses))
    term = request.param("searchTerm")
    if term:
        extra.append(("(number LIKE ? OR reference LIKE ?)", [f"%{term}%", f"%{term}%"]))
    return extra


def document_resource(spec: Spec) -> Handler:
    """Invoices and CreditNotes (with the credit note Allocations sub-resource)."""
    def handler(request: ApiRequest) -> Reply:
        segments, method = request.segments, request.method
        unitdp = request.unitdp
        if method == "GET" and len(segments) == 2:
            return _read(request, lambda tx: one_reply(tx, request, spec.kind, segments[1]))
        if method == "GET" and len(segments) == 1:
            extra = _document_list_filters(request, spec)
            return _read(request, lambda tx: list_reply(tx, request, spec.kind, extra))
        if method == "PUT" and len(segments) == 1:
            return write_elements(request, spec.kind, spec.plural, spec.id_field,
                                  lambda tx, raw: invoices.create(tx, spec, raw, unitdp=unitdp))
        if method == "POST" and len(segments) == 1:
            return write_elements(request, spec.kind, spec.plural, spec.id_field,
                                  lambda tx, raw: invoices.upsert(tx, spec, raw, unitdp=unitdp))
        if method == "POST" and len(segments) == 2:
            return write_elements(
                request, spec.kind, spec.plural, spec.id_field,
                lambda tx, raw: invoices.update(tx, spec, get_one(tx, spec.kind, segments[1]), raw, unitdp=unitdp))
        if spec is CREDIT_NOTE and len(segments) >= 3 and segments[2].lower() == "allocations":
            return allocations_resource(request, "CreditNote")
        raise MethodNotAllowed
    return handler


def allocations_resource(request: ApiRequest, source_kind: str) -> Reply:
    segments, method = request.segments, request.method
    if method == "PUT" and len(segments) == 3:
        def allocate(tx: Tx, raw: dict) -> dict:
            source = get_one(tx, source_kind, segments[1], number_column=None)
            return allocations.allocate(tx, source_kind, source, raw)
        return write_elements(request, "Allocation", "Allocations", "AllocationID", allocate)
    if method == "DELETE" and len(segments) == 4:
        def remove(tx: Tx) -> Reply:
            source = get_one(tx, source_kind, segments[1], number_column=None)
            try:
                return Reply(200, allocations.remove(tx, source_kind, source, segments[3]))
            except Invalid as exc:
                return Reply(400, errors.validation_exception([errors.failed_element(
                    "Allocation", None, exc.element or {}, exc.messages)]))
        return write(request, remove)
    raise MethodNotAllowed


def payments_resource(request: ApiRequest) -> Reply:
    segments, method = request.segments, request.method
    if method == "GET" and len(segments) == 2:
        return _read(request, lambda tx: one_reply(tx, request, "Payment", segments[1], number_column=None))
    if method == "GET":
        return _read(request, lambda tx: list_reply(tx, request, "Payment"))
    if method in ("PUT", "POST") and len(segments) == 1:
        return write_elements(request, "Payment", "Payments", "PaymentID", payments.create)
    if method == "POST" and len(segments) == 2:
        def delete(tx: Tx, raw: dict) -> dict:
            return payments.delete(tx, get_one(tx, "Payment", segments[1], number_column=None), raw)
        return write_elements(request, "Payment", "Payments", "PaymentID", delete)
    raise MethodNotAllowed


def journals_resource(request: ApiRequest) -> Reply:
    segments, method = request.segments, request.method
    if method == "GET" and len(segments) == 2:
        return _read(request, lambda tx: one_reply(tx, request, "ManualJournal", segments[1], number_column=None))
    if method == "GET":
        return _read(request, lambda tx: list_reply(tx, request, "ManualJournal"))
    if method == "PUT" and len(segments) == 1:
        return write_elements(request, "ManualJournal", "ManualJournals", "ManualJournalID", journals.create)
    if method == "POST" and len(segments) == 1:
        return write_elements(request, "ManualJournal", "ManualJournals", "ManualJournalID", journals.upsert)
    if method == "POST" and len(segments) == 2:
        def update(tx: Tx, raw: dict) -> dict:
            return journals.update(tx, get_one(tx, "ManualJournal", segments[1], number_column=None), raw)
        return write_elements(request, "ManualJournal", "ManualJournals", "ManualJournalID", update)
    raise MethodNotAllowed


def bank_transactions_resource(request: ApiRequest) -> Reply:
    segments, method = request.segments, request.method
    unitdp = request.unitdp
    if method == "GET" and len(segments) == 2:
        return _read(request, lambda tx: one_reply(tx, request, "BankTransaction", segments[1], number_column=None))
    if method == "GET":
        return _read(request, lambda tx: list_reply(tx, request, "BankTransaction"))
    if method == "PUT" and len(segments) == 1:
        return write_elements(request, "BankTransaction", "BankTransactions", "BankTransactionID",
                              lambda tx, raw: banking.create(tx, raw, unitdp=unitdp))
    if method == "POST" and len(segments) in (1, 2):
        def upsert(tx: Tx, raw: dict) -> dict:
            key = segments[1] if len(segments) == 2 else raw.get("BankTransactionID")
            if not key:
                return banking.create(tx, raw, unitdp=unitdp)
            return banking.update(tx, get_one(tx, "BankTransaction", str(key), number_column=None), raw)
        return write_elements(request, "BankTransaction", "BankTransactions", "BankTransactionID", upsert)
    raise MethodNotAllowed


def prepayments_resource(request: ApiRequest) -> Reply:
    segments = request.segments
    if len(segments) >= 3 and segments[2].lower() == "allocations":
        return allocations_resource(request, "Prepayment")
    return _simple_list("Prepayment")(request)


def items_resource(request: ApiRequest) -> Reply:
    segments, method = request.segments, request.method
    unitdp = request.unitdp
    if method == "GET" and len(segments) == 2:
        return _read(request, lambda tx: one_reply(tx, request, "Item", segments[1]))
    if method == "GET":
        return _read(request, lambda tx: list_reply(tx, request, "Item"))
    if method == "PUT" and len(segments) == 1:
        return write_elements(request, "Item", "Items", "ItemID",
                              lambda tx, raw: settings.create_item(tx, raw, unitdp=unitdp))
    if method == "POST" and len(segments) == 1:
        return write_elements(request, "Item", "Items", "ItemID",
                              lambda tx, raw: settings.upsert_item(tx, raw, unitdp=unitdp))
    if method == "POST" and len(segments) == 2:
        def update(tx: Tx, raw: dict) -> dict:
            return settings.update_item(tx, get_one(tx, "Item", segments[1]), raw, unitdp=unitdp)
        return write_elements(request, "Item", "Items", "ItemID", update)
    if method == "DELETE" and len(segments) == 2:
        def delete(tx: Tx) -> Reply:
            item = get_one(tx, "Item", segments[1])
            tx.conn.execute("DELETE FROM docs WHERE kind='Item' AND id=?", (item["ItemID"],))
            return Reply(204, b"")
        return write(request, delete)
    raise MethodNotAllowed


RESOURCES: dict[str, Handler] = {
    "organisation": organisation,
    "organisations": organisation,
    "accounts": accounts,
    "taxrates": tax_rates,
    "trackingcategories": _simple_list("TrackingCategory"),
    "currencies": _simple_list("Currency"),
    "contactgroups": _simple_list("ContactGroup"),
    "contacts": contacts_resource,
    "invoices": document_resource(INVOICE),
    "creditnotes": document_resource(CREDIT_NOTE),
    "payments": payments_resource,
    "manualjournals": journals_resource,
    "banktransactions": bank_transactions_resource,
    "prepayments": prepayments_resource,
    "items": items_resource,
}
assert all(kind in KINDS for kind in ("Invoice", "CreditNote"))


def dispatch(request: ApiRequest) -> Reply:
    """Route ``request`` to its resource; 404 for unknown paths and ids, 405 for wrong methods."""
    from sandbox.xero.wire import bad_request

    handler = RESOURCES.get(request.segments[0].lower()) if request.segments else None
    try:
        if handler is None:
            raise NotFound(request.path)
        if len(request.segments) > 2 and request.segments[2].lower() != "allocations":
            raise NotFound(request.path)  # nothing deeper than /{Resource}/{id} but allocations is served
        return handler(request)
    except NotFound:
        return Reply(404, errors.problem(404, "NotFound", "The resource you're looking for cannot be found"))
    except MethodNotAllowed:
        return Reply(405, errors.problem(405, "Method Not Allowed",
                                         f"{request.method} is not supported on {request.path}"))
    except errors.BadRequest as exc:
        return bad_request(exc)
