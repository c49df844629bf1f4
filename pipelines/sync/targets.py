"""How each kind of write reaches its target, and how a write of unknown outcome is found again.

An adapter sends a batch of resolved payloads and returns one :class:`Outcome` per document, in
order. ``lookup`` answers "is this write already in the target?" for a row whose response was lost:
it finds the document by something the write itself put there (an invoice number, a reference, a
journal line naming the source line), so a crashed run is finished without writing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pipelines.auxo.client import MAX_BATCH as AUXO_MAX_BATCH
from pipelines.auxo.client import AuxoClient
from pipelines.http import BadRequest, NotFound
from pipelines.sync.errors import Classified, classify_auxo_error, classify_xero_validation
from pipelines.xero.client import MAX_BATCH as XERO_MAX_BATCH
from pipelines.xero.client import XeroClient, validation_messages


@dataclass(frozen=True)
class Outcome:
    ok: bool
    target_id: str | None = None
    problem: Classified | None = None
    document: dict[str, Any] | None = None


class Adapter(Protocol):
    target: str
    batch_size: int

    def group(self, payload: dict[str, Any]) -> tuple[str, ...]:
        """Writes with the same group can share one call (same endpoint and method)."""
        ...

    def send(self, client: Any, payloads: list[dict[str, Any]], key: str) -> list[Outcome]: ...

    def lookup(self, client: Any, payload: dict[str, Any], source_id: str) -> str | None: ...


def _quote(value: str) -> str:
    return '"' + str(value).replace('"', '\\"') + '"'


def _element_outcome(element: dict[str, Any], id_field: str) -> Outcome:
    messages = validation_messages(element)
    failed = element.get("HasErrors") or element.get("HasValidationErrors") or \
        element.get("StatusAttributeString") == "ERROR" or bool(messages)
    if failed:
        return Outcome(False, problem=classify_xero_validation(messages), document=element)
    return Outcome(True, target_id=element.get(id_field), document=element)


def _batch_refused(exc: BadRequest, count: int, id_field: str) -> list[Outcome]:
    """A 400 for a whole batch: per-element errors when Xero lists them, else the same error for all."""
    body = exc.body if isinstance(exc.body, dict) else {}
    elements = body.get("Elements") or []
    if len(elements) == count:
        return [_element_outcome({**e, "HasErrors": True}, id_field) if validation_messages(e)
                else Outcome(False, problem=classify_xero_validation([str(exc)])) for e in elements]
    return [Outcome(False, problem=classify_xero_validation([str(exc)])) for _ in range(count)]


@dataclass(frozen=True)
class XeroBatch:
    """Documents PUT or POSTed to a collection endpoint, up to 50 per call."""

    entity: str
    method: str
    endpoint: str
    collection: str
    id_field: str
    target: str = "xero"
    batch_size: int = XERO_MAX_BATCH

    def group(self, payload: dict[str, Any]) -> tuple[str, ...]:
        return ("xero", self.method, self.endpoint, self.collection, self.id_field)

    def send(self, client: XeroClient, payloads: list[dict[str, Any]], key: str) -> list[Outcome]:
        try:
            elements = client.write(self.method, self.endpoint, self.collection, payloads, idempotency_key=key)
        except BadRequest as exc:
            return _batch_refused(exc, len(payloads), self.id_field)
        if len(elements) != len(payloads):
            raise RuntimeError(f"Xero answered {len(elements)} {self.collection} for {len(payloads)} sent")
        return [_element_outcome(element, self.id_field) for element in elements]

    def lookup(self, client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
        return LOOKUPS[self.entity](client, payload, source_id)


@dataclass(frozen=True)
class XeroSingle:
    """One document per call to a per-document URL (allocations, payment deletions)."""

    entity: str
    method: str
    url: str  # e.g. "CreditNotes/{CreditNoteID}/Allocations"; the id comes from the payload
    collection: str
    id_field: str
    target: str = "xero"
    batch_size: int = 1

    def group(self, payload: dict[str, Any]) -> tuple[str, ...]:
        return ("xero", self.method, self.url, *(str(payload.get(name)) for name in _placeholders(self.url)))

    def send(self, client: XeroClient, payloads: list[dict[str, Any]], key: str) -> list[Outcome]:
        (payload,) = payloads
        path_ids = {name: payload[name] for name in _placeholders(self.url)}
        body = {k: v for k, v in payload.items() if k not in path_ids}
        try:
            elements = client.write(self.method, self.url.format(**path_ids), self.collection, [body],
                                    idempotency_key=key)
        except BadRequest as exc:
            return _batch_refused(exc, 1, self.id_field)
        if not elements:
            return [Outcome(True, target_id=next(iter(path_ids.values()), None))]
        outcome = _element_outcome(elements[0], self.id_field)
        if outcome.ok and not outcome.target_id:
            outcome = Outcome(True, target_id=next(iter(path_ids.values()), None), document=outcome.document)
        return [outcome]

    def lookup(self, client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
        return LOOKUPS[self.entity](client, payload, source_id)


@dataclass(frozen=True)
class XeroRemoval:
    """``DELETE`` of one sub-resource by its URL (a prepayment's allocation), one per call.

    Xero answers with what it removed (``IsDeleted``); one already gone (404) is looked up, and is
    done when the document no longer holds it.
    """

    entity: str
    url: str  # e.g. "Prepayments/{PrepaymentID}/Allocations/{AllocationID}"; the ids come from the payload
    id_field: str
    method: str = "DELETE"
    target: str = "xero"
    batch_size: int = 1

    def group(self, payload: dict[str, Any]) -> tuple[str, ...]:
        return ("xero", self.method, self.url, *(str(payload.get(name)) for name in _placeholders(self.url)))

    def send(self, client: XeroClient, payloads: list[dict[str, Any]], key: str) -> list[Outcome]:
        (payload,) = payloads
        path = self.url.format(**{name: payload[name] for name in _placeholders(self.url)})
        try:
            answer = client.delete(path, idempotency_key=key)
        except BadRequest as exc:
            return _batch_refused(exc, 1, self.id_field)
        except NotFound:
            gone = self.lookup(client, payload, "")
            if gone:
                return [Outcome(True, target_id=gone)]
            raise
        return [Outcome(True, target_id=payload[self.id_field], document=answer)]

    def lookup(self, client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
        return LOOKUPS[self.entity](client, payload, source_id)


@dataclass(frozen=True)
class XeroPrepaymentDeletion:
    """A deposit's prepayment deleted: its ``RECEIVE-PREPAYMENT`` bank transaction is found (by the
    Reference the sync gave it, else by its date) and set to ``Status: DELETED``, which voids the
    prepayment. Xero refuses while the prepayment is allocated, or when the transaction is reconciled
    or in a locked period."""

    entity: str = "prepayment_delete"
    method: str = "POST"
    url: str = "BankTransactions/{BankTransactionID}"  # found first by the prepayment's Reference or date
    target: str = "xero"
    batch_size: int = 1

    def group(self, payload: dict[str, Any]) -> tuple[str, ...]:
        return ("xero", self.method, self.url, str(payload.get("PrepaymentID")))

    def send(self, client: XeroClient, payloads: list[dict[str, Any]], key: str) -> list[Outcome]:
        (payload,) = payloads
        bank_transaction = _prepayment_transaction(client, payload)
        if bank_transaction is None:
            if _find_deleted_prepayment(client, payload, ""):
                return [Outcome(True, target_id=payload["PrepaymentID"])]
            return [Outcome(False, problem=classify_xero_validation([
                f"No RECEIVE-PREPAYMENT bank transaction holds prepayment {payload['PrepaymentID']}"]))]
        transaction_id = bank_transaction["BankTransactionID"]
        try:
            elements = client.write(self.method, self.url.format(BankTransactionID=transaction_id), "BankTransactions",
                                    [{"BankTransactionID": transaction_id, "Status": payload.get("Status", "DELETED")}],
                                    idempotency_key=key)
        except BadRequest as exc:
            return _batch_refused(exc, 1, "PrepaymentID")
        if not elements:
            return [Outcome(True, target_id=payload["PrepaymentID"])]
        return [_element_outcome(elements[0], "PrepaymentID")]

    def lookup(self, client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
        return _find_deleted_prepayment(client, payload, source_id)


def _prepayment_transaction(client: XeroClient, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The live bank transaction of ``payload['PrepaymentID']``: by our Reference, else by the date."""
    wanted = str(payload["PrepaymentID"]).lower()
    filters = [f'Type=="RECEIVE-PREPAYMENT" AND Reference=={_quote(payload["Reference"])}']
    if payload.get("Date"):  # a date, or its ISO text once the plan has been stored
        day = date.fromisoformat(str(payload["Date"])[:10])
        filters.append(f'Type=="RECEIVE-PREPAYMENT" AND Date==DateTime({day.year},{day.month},{day.day})')
    for where in filters:
        for document in _first(client, "BankTransactions", "BankTransactions", {"where": where}):
            if str(document.get("PrepaymentID") or "").lower() == wanted and document.get("Status") == "AUTHORISED":
                return document
    return None


