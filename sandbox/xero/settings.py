"""Organisation settings the API can change: accounts and items.

``PUT /Accounts`` creates one account per call (as Xero); codes and names are unique. Items carry
sales and purchase defaults that invoice lines naming an ``ItemCode`` pick up.
"""

from __future__ import annotations

import copy

from sandbox.xero import books, errors
from sandbox.xero.books import new_id
from sandbox.xero.errors import Invalid
from sandbox.xero.fields import bool_field, decimal_field, seed_updated_ms, text
from sandbox.xero.money import ZERO, qdp
from sandbox.xero.seed_org import CLASS_OF_TYPE
from sandbox.xero.store import Tx

ACCOUNT_STATUSES = {"ACTIVE", "ARCHIVED", "DELETED"}


def _account_fields(tx: Tx, doc: dict, raw: dict, messages: list[str]) -> None:
    for key in ("Code", "Name", "Description", "BankAccountNumber", "ReportingCode"):
        if raw.get(key) is not None:
            doc[key] = text(raw, key)
    if raw.get("Type") is not None:
        account_type = str(raw["Type"]).upper()
        if account_type not in CLASS_OF_TYPE:
            messages.append(errors.ACCOUNT_TYPE_INVALID.format(value=raw["Type"]))
        else:
            doc["Type"], doc["Class"] = account_type, CLASS_OF_TYPE[account_type]
    if raw.get("Status") is not None:
        status = str(raw["Status"]).upper()
        if status in ACCOUNT_STATUSES:
            doc["Status"] = status
        else:
            messages.append(errors.STATUS_INVALID.format(value=raw["Status"]))
    if raw.get("TaxType"):
        doc["TaxType"] = text(raw, "TaxType")
        books.check_tax_type(tx, doc["TaxType"], doc if doc.get("Class") else None, messages)
    for key in ("EnablePaymentsToAccount", "ShowInExpenseClaims", "AddToWatchlist"):
        value = bool_field(raw, key)
        if value is not None:
            doc[key] = value
    code, name = doc.get("Code") or "", doc.get("Name") or ""
    others = [a for a in books.accounts(tx).values() if a["AccountID"] != doc["AccountID"]]
    if not code or any(a["Code"].lower() == code.lower() for a in others):
        messages.append(errors.ACCOUNT_CODE_UNIQUE)
    if not name or any(a["Name"].lower() == name.lower() for a in others):
        messages.append(errors.ACCOUNT_NAME_UNIQUE)


def create_account(tx: Tx, raw: dict) -> dict:
    messages: list[str] = []
    doc = {"AccountID": new_id(), "Status": "ACTIVE", "Type": "", "TaxType": "BASEXCLUDED",
           "EnablePaymentsToAccount": False, "ShowInExpenseClaims": False, "BankAccountType": "",
           "ReportingCode": "", "ReportingCodeName": "", "HasAttachments": False, "AddToWatchlist": False}
    _account_fields(tx, doc, raw, messages)
    if not doc.get("Class"):
        messages.append(errors.ACCOUNT_TYPE_INVALID.format(value=raw.get("Type")))
    if doc.get("Type") == "BANK":
        doc.update(BankAccountType="BANK", CurrencyCode="AUD")
    if messages:
        raise Invalid(messages, doc)
    books.forget_accounts(tx)
    return tx.put("Account", doc)


def update_account(tx: Tx, existing: dict, raw: dict) -> dict:
    messages: list[str] = []
    doc = copy.deepcopy(existing)
    _account_fields(tx, doc, {k: v for k, v in raw.items() if k != "Type" or not existing.get("SystemAccount")},
                    messages)
    if messages:
        raise Invalid(messages, doc)
    if doc == existing:
        return existing
    books.forget_accounts(tx)
    return tx.put("Account", doc)


def _details(tx: Tx, raw: object, messages: list[str], unitdp: int) -> dict:
    details = raw if isinstance(raw, dict) else {}
    result: dict = {}
    price = decimal_field(details, "UnitPrice", messages)
    if price is not None:
        result["UnitPrice"] = qdp(price, unitdp)
    for key in ("AccountCode", "COGSAccountCode"):
        if details.get(key):
            account, code = books.resolve_account(tx, details[key], None)
            if account is None:
                messages.append(errors.ACCOUNT_INVALID.format(code=code))
            result[key] = code
    if details.get("TaxType"):
        result["TaxType"] = text(details, "TaxType")
        books.check_tax_type(tx, result["TaxType"], None, messages)
    return result


def _item_fields(tx: Tx, doc: dict, raw: dict, messages: list[str], unitdp: int) -> None:
    for key in ("Code", "Name", "Description", "PurchaseDescription", "InventoryAssetAccountCode"):
        if raw.get(key) is not None:
            doc[key] = text(raw, key)
    for key in ("IsSold", "IsPurchased", "IsTrackedAsInventory"):
        value = bool_field(raw, key)
        if value is not None:
            doc[key] = value
    for key in ("SalesDetails", "PurchaseDetails"):
        if key in raw:
            doc[key] = _details(tx, raw[key], messages, unitdp)
    code = (doc.get("Code") or "").strip()
    if not code:
        messages.append(errors.ITEM_CODE_REQUIRED)
    elif tx.exists("Item", "number", code, where=" AND id<>?", params=(doc["ItemID"],)):
        messages.append(errors.ITEM_CODE_UNIQUE.format(code=code))


def create_item(tx: Tx, raw: dict, *, unitdp: int = 2, seeding: bool = False) -> dict:
    messages: list[str] = []
    item_id = str(raw.get("ItemID") or "").lower() if seeding else ""
    doc = {"ItemID": item_id or new_id(), "Code": "", "Description": "", "PurchaseDescription": "",
           "IsSold": True, "IsPurchased": True, "IsTrackedAsInventory": False, "SalesDetails": {},
           "PurchaseDetails": {}, "QuantityOnHand": ZERO, "TotalCostPool": ZERO}
    _item_fields(tx, doc, raw, messages, unitdp)
    doc.setdefault("Name", doc["Code"])
    if messages:
        raise Invalid(messages, doc)
    return tx.put("Item", doc, updated_ms=seed_updated_ms(raw) if seeding else None)


def update_item(tx: Tx, existing: dict, raw: dict, *, unitdp: int = 2) -> dict:
    messages: list[str] = []
    doc = copy.deepcopy(existing)
    _item_fields(tx, doc, raw, messages, unitdp)
    if messages:
        raise Invalid(messages, doc)
    return existing if doc == existing else tx.put("Item", doc)


def upsert_item(tx: Tx, raw: dict, *, unitdp: int = 2) -> dict:
    existing = None
    if raw.get("ItemID"):
        existing = tx.get("Item", str(raw["ItemID"]))
    elif raw.get("Code"):
        found = tx.find("Item", "number", str(raw["Code"]))
        existing = found[0] if found else None
    return update_item(tx, existing, raw, unitdp=unitdp) if existing else create_item(tx, raw, unitdp=unitdp)
