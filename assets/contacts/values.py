"""The mapped contact fields of both systems in one shape: one row per contact and field.

``mappings/fields.yaml`` pairs an Auxo field with where it lives on a Xero contact. Here both sides
become long frames ``(…ids, field, value, key)``: ``field`` is the Auxo field name (the field's
id on both sides), ``value`` what a write would carry (an address as canonical JSON in Auxo's
shape), and ``key`` what is compared — so a difference of format alone (``+61 2 …`` and
``(02) …``, an email's case, ABN spacing, address case) is never a change.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from assets.contacts.matching import phone_key
from mappings.loader import AUXO_ADDRESS_FIELDS, ContactField

ADDRESS_PARTS = ("line1", "line2", "suburb", "state", "postcode", "country")
AUXO_KEYS = ("connection_id", "kind", "auxo_id")
XERO_KEYS = ("connection_id", "contact_id")
VALUE_SCHEMA = {"field": pl.String, "value": pl.String, "key": pl.String}

AUXO_CONTACT_SCHEMA = {
    "connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "name": pl.String,
    "first_name": pl.String, "last_name": pl.String, "contact_person": pl.String, "email": pl.String,
    "phone": pl.String, "mobile": pl.String, "abn": pl.String, "archived": pl.Boolean,
    "edited_at": pl.Datetime("us", "UTC"), "synced_at": pl.Datetime("us", "UTC"), "sync_status": pl.String, "linked_xero_id": pl.String,
    "link_source": pl.String,
}
AUXO_ADDRESS_SCHEMA = {"connection_id": pl.String, "kind": pl.String, "auxo_id": pl.String, "type": pl.String,
                       **{part: pl.String for part in ADDRESS_PARTS}}
XERO_CONTACT_SCHEMA = {
    "connection_id": pl.String, "contact_id": pl.String, "name": pl.String, "first_name": pl.String,
    "last_name": pl.String, "email": pl.String, "tax_number": pl.String, "status": pl.String,
    "merged_to_contact_id": pl.String, "updated_at": pl.Datetime("us", "UTC"),
}
XERO_PHONE_SCHEMA = {"connection_id": pl.String, "contact_id": pl.String, "phone_type": pl.String,
                     "phone": pl.String}
XERO_ADDRESS_SCHEMA = {"connection_id": pl.String, "contact_id": pl.String, "address_type": pl.String,
                       "line1": pl.String, "line2": pl.String, "city": pl.String, "region": pl.String,
                       "postal_code": pl.String, "country": pl.String}
XERO_PERSON_SCHEMA = {"connection_id": pl.String, "contact_id": pl.String, "position": pl.Int64,
                      "first_name": pl.String, "last_name": pl.String, "email": pl.String,
                      "include_in_emails": pl.Boolean}
XERO_SCALARS = {"Name": "name", "FirstName": "first_name", "LastName": "last_name", "EmailAddress": "email",
                "TaxNumber": "tax_number"}


def typed(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with exactly ``schema``'s columns (missing ones null), in that order."""
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.items() if name not in frame.columns]
    return frame.with_columns(missing).select([pl.col(n).cast(t) for n, t in schema.items()])