def _placeholders(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


# -- lookups: is the write already in Xero? ----------------------------------------------------------

def _first(client: XeroClient, endpoint: str, collection: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    body = client.get(endpoint, params=params)
    return list((body or {}).get(collection, []))


def _find_contact(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    found = _first(client, "Contacts", "Contacts", {"where": f"Name=={_quote(payload['Name'])}"})
    return found[0]["ContactID"] if len(found) == 1 else None


def _find_invoice(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    found = _first(client, "Invoices", "Invoices", {"InvoiceNumbers": payload["InvoiceNumber"]})
    contact = (payload.get("Contact") or {}).get("ContactID")
    for invoice in found:
        if invoice.get("Type") == "ACCREC" and invoice.get("Status") != "DELETED" and \
                (contact is None or (invoice.get("Contact") or {}).get("ContactID") == contact) and \
                invoice.get("Reference") == payload.get("Reference"):
            return invoice["InvoiceID"]
    return None


def _find_by_reference(endpoint: str, collection: str, id_field: str, extra: str = ""):
    def find(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
        where = f"Reference=={_quote(payload['Reference'])}" + (f" AND {extra}" if extra else "")
        for document in _first(client, endpoint, collection, {"where": where}):
            if document.get("Status") not in ("DELETED", "VOIDED"):
                return document.get(id_field) or document.get("PrepaymentID")
        return None

    return find


def _find_credit_note(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    where = f"CreditNoteNumber=={_quote(payload['CreditNoteNumber'])}"
    for note in _first(client, "CreditNotes", "CreditNotes", {"where": where}):
        if note.get("Status") not in ("DELETED", "VOIDED"):
            return note["CreditNoteID"]
    return None


def _find_manual_journal(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    where = f"Narration=={_quote(payload['Narration'])}"
    for journal in _first(client, "ManualJournals", "ManualJournals", {"where": where}):
        if journal.get("Status") in ("DELETED", "VOIDED"):
            continue
        lines = journal.get("JournalLines") or []
        if any(source_id in (line.get("Description") or "") for line in lines):
            return journal["ManualJournalID"]
    return None


def _find_allocation(endpoint: str, collection: str, id_field: str):
    def find(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
        document_id = payload[id_field]
        # the payload is the allocation itself beside the document's id (what XeroSingle sends)
        wanted = payload["Allocations"][0] if "Allocations" in payload else payload
        invoice_id = wanted["Invoice"]["InvoiceID"]
        amount = Decimal(str(wanted["Amount"]))
        for document in _first(client, f"{endpoint}/{document_id}", collection, {}):
            for allocation in document.get("Allocations") or []:
                if (allocation.get("Invoice") or {}).get("InvoiceID") == invoice_id and \
                        Decimal(str(allocation.get("Amount"))) == amount and not allocation.get("IsDeleted"):
                    return allocation.get("AllocationID") or document_id
        return None

    return find


def _find_deleted_payment(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    try:
        found = _first(client, f"Payments/{payload['PaymentID']}", "Payments", {})
    except NotFound:
        return None
    return payload["PaymentID"] if found and found[0].get("Status") == "DELETED" else None


def _find_voided_invoice(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    found = _first(client, f"Invoices/{payload['InvoiceID']}", "Invoices", {})
    return payload["InvoiceID"] if found and found[0].get("Status") == "VOIDED" else None


def _find_deleted_prepayment(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    try:
        found = _first(client, f"Prepayments/{payload['PrepaymentID']}", "Prepayments", {})
    except NotFound:
        return None
    return payload["PrepaymentID"] if found and found[0].get("Status") in ("VOIDED", "DELETED") else None


def _find_removed_allocation(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    """The allocation is gone when the prepayment no longer holds it (or holds it deleted)."""
    wanted = str(payload["AllocationID"]).lower()
    for document in _first(client, f"Prepayments/{payload['PrepaymentID']}", "Prepayments", {}):
        for allocation in document.get("Allocations") or []:
            if str(allocation.get("AllocationID") or "").lower() == wanted and not allocation.get("IsDeleted"):
                return None
        return payload["AllocationID"]
    return None


def _resend(client: XeroClient, payload: dict[str, Any], source_id: str) -> str | None:
    return None  # updates are idempotent: sending the same fields again is harmless


LOOKUPS = {
    "contact": _find_contact,
    "contact_update": _resend,
    "invoice": _find_invoice,
    "invoice_update": _resend,
    "invoice_void": _find_voided_invoice,
    "credit_note": _find_credit_note,
    "credit_allocation": _find_allocation("CreditNotes", "CreditNotes", "CreditNoteID"),
    "payment": _find_by_reference("Payments", "Payments", "PaymentID"),
    "payment_delete": _find_deleted_payment,
    # a deposit is known by its Prepayment's id (what allocations name), not its bank transaction's
    "prepayment": _find_by_reference("BankTransactions", "BankTransactions", "PrepaymentID",
                                     'Type=="RECEIVE-PREPAYMENT"'),
    "prepayment_allocation": _find_allocation("Prepayments", "Prepayments", "PrepaymentID"),
    "prepayment_allocation_removal": _find_removed_allocation,
    "prepayment_delete": _find_deleted_prepayment,
    "manual_journal": _find_manual_journal,
    "bill": _find_by_reference("Invoices", "Invoices", "InvoiceID", 'Type=="ACCPAY"'),
}


@dataclass(frozen=True)
class AuxoBulk:
    """Auxo's bulk writes: ``POST /api/v1/<path>`` with ``{"items": [...]}``, up to 100 per call.

    Payloads are ``{"path": "invoices/sync-status", "item": {...}}``; Auxo's writes are idempotent
    by their Xero ids, so a write of unknown outcome is simply sent again.
    """

    entity: str
    target: str = "auxo"
    batch_size: int = AUXO_MAX_BATCH

    def group(self, payload: dict[str, Any]) -> tuple[str, ...]:
        return ("auxo", payload["path"])

    def send(self, client: AuxoClient, payloads: list[dict[str, Any]], key: str) -> list[Outcome]:
        paths = {p["path"] for p in payloads}
        if len(paths) != 1:
            raise ValueError(f"one Auxo bulk write goes to one path, got {sorted(paths)}")
        try:
            results = client.write("POST", paths.pop(), [p["item"] for p in payloads], idempotency_key=key)
        except BadRequest as exc:
            error = exc.body.get("error", {}) if isinstance(exc.body, dict) else {}
            problem = classify_auxo_error(error.get("code", "invalid_request"), error.get("message", str(exc)))
            return [Outcome(False, problem=problem) for _ in payloads]
        outcomes = []
        for result in results:
            if result.get("ok"):
                data = result.get("data") or {}
                outcomes.append(Outcome(True, target_id=data.get("id"), document=data))
            else:
                error = result.get("error") or {}
                outcomes.append(Outcome(False, problem=classify_auxo_error(error.get("code", ""),
                                                                           error.get("message", "")), document=result))
        return outcomes

    def lookup(self, client: AuxoClient, payload: dict[str, Any], source_id: str) -> str | None:
        return None


XERO_ADAPTERS: dict[tuple[str, str], Adapter] = {
    ("contact", "create"): XeroBatch("contact", "PUT", "Contacts", "Contacts", "ContactID"),
    ("contact", "update"): XeroBatch("contact_update", "POST", "Contacts", "Contacts", "ContactID"),
    ("invoice", "create"): XeroBatch("invoice", "PUT", "Invoices", "Invoices", "InvoiceID"),
    ("invoice", "update"): XeroBatch("invoice_update", "POST", "Invoices", "Invoices", "InvoiceID"),
    ("invoice", "void"): XeroBatch("invoice_void", "POST", "Invoices", "Invoices", "InvoiceID"),
    ("credit_note", "create"): XeroBatch("credit_note", "PUT", "CreditNotes", "CreditNotes", "CreditNoteID"),
    ("credit_note", "allocate"): XeroSingle("credit_allocation", "PUT", "CreditNotes/{CreditNoteID}/Allocations",
                                            "Allocations", "AllocationID"),
    ("payment", "create"): XeroBatch("payment", "PUT", "Payments", "Payments", "PaymentID"),
    ("payment", "delete"): XeroSingle("payment_delete", "POST", "Payments/{PaymentID}", "Payments", "PaymentID"),
    ("prepayment", "create"): XeroBatch("prepayment", "PUT", "BankTransactions", "BankTransactions",
                                        "PrepaymentID"),
    ("prepayment", "allocate"): XeroSingle("prepayment_allocation", "PUT", "Prepayments/{PrepaymentID}/Allocations",
                                           "Allocations", "AllocationID"),
    ("prepayment_allocation", "delete"): XeroRemoval("prepayment_allocation_removal",
                                                     "Prepayments/{PrepaymentID}/Allocations/{AllocationID}",
                                                     "AllocationID"),
    ("prepayment", "delete"): XeroPrepaymentDeletion(),
    ("manual_journal", "create"): XeroBatch("manual_journal", "PUT", "ManualJournals", "ManualJournals",
                                            "ManualJournalID"),
    ("bill", "create"): XeroBatch("bill", "PUT", "Invoices", "Invoices", "InvoiceID"),
}


def adapter_for(target: str, entity: str, operation: str) -> Adapter:
    if target == "auxo":
        return AuxoBulk(entity)
    try:
        return XERO_ADAPTERS[(entity, operation)]
    except KeyError:
        raise ValueError(f"no way to {operation} a {entity} in Xero; add an adapter in pipelines/sync/targets.py") \
            from None
