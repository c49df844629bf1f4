"""Contacts: create, update, archive, merge, and the contact named inside a document.

Names are unique among ACTIVE contacts (case-insensitive), ContactNumbers among all contacts.
Every contact carries ``ContactGroups`` (tap-xero reads it) and Xero's four phone and two address
slots. A document naming an unknown contact by ``Name`` only creates it, as Xero does.
"""

from __future__ import annotations

import re

from sandbox.xero import errors
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import seed_updated_ms, text
from sandbox.xero.store import Tx

PHONE_TYPES = ("DEFAULT", "DDI", "FAX", "MOBILE")
EXTRA_PHONE_TYPES = ("OFFICE",)
ADDRESS_TYPES = ("STREET", "POBOX")
STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
LINE_TYPE_VALUES = ("INCLUSIVE", "EXCLUSIVE", "NONE")
SIMPLE_FIELDS = ("ContactNumber", "AccountNumber", "Name", "FirstName", "LastName", "CompanyNumber",
                 "EmailAddress", "BankAccountDetails", "TaxNumber", "AccountsReceivableTaxType",
                 "AccountsPayableTaxType", "DefaultCurrency", "SalesDefaultAccountCode",
                 "PurchasesDefaultAccountCode", "XeroNetworkKey", "Website")
ADDRESS_FIELDS = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "City", "Region",
                  "PostalCode", "Country", "AttentionTo")
PHONE_FIELDS = ("PhoneNumber", "PhoneAreaCode", "PhoneCountryCode")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def blank_contact(contact_id: str) -> dict:
    """A new contact as Xero shows one: two address slots, four phone slots, empty groups."""
    return {
        "ContactID": contact_id,
        "ContactStatus": "ACTIVE",
        "Name": "",
        "EmailAddress": "",
        "BankAccountDetails": "",
        "Addresses": [_blank_address("STREET"), _blank_address("POBOX")],
        "Phones": [_blank_phone("DEFAULT"), _blank_phone("DDI"), _blank_phone("FAX"), _blank_phone("MOBILE")],
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "SalesTrackingCategories": [],
        "PurchasesTrackingCategories": [],
        "ContactPersons": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }


def _blank_address(kind: str) -> dict:
    return {"AddressType": kind, "City": "", "Region": "", "PostalCode": "", "Country": "", "AttentionTo": ""}


def _blank_phone(kind: str) -> dict:
    return {"PhoneType": kind, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}


def _merge_slots(current: list[dict], incoming: object, type_key: str, fields: tuple[str, ...],
                 allowed: tuple[str, ...]) -> list[dict]:
    """Addresses and phones are keyed by type: an incoming one replaces that slot."""
    slots = {item.get(type_key): dict(item) for item in current}
    order = [item.get(type_key) for item in current]
    for item in incoming if isinstance(incoming, list) else []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get(type_key) or allowed[0]).upper()
        if kind not in allowed:
            continue
        slot = slots.setdefault(kind, {type_key: kind})
        if kind not in order:
            order.append(kind)
        for key in fields:
            if key in item and item[key] is not None:
                slot[key] = str(item[key])
    return [slots[kind] for kind in order]


def apply_fields(doc: dict, raw: dict, messages: list[str]) -> dict:
    """Copy the settable fields of ``raw`` onto ``doc`` (read-only and unknown ones are ignored)."""
    for key in SIMPLE_FIELDS:
        if key in raw and raw[key] is not None:
            doc[key] = text(raw, key)
    status = raw.get("ContactStatus")
    if status is not None:
        if str(status).upper() in STATUSES:
            doc["ContactStatus"] = str(status).upper()
        else:
            messages.append(errors.STATUS_INVALID.format(value=status))
    for key in ("SalesDefaultLineAmountType", "PurchasesDefaultLineAmountType"):
        value = raw.get(key)
        if value is not None and str(value).upper() in LINE_TYPE_VALUES:
            doc[key] = str(value).upper()
    if "Addresses" in raw:
        doc["Addresses"] = _merge_slots(doc.get("Addresses", []), raw["Addresses"], "AddressType",
                                        ADDRESS_FIELDS, ADDRESS_TYPES)
    if "Phones" in raw:
        doc["Phones"] = _merge_slots(doc.get("Phones", []), raw["Phones"], "PhoneType", PHONE_FIELDS,
                                     PHONE_TYPES + EXTRA_PHONE_TYPES)
    if isinstance(raw.get("ContactPersons"), list):
        doc["ContactPersons"] = [
            {key: person[key] for key in ("FirstName", "LastName", "EmailAddress", "IncludeInEmails")
             if key in person}
            for person in raw["ContactPersons"] if isinstance(person, dict)
        ]
    if isinstance(raw.get("PaymentTerms"), dict):
        doc["PaymentTerms"] = raw["PaymentTerms"]
    return doc


def validate(tx: Tx, doc: dict, messages: list[str]) -> None:
    name = (doc.get("Name") or "").strip()
    if not name:
        messages.append(errors.CONTACT_NAME_EMPTY)
    elif doc.get("ContactStatus") == "ACTIVE" and tx.exists(
        "Contact", "name", name, where=" AND status='ACTIVE' AND id<>?", params=(doc["ContactID"],)
    ):
        messages.append(errors.CONTACT_NAME_UNIQUE.format(name=name))
    number = doc.get("ContactNumber")
    if number and tx.exists("Contact", "number", number, where=" AND id<>?", params=(doc["ContactID"],)):
        messages.append(errors.CONTACT_NUMBER_UNIQUE)
    email = doc.get("EmailAddress")
    if email and not _EMAIL.match(email):
        messages.append(errors.EMAIL_INVALID)


