"""Every constraint the official spec puts on a request document is enforced, field by field.

For each kind the project writes, a valid document is taken and, for every settable field of its
schema (and of its line items and contact), the field is given a value that breaks that field's
constraint in the spec: one character past ``maxLength``, a value outside the ``enum``, a string
that is no GUID or no date, text for a number, an object for a string, a string for a list.
Each must be a 400 ValidationException naming the field, and under ``summarizeErrors=false`` a
200 whose element is ERROR; the valid document itself is accepted. The list of cases comes from
the spec, so a constraint the sandbox missed fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.xero.conftest import XeroApi
from tests.sandbox.xero.openapi_check import XeroContract

CONTACT_ID = "{contact}"  # replaced by a real contact's id


def _invoice() -> dict:
    return {"Type": "ACCREC", "Contact": {"ContactID": CONTACT_ID}, "Date": "2026-11-20", "DueDate": "2026-12-20",
            "LineItems": [{"Description": "Service", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}]}


DOCUMENTS: dict[str, tuple[str, str, dict, list[str]]] = {
    # kind: (path, envelope, a valid document, nested fields whose own schemas are walked too)
    "Invoice": ("Invoices", "Invoices", _invoice(), ["LineItems", "Contact"]),
    "CreditNote": ("CreditNotes", "CreditNotes", {**_invoice(), "Type": "ACCRECCREDIT"}, ["LineItems"]),
    "Contact": ("Contacts", "Contacts", {"Name": "Constraint Check", "Addresses": [{"AddressType": "STREET"}],
                                         "Phones": [{"PhoneType": "MOBILE"}]}, ["Addresses", "Phones"]),
    "ManualJournal": ("ManualJournals", "ManualJournals", {
        "Narration": "Check", "JournalLines": [{"LineAmount": 10, "AccountCode": "310"},
                                               {"LineAmount": -10, "AccountCode": "630"}]}, ["JournalLines"]),
    "Item": ("Items", "Items", {"Code": "CHECK", "Name": "Check", "SalesDetails": {"UnitPrice": 5}},
             ["SalesDetails"]),
}


def _resolve(contract: XeroContract, schema: dict) -> dict:
    return contract._resolve(schema)


def _breaking(contract: XeroContract, schema: dict) -> Any:
    """A value that breaks ``schema``'s own constraint, or None when it constrains nothing."""
    resolved = _resolve(contract, schema)
    if resolved.get("readOnly") or schema.get("readOnly"):
        return None
    kind = resolved.get("type")  # a schema with properties but no type (LineItemItem) constrains none
    if resolved.get("enum"):
        return "NOT-IN-THE-ENUM"
    if resolved.get("maxLength"):
        return "x" * (resolved["maxLength"] + 1)
    if resolved.get("format") == "uuid":
        return "not-a-guid"
    if resolved.get("x-is-msdate") or schema.get("x-is-msdate"):
        return "2026-02-30"
    if kind in ("number", "integer"):
        return "twelve"
    if kind == "boolean":
        return "maybe"
    if kind == "string":
        return {"an": "object"}
    if kind == "array":
        return "not a list"
    if kind == "object":
        return "not an object"
    return None


def _cases(contract: XeroContract) -> list[tuple[str, str, Any]]:
    schemas = contract.spec["components"]["schemas"]
    cases = []
    for kind, (_path, _key, doc, nested) in DOCUMENTS.items():
        properties = schemas[kind]["properties"]
        for name, schema in properties.items():
            value = _breaking(contract, schema)
            if value is not None:
                cases.append((kind, name, value))
        for outer in nested:
            inner = _resolve(contract, properties[outer])
            inner = _resolve(contract, inner.get("items", inner))
            where = f"{outer}[0]" if isinstance(doc[outer], list) else outer
            for name, schema in inner.get("properties", {}).items():
                value = _breaking(contract, schema)
                if value is not None:
                    cases.append((kind, f"{where}.{name}", value))
    return cases


CASES = _cases(XeroContract())


def _with(doc: dict, field: str, value: Any) -> dict:
    doc = {key: (list(map(dict, item)) if isinstance(item, list) else dict(item) if isinstance(item, dict) else item)
           for key, item in doc.items()}
    head, _, tail = field.partition(".")
    if not tail:
        doc[field] = value
        return doc
    outer = head.split("[")[0]
    target = doc[outer][0] if head.endswith("[0]") else doc[outer]
    target[tail] = value
    return doc


def _document(kind: str, contact: dict) -> dict:
    doc = DOCUMENTS[kind][2]
    if "Contact" in doc:
        doc = {**doc, "Contact": {"ContactID": contact["ContactID"]}}
    return doc


def test_the_valid_documents_are_accepted(api: XeroApi) -> None:
    contact = api.contact("Constraint Customer")
    for kind, (path, key, _doc, _nested) in DOCUMENTS.items():
        doc = _document(kind, contact)
        if kind == "Contact":
            doc = {**doc, "Name": "Constraint Check Valid"}
        api.one("PUT", path, key, doc)


def test_every_constraint_is_listed() -> None:
    """The walk reaches what matters: lengths, enums, GUIDs, dates, numbers, nested lines."""
    fields = {(kind, field) for kind, field, _value in CASES}
    assert {("Invoice", "InvoiceNumber"), ("Invoice", "Status"), ("Invoice", "Date"), ("Invoice", "InvoiceID"),
            ("Invoice", "LineItems[0].UnitAmount"), ("Invoice", "Contact.Name"), ("Contact", "Phones[0].PhoneType"),
            ("Item", "Code"), ("ManualJournal", "JournalLines[0].LineAmount")} <= fields
    assert len(CASES) > 150


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_each_broken_field_is_a_validation_error(api: XeroApi, kind: str) -> None:
    contact = api.contact(f"Constraint {kind}")
    path, key, _doc, _nested = DOCUMENTS[kind]
    missed = []
    for case_kind, field, value in CASES:
        if case_kind != kind:
            continue
        doc = _with(_document(kind, contact), field, value)
        response = api.put(path, {key: [doc]})
        body = response.json()
        if response.status_code != 400 or body.get("Type") != "ValidationException":
            missed.append((field, value, response.status_code, response.text[:200]))
            continue
        messages = [error["Message"] for error in body["Elements"][0]["ValidationErrors"]]
        if not any(field in message or field.rsplit(".", 1)[-1] in message for message in messages):
            missed.append((field, value, "no message names it", messages))
    assert not missed, missed


def test_one_broken_element_fails_alone_without_summarized_errors(api: XeroApi) -> None:
    contact = api.contact("Constraint Batch")
    good = _document("Invoice", contact)
    bad = _with(good, "LineItems[0].Quantity", "twelve")
    first, second = api.ok(api.put("Invoices", {"Invoices": [good, bad]}, params={"summarizeErrors": "false"}),
                           "Invoices")
    assert first["StatusAttributeString"] == "OK"
    assert second["StatusAttributeString"] == "ERROR" and second["HasErrors"] is True
    assert [error["Message"] for error in second["ValidationErrors"]] == [
        "'twelve' is not a valid number for LineItems[0].Quantity."]
