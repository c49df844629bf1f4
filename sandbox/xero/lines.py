"""Line items and totals: Xero's per-line tax, rounded to 2 dp, then summed.

LineAmount = round(Quantity × UnitAmount × (1 − DiscountRate/100), 2) (or minus DiscountAmount).
Exclusive: TaxAmount = round(LineAmount × r, 2), Total = SubTotal + TotalTax.
Inclusive: TaxAmount = round(LineAmount × r / (1 + r), 2), Total = ΣLineAmount, SubTotal = Total − TotalTax.
NoTax: no tax. A TaxAmount sent by the client overrides the computed one, as Xero documents.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.xero import books, errors
from sandbox.xero.books import new_id
from sandbox.xero.fields import decimal_field, text
from sandbox.xero.money import ZERO, q2, q4, qdp
from sandbox.xero.store import Tx

LINE_AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax",
                     "none": "NoTax"}
SALES_TYPES = {"ACCREC", "ACCRECCREDIT", "RECEIVE", "RECEIVE-PREPAYMENT"}


def line_amount_types(value: object, messages: list[str], default: str = "Exclusive") -> str:
    if value in (None, ""):
        return default
    found = LINE_AMOUNT_TYPES.get(str(value).lower())
    if found is None:
        messages.append(errors.LINE_AMOUNT_TYPES_INVALID.format(value=value))
        return default
    return found


def tax_for(amount: Decimal, rate_percent: Decimal, lat: str) -> Decimal:
    if lat == "NoTax" or not rate_percent:
        return ZERO
    rate = rate_percent / 100
    if lat == "Inclusive":
        return q2(amount * rate / (1 + rate))
    return q2(amount * rate)


def _tracking(tx: Tx, raw: object, messages: list[str]) -> list[dict]:
    items = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
    if len(items) > 2:
        messages.append(errors.TRACKING_MAX)
    result = []
    categories = books.tracking_categories(tx)
    for item in items[:2]:
        category = next(
            (c for c in categories
             if (item.get("TrackingCategoryID") and c["TrackingCategoryID"] == str(item["TrackingCategoryID"]).lower())
             or (item.get("Name") and c["Name"].lower() == str(item["Name"]).lower())),
            None,
        )
        if category is None:
            messages.append(errors.TRACKING_CATEGORY_INVALID.format(
                name=item.get("Name") or item.get("TrackingCategoryID")))
            continue
        option = next(
            (o for o in category["Options"]
             if (item.get("TrackingOptionID") and o["TrackingOptionID"] == str(item["TrackingOptionID"]).lower())
             or (item.get("Option") and o["Name"].lower() == str(item["Option"]).lower())),
            None,
        )
        if option is None:
            messages.append(errors.TRACKING_OPTION_INVALID.format(
                option=item.get("Option") or item.get("TrackingOptionID"), name=category["Name"]))
            continue
        result.append({"Name": category["Name"], "Option": option["Name"],
                       "TrackingCategoryID": category["TrackingCategoryID"],
                       "TrackingOptionID": option["TrackingOptionID"]})
    return result


def _item_defaults(tx: Tx, code: str, doc_type: str, messages: list[str]) -> dict:
    found = tx.find("Item", "number", code)
    if not found:
        messages.append(errors.ITEM_CODE_INVALID.format(code=code))
        return {}
    item = found[0]
    details = item.get("SalesDetails" if doc_type in SALES_TYPES else "PurchaseDetails") or {}
    description = item.get("Description" if doc_type in SALES_TYPES else "PurchaseDescription")
    return {"Description": description or item.get("Name"), "UnitAmount": details.get("UnitPrice"),
            "AccountCode": details.get("AccountCode"), "TaxType": details.get("TaxType"),
            "Item": {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]}}


def build_line(tx: Tx, raw: dict, *, lat: str, doc_type: str, unitdp: int, existing_ids: set[str],
               require_account: bool, messages: list[str]) -> dict:
    """One line in Xero's response shape; problems go to ``messages``."""
    defaults: dict = {}
    item_code = text(raw, "ItemCode")
    if item_code:
        defaults = _item_defaults(tx, item_code, doc_type, messages)
    line_id = str(raw.get("LineItemID") or "").lower()
    line: dict = {"LineItemID": line_id if line_id in existing_ids else new_id()}
    description = text(raw, "Description") or defaults.get("Description")
    if description is not None:
        line["Description"] = description
    quantity = decimal_field(raw, "Quantity", messages)
    unit = decimal_field(raw, "UnitAmount", messages)
    if unit is None and defaults.get("UnitAmount") is not None:
        unit = Decimal(defaults["UnitAmount"])
    amount = decimal_field(raw, "LineAmount", messages)
    rate = decimal_field(raw, "DiscountRate", messages) if doc_type == "ACCREC" else None
    discount = decimal_field(raw, "DiscountAmount", messages) if doc_type == "ACCREC" else None
    if unit is not None:
        unit = qdp(unit, unitdp)
        quantity = Decimal(1) if quantity is None else quantity
        gross = quantity * unit
        if rate:
            amount = q2(gross * (100 - rate) / 100)
        elif discount:
            amount = q2(gross - discount)
        else:
            amount = q2(gross)
    elif amount is not None:
        amount = q2(amount)
        quantity = Decimal(1) if quantity is None or quantity == 0 else quantity
        unit = qdp(amount / quantity, unitdp)
    else:
        quantity = quantity if quantity is not None else Decimal(0)
        unit, amount = ZERO, ZERO
    line["UnitAmount"] = unit
    account, code = books.resolve_account(tx, raw.get("AccountCode") or defaults.get("AccountCode"),
                                          raw.get("AccountID"))
    tax_type = text(raw, "TaxType") or defaults.get("TaxType") or (account or {}).get("TaxType")
    if code or raw.get("AccountID"):
        if account is None:
            messages.append(errors.ACCOUNT_INVALID.format(code=code))
        elif not books.is_active(account):
            messages.append(errors.ACCOUNT_ARCHIVED.format(code=code))
        elif account["Type"] == "BANK" or account.get("SystemAccount") in books.DOCUMENT_FORBIDDEN_SYSTEM:
            messages.append(errors.ACCOUNT_INVALID.format(code=code))
    elif require_account and amount:
        messages.append(errors.ACCOUNT_REQUIRED)
    if tax_type:
        books.check_tax_type(tx, tax_type, account, messages)
        line["TaxType"] = tax_type
    supplied_tax = decimal_field(raw, "TaxAmount", messages)
    computed = tax_for(amount, books.tax_rate_percent(tx, tax_type), lat)
    line["TaxAmount"] = q2(supplied_tax) if supplied_tax is not None and lat != "NoTax" else computed
    line["LineAmount"] = amount
    if account is not None:
        line["AccountCode"] = account["Code"]
        line["AccountID"] = account["AccountID"]
    line["Tracking"] = _tracking(tx, raw.get("Tracking"), messages)
    line["Quantity"] = q4(quantity)
    if item_code:
        line["ItemCode"] = item_code
        if defaults.get("Item"):
            line["Item"] = defaults["Item"]
    if rate:
        line["DiscountRate"] = q2(rate)
    if discount:
        line["DiscountAmount"] = q2(discount)
    return line