def create(tx: Tx, raw: dict, *, seeding: bool = False) -> dict:
    messages: list[str] = []
    contact_id = str(raw.get("ContactID") or "") if seeding else ""
    doc = apply_fields(blank_contact(contact_id.lower() or new_id()), raw, messages)
    validate(tx, doc, messages)
    if messages:
        raise Invalid(messages, doc)
    return tx.put("Contact", doc, updated_ms=seed_updated_ms(raw) if seeding else None)


def update(tx: Tx, existing: dict, raw: dict) -> dict:
    messages: list[str] = []
    doc = apply_fields(dict(existing), raw, messages)
    if doc.get("ContactStatus") == "ACTIVE":
        doc.pop("MergedToContactID", None) if existing.get("ContactStatus") != "ACTIVE" else None
    validate(tx, doc, messages)
    if messages:
        raise Invalid(messages, doc)
    if _same(existing, doc):
        return existing
    return tx.put("Contact", doc)


def find_existing(tx: Tx, raw: dict) -> dict | None:
    """The contact a POST means: by ContactID, else by ContactNumber."""
    if raw.get("ContactID"):
        return tx.get("Contact", str(raw["ContactID"]))
    if raw.get("ContactNumber"):
        found = tx.find("Contact", "number", str(raw["ContactNumber"]))
        return found[0] if found else None
    return None


def upsert(tx: Tx, raw: dict) -> dict:
    existing = find_existing(tx, raw)
    if raw.get("ContactID") and existing is None:
        raise Invalid(errors.CONTACT_NOT_FOUND.format(id=raw["ContactID"]), _echo(raw))
    return update(tx, existing, raw) if existing else create(tx, raw)


def embedded(contact: dict) -> dict:
    """The contact as a document shows it."""
    return {"ContactID": contact["ContactID"], "Name": contact.get("Name", ""), "ContactPersons": [],
            "HasValidationErrors": False}


def resolve_for_document(tx: Tx, raw: object, messages: list[str], *, side: str | None) -> dict | None:
    """The contact a document names; creates one named only by an unknown Name.

    ``side`` is ``"customer"`` or ``"supplier"``: the contact's IsCustomer/IsSupplier flag is set.
    """
    if not isinstance(raw, dict) or not raw:
        messages.append(errors.CONTACT_REQUIRED)
        return None
    contact_id, number, name = raw.get("ContactID"), raw.get("ContactNumber"), (raw.get("Name") or "").strip()
    contact: dict | None = None
    if contact_id:
        contact = tx.get("Contact", str(contact_id))
        if contact is None:
            messages.append(errors.CONTACT_NOT_FOUND.format(id=contact_id))
            return None
    elif number:
        found = tx.find("Contact", "number", str(number))
        contact = found[0] if found else None
        if contact is None and not name:
            messages.append(errors.CONTACT_NUMBER_NOT_FOUND.format(number=number))
            return None
    if contact is None and name:
        found = [c for c in tx.find("Contact", "name", name) if c.get("ContactStatus") == "ACTIVE"]
        contact = found[0] if found else None
        if contact is None:
            try:
                contact = create(tx, {key: value for key, value in raw.items() if key != "ContactID"})
            except Invalid as exc:
                messages.extend(exc.messages)
                return None
    if contact is None:
        messages.append(errors.CONTACT_IDENTIFY)
        return None
    if contact.get("ContactStatus") != "ACTIVE":
        messages.append(errors.CONTACT_ARCHIVED)
        return contact
    flag = {"customer": "IsCustomer", "supplier": "IsSupplier"}.get(side or "")
    if flag and not contact.get(flag):
        contact = dict(contact, **{flag: True})
        tx.put("Contact", contact)
    return contact


def archive(tx: Tx, contact: dict) -> dict:
    if contact.get("ContactStatus") == "ARCHIVED":
        return contact
    return tx.put("Contact", dict(contact, ContactStatus="ARCHIVED"))


def merge(tx: Tx, merged: dict, kept: dict) -> dict:
    """Merge ``merged`` into ``kept`` as a person does in Xero: its documents move to ``kept``,
    it is archived and points at ``kept`` through MergedToContactID."""
    ref = embedded(kept)
    merged_id = merged["ContactID"]
    for kind in ("Invoice", "CreditNote", "BankTransaction", "Prepayment"):
        for doc in tx.find(kind, "contact_id", merged_id):
            doc["Contact"] = ref
            tx.put(kind, doc)
    for payment in tx.find("Payment", "contact_id", merged_id):
        for key in ("Invoice", "CreditNote"):
            if isinstance(payment.get(key), dict) and "Contact" in payment[key]:
                payment[key]["Contact"] = ref
        tx.put("Payment", payment)
    flags = {flag: True for flag in ("IsCustomer", "IsSupplier") if merged.get(flag) and not kept.get(flag)}
    if flags:
        tx.put("Contact", dict(kept, **flags))
    return tx.put("Contact", dict(merged, ContactStatus="ARCHIVED", MergedToContactID=kept["ContactID"]))


def _same(old: dict, new: dict) -> bool:
    return {k: v for k, v in old.items() if k != "UpdatedDateUTC"} == {
        k: v for k, v in new.items() if k != "UpdatedDateUTC"}


def _echo(raw: dict) -> dict:
    return apply_fields(blank_contact(str(raw.get("ContactID") or errors.EMPTY_ID)), raw, [])
