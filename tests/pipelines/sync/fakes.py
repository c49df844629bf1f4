"""An in-memory Xero and Auxo for the write path's mechanics (the sandbox tests cover the real API)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from pipelines.http import DailyLimitReached, RetryableApiError


class FakeXero:
    """Keeps documents per collection; ``faults`` is a queue of what happens to the next writes."""

    def __init__(self) -> None:
        self.docs: dict[str, list[dict[str, Any]]] = {}
        self.calls: Counter[tuple[str, str]] = Counter()
        # what happens to the next writes: "drop" (commit, lose the answer), "500", "503", "429", "timeout"
        # (not applied, a temporary error), "day" (the day limit, before sending), "none" (a normal call)
        self.faults: list[str] = []
        self.read_faults: list[str] = []  # "fail": the next GET raises a temporary error
        self.invalid_names: set[str] = set()
        self.seen_keys: dict[str, list[dict[str, Any]]] = {}

    def write(self, method: str, endpoint: str, collection: str, documents: list[dict[str, Any]], *,
              idempotency_key: str, summarize_errors: bool = False) -> list[dict[str, Any]]:
        self.calls[(method, endpoint)] += 1
        fault = self.faults.pop(0) if self.faults else None
        if fault == "day":
            raise DailyLimitReached("day limit")
        if fault in ("500", "503", "429"):
            raise RetryableApiError(f"Xero answered {fault}", status=int(fault))
        if fault == "timeout":
            raise RetryableApiError("Xero PUT: the request timed out")
        if idempotency_key in self.seen_keys:
            return self.seen_keys[idempotency_key]
        results = []
        id_field = {"Contacts": "ContactID", "Invoices": "InvoiceID", "Payments": "PaymentID",
                    "ManualJournals": "ManualJournalID"}[collection]
        for document in documents:
            if document.get("Name") in self.invalid_names or document.get("InvoiceNumber") in self.invalid_names:
                results.append({**document, "HasErrors": True, "StatusAttributeString": "ERROR",
                                "ValidationErrors": [{"Message": "Invoice # must be unique."}]})
                continue
            stored = {**document, id_field: document.get(id_field) or str(uuid.uuid4()), "Status": "AUTHORISED"}
            self.docs.setdefault(collection, []).append(stored)
            results.append({**stored, "StatusAttributeString": "OK"})
        self.seen_keys[idempotency_key] = results
        if fault == "drop":
            raise RetryableApiError("Xero POST: the request lost the connection")
        return results

    def expire_idempotency_keys(self) -> None:
        """Xero keeps an Idempotency-Key's answer for minutes only."""
        self.seen_keys.clear()

    def get(self, endpoint: str, *, params: dict[str, Any] | None = None, modified_since: Any = None) -> dict:
        self.calls[("GET", endpoint)] += 1
        if self.read_faults and self.read_faults.pop(0) == "fail":
            raise RetryableApiError(f"Xero GET {endpoint}: the request timed out")
        params = params or {}
        if endpoint == "Contacts":
            name = params["where"].split("==", 1)[1].strip('"')
            return {"Contacts": [c for c in self.docs.get("Contacts", []) if c["Name"] == name]}
        if endpoint == "Invoices":
            number = params["InvoiceNumbers"]
            return {"Invoices": [dict(i, Type="ACCREC") for i in self.docs.get("Invoices", [])
                                 if i["InvoiceNumber"] == number]}
        raise AssertionError(f"unexpected GET {endpoint}")


class FakeAuxo:
    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.items: list[tuple[str, dict[str, Any]]] = []

    def write(self, method: str, path: str, items: list[dict[str, Any]], *, idempotency_key: str) -> list[dict]:
        self.calls[(method, path.split("/")[0])] += 1
        self.items.extend((path, item) for item in items)
        return [{"ok": True, "outcome": "updated", "data": {"id": item["id"]}} for item in items]