def build_lines(tx: Tx, raw_lines: object, *, lat: str, doc_type: str, unitdp: int, existing: list[dict],
                require_account: bool, messages: list[str]) -> list[dict]:
    existing_ids = {line.get("LineItemID") for line in existing}
    items = raw_lines if isinstance(raw_lines, list) else []
    return [build_line(tx, raw, lat=lat, doc_type=doc_type, unitdp=unitdp, existing_ids=existing_ids,
                       require_account=require_account, messages=messages)
            for raw in items if isinstance(raw, dict)]


def totals(lines: list[dict], lat: str) -> dict[str, Decimal]:
    line_sum = sum((line["LineAmount"] for line in lines), ZERO)
    tax = sum((line["TaxAmount"] for line in lines), ZERO)
    discount = sum(
        (q2(line["Quantity"] * line["UnitAmount"]) - line["LineAmount"]
         for line in lines if line.get("DiscountRate") or line.get("DiscountAmount")),
        ZERO,
    )
    if lat == "Inclusive":
        result = {"SubTotal": q2(line_sum - tax), "TotalTax": q2(tax), "Total": q2(line_sum)}
    else:
        result = {"SubTotal": q2(line_sum), "TotalTax": q2(tax), "Total": q2(line_sum + tax)}
    if discount:
        result["TotalDiscount"] = q2(discount)
    return result


def with_unitdp(lines: list[dict], unitdp: int) -> None:
    """Output rounding: UnitAmount has 2 dp unless the request asked for ``unitdp=4``."""
    for line in lines:
        if isinstance(line.get("UnitAmount"), Decimal):
            line["UnitAmount"] = qdp(line["UnitAmount"], 2 if unitdp != 4 else 4)
