"""The documents the contact sync writes: Xero contacts (create, update) and Auxo ``xero-updates``.

Values arrive as ``values.py`` makes them (text, an address as JSON in Auxo's shape, a contact
person as "First Last"). A Xero update carries only the fields that change, written out in full:
Xero (and the sandbox) keep any phone or address part that is not sent, so a phone is sent with
empty area and country codes and an address with every line, or the old parts would stay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from assets.contacts.links import contact_ref
from mappings.loader import ContactField
from pipelines.sync.plan import PlannedWrite
from pipelines.sync.refs import auxo_record_ref

XERO_PRIORITY = 10
AUXO_PRIORITY = 120
RESOURCES = {"customer": "customers", "supplier": "suppliers"}
_XERO_ADDRESS = {"line1": "AddressLine1", "line2": "AddressLine2", "suburb": "City", "state": "Region",
                 "postcode": "PostalCode", "country": "Country"}
_AUXO_ADDRESS_TYPE = {"postal_address": "postal", "street_address": "street"}

Values = Mapping[str, str | None]


def auxo_timestamp(moment: datetime) -> str:
    """Auxo's timestamp format: RFC 3339 UTC with microseconds and ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def split_person(full: str | None) -> tuple[str, str]:
    """"Mary Jane Smith" → ("Mary", "Jane Smith"): Xero keeps first and last name apart."""
    words = (full or "").split()
    return (words[0], " ".join(words[1:])) if words else ("", "")


def _address(value: str | None) -> dict[str, Any]:
    return json.loads(value) if value else {}


def xero_fields(values: Values, fields: Sequence[ContactField], *, other_persons: Sequence[Mapping[str, Any]] = (),
                clear_blanks: bool = True) -> dict[str, Any]:
    """The Xero contact fields for ``values`` (``{auxo field: value}``, only the fields to write).

    ``clear_blanks``: a blank value is written as ``""`` (an update clears it); a create leaves
    it out. ``other_persons``: Xero's contact persons after the first, kept as they are.
    """
    doc: dict[str, Any] = {}
    for f in fields:
        if f.auxo not in values:
            continue
        value = values[f.auxo]
        if not value and not clear_blanks:
            continue
        head, _, slot = f.xero.partition(".")
        if head == "Phones":
            doc.setdefault("Phones", []).append(
                {"PhoneType": slot, "PhoneNumber": value or "", "PhoneAreaCode": "", "PhoneCountryCode": ""})
        elif head == "Addresses":
            parts = _address(value)
            doc.setdefault("Addresses", []).append(
                {"AddressType": slot, **{x: parts.get(a) or "" for a, x in _XERO_ADDRESS.items()}})
        elif head == "ContactPersons":
            first, last = split_person(value)
            head_person = [{"FirstName": first, "LastName": last}] if value else []
            doc["ContactPersons"] = head_person + [dict(p) for p in other_persons]
        else:
            doc[f.xero] = value or ""
    return doc


def auxo_changes(values: Values, current_addresses: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Auxo ``changes`` for ``values`` (``{auxo field: value}`` from Xero); an address replaces the
    first of its type in Auxo's list (blank: removes it), other addresses are kept."""
    changes: dict[str, Any] = {}
    addresses = [dict(a) for a in current_addresses]
    touched = False
    for field, value in values.items():
        if field in _AUXO_ADDRESS_TYPE:
            kind = _AUXO_ADDRESS_TYPE[field]
            at = next((i for i, a in enumerate(addresses) if a.get("type") == kind), None)
            new = {"type": kind, **{part: _address(value).get(part) for part in _XERO_ADDRESS}} if value else None
            if at is None and new is not None:
                addresses.append(new)
            elif at is not None:
                addresses[at:at + 1] = [new] if new is not None else []
            touched = True
        elif field == "name" and not value:
            continue  # Auxo requires a name; Xero never has a blank one
        else:
            changes[field] = value
    if touched:
        changes["addresses"] = addresses
    return changes


def _who(kind: str, auxo_id: str, name: str | None) -> str:
    return f"{kind} {name or '(no name)'} ({auxo_id})"


def xero_create(connection_id: str, kind: str, auxo_id: str, values: Values,
                fields: Sequence[ContactField]) -> PlannedWrite:
    """Create the Xero contact of a new Auxo contact; Auxo records the new ContactID (writeback)."""
    to_xero = [f for f in fields if f.direction != "to_auxo" or f.auxo == "name"]
    return PlannedWrite(
        connection_id=connection_id, target="xero", entity="contact", operation="create",
        ref=contact_ref(kind, auxo_id), source_id=auxo_id, business_date=None,
        payload=xero_fields(values, to_xero, clear_blanks=False),
        description=f"create Xero contact for {_who(kind, auxo_id, values.get('name'))}",
        priority=XERO_PRIORITY, writeback={"resource": RESOURCES[kind], "id": auxo_id})


def xero_update(connection_id: str, kind: str, auxo_id: str, name: str | None, xero_contact_id: str, values: Values,
                fields: Sequence[ContactField], *, other_persons: Sequence[Mapping[str, Any]] = (),
                writeback: bool = True) -> PlannedWrite:
    """Update the linked Xero contact with Auxo's values of the fields that changed."""
    return PlannedWrite(
        connection_id=connection_id, target="xero", entity="contact", operation="update",
        ref=contact_ref(kind, auxo_id), source_id=auxo_id, business_date=None,
        payload={"ContactID": xero_contact_id, **xero_fields(values, fields, other_persons=other_persons)},
        description=f"update Xero contact of {_who(kind, auxo_id, name)}: {', '.join(sorted(values))}",
        priority=XERO_PRIORITY,
        writeback={"resource": RESOURCES[kind], "id": auxo_id} if writeback else None)


def auxo_update(connection_id: str, kind: str, auxo_id: str, name: str | None, xero_contact_id: str,
                edited_at: datetime | None, changes: Mapping[str, Any], *, linking: bool) -> PlannedWrite:
    """``POST <customers|suppliers>/xero-updates``: record the link and apply Xero's values.

    ``if_edited_at`` makes Auxo refuse the write (``stale``) when a person edited the record after
    the values this plan compared — the next run decides again with the newer edit.
    """
    item: dict[str, Any] = {"id": auxo_id, "xero_contact_id": xero_contact_id, "changes": dict(changes)}
    if edited_at is not None:
        item["if_edited_at"] = auxo_timestamp(edited_at)
    what = ("link to Xero contact " + xero_contact_id) if linking else "update from Xero"
    if changes:
        what += (" and " if linking else ": ") + ", ".join(sorted(changes))
    elif not linking:
        what = "mark synced (nothing differs)"
    return PlannedWrite(
        connection_id=connection_id, target="auxo", entity="contact", operation="update",
        ref=auxo_record_ref(kind, auxo_id), source_id=auxo_id, business_date=None,
        payload={"path": f"{RESOURCES[kind]}/xero-updates", "item": item},
        description=f"Auxo {_who(kind, auxo_id, name)}: {what}", priority=AUXO_PRIORITY)