def clean(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; blank is null."""
    text = expr.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _collapsed(expr: pl.Expr) -> pl.Expr:
    return clean(expr.str.replace_all(r"\s+", " "))


def compare_key(expr: pl.Expr, compare: str) -> pl.Expr:
    """What is compared for a field of ``compare`` kind (addresses are keyed when built)."""
    if compare == "email":
        return clean(expr).str.to_lowercase()
    if compare == "phone":
        return phone_key(expr)
    if compare == "digits":
        return clean(expr.str.replace_all(r"\D", ""))
    if compare == "person":
        return _collapsed(expr).str.to_lowercase()
    return _collapsed(expr)


def _address_value(parts: dict[str, pl.Expr]) -> tuple[pl.Expr, pl.Expr]:
    """(canonical JSON in Auxo's shape, comparison key) of an address; both null when it is blank."""
    cleaned = {name: clean(parts[name]) for name in ADDRESS_PARTS}
    blank = pl.all_horizontal([e.is_null() for e in cleaned.values()])
    value = pl.struct(**cleaned).struct.json_encode()
    key = pl.concat_str([_collapsed(e).str.to_lowercase().fill_null("") for e in cleaned.values()], separator="|")
    return (pl.when(blank).then(None).otherwise(value), pl.when(blank).then(None).otherwise(key))


def _long(wide: pl.DataFrame, ids: Sequence[str], fields: Sequence[ContactField]) -> pl.DataFrame:
    parts = []
    for f in fields:
        column = f.auxo
        key = pl.col(f"{column}__key") if f.compare == "address" else compare_key(pl.col(column), f.compare)
        value = pl.col(column) if f.compare == "address" else clean(pl.col(column))
        parts.append(wide.select(*ids, field=pl.lit(column), value=value, key=key))
    if not parts:
        return pl.DataFrame(schema={**{i: pl.String for i in ids}, **VALUE_SCHEMA})
    return pl.concat(parts)


def auxo_values(contacts: pl.DataFrame, addresses: pl.DataFrame, fields: Sequence[ContactField]) -> pl.DataFrame:
    """``(connection_id, kind, auxo_id, field, value, key)`` for every Auxo contact and mapped field."""
    contacts = typed(contacts, AUXO_CONTACT_SCHEMA)
    addresses = typed(addresses, AUXO_ADDRESS_SCHEMA)
    wide = contacts
    for name, auxo_type in AUXO_ADDRESS_FIELDS.items():
        value, key = _address_value({p: pl.col(p) for p in ADDRESS_PARTS})
        first = (addresses.filter(pl.col("type") == auxo_type).unique(list(AUXO_KEYS), keep="first", maintain_order=True)
                 .select(*AUXO_KEYS, value.alias(name), key.alias(f"{name}__key")))
        wide = wide.join(first, on=list(AUXO_KEYS), how="left")
    return _long(wide, AUXO_KEYS, fields)


def xero_values(contacts: pl.DataFrame, phones: pl.DataFrame, addresses: pl.DataFrame, persons: pl.DataFrame,
                fields: Sequence[ContactField]) -> pl.DataFrame:
    """``(connection_id, contact_id, field, value, key)`` for every Xero contact and mapped field;
    ``field`` is the Auxo field name the Xero field is mapped to."""
    contacts = typed(contacts, XERO_CONTACT_SCHEMA)
    phones = typed(phones, XERO_PHONE_SCHEMA)
    addresses = typed(addresses, XERO_ADDRESS_SCHEMA)
    persons = typed(persons, XERO_PERSON_SCHEMA)
    ids = list(XERO_KEYS)
    wide = contacts.select(*ids)
    for f in fields:
        head, _, slot = f.xero.partition(".")
        if f.xero in XERO_SCALARS:
            wide = wide.with_columns(contacts[XERO_SCALARS[f.xero]].alias(f.auxo))
        elif head == "Phones":
            found = (phones.filter((pl.col("phone_type") == slot) & clean(pl.col("phone")).is_not_null())
                     .unique(ids, keep="first", maintain_order=True).select(*ids, pl.col("phone").alias(f.auxo)))
            wide = wide.join(found, on=ids, how="left")
        elif head == "Addresses":
            value, key = _address_value({"line1": pl.col("line1"), "line2": pl.col("line2"), "suburb": pl.col("city"),
                                         "state": pl.col("region"), "postcode": pl.col("postal_code"),
                                         "country": pl.col("country")})
            found = (addresses.filter(pl.col("address_type") == slot).unique(ids, keep="first", maintain_order=True)
                     .select(*ids, value.alias(f.auxo), key.alias(f"{f.auxo}__key")))
            wide = wide.join(found, on=ids, how="left")
        else:  # ContactPersons.0
            found = (persons.filter(pl.col("position") == 0).unique(ids, keep="first")
                     .select(*ids, _collapsed(pl.concat_str(pl.col("first_name").fill_null(""), pl.lit(" "),
                                                            pl.col("last_name").fill_null(""))).alias(f.auxo)))
            wide = wide.join(found, on=ids, how="left")
    return _long(wide, XERO_KEYS, fields)
