"""What the recon views rely on from other domains: the tables they read that may not exist yet.

The views (``tables.py``, ``sql/*.sql``) name such a table ``{{schema.table}}``; until it exists it reads as
an empty relation of exactly these columns, so the views can be created on any warehouse. A table
that changes shape must change here too.
"""

from __future__ import annotations

# tables other packages create, with the columns the views read
OPTIONAL_TABLES: dict[str, dict[str, str]] = {
    "plans.invoice_exceptions": {"connection_id": "VARCHAR", "business_date": "DATE", "reason": "VARCHAR",
                                 "document": "VARCHAR", "auxo_id": "VARCHAR", "xero_id": "VARCHAR",
                                 "detail": "VARCHAR", "plan_asset": "VARCHAR"},
    "plans.contact_matches": {"connection_id": "VARCHAR", "kind": "VARCHAR", "auxo_id": "VARCHAR", "ref": "VARCHAR",
                              "name": "VARCHAR", "xero_contact_id": "VARCHAR", "decision": "VARCHAR",
                              "score": "INTEGER", "candidates": "INTEGER", "matched_on": "VARCHAR",
                              "reason": "VARCHAR"},
    "plans.contact_review": {"connection_id": "VARCHAR", "kind": "VARCHAR", "auxo_id": "VARCHAR", "ref": "VARCHAR",
                             "auxo_name": "VARCHAR", "auxo_email": "VARCHAR", "auxo_phone": "VARCHAR",
                             "xero_contact_id": "VARCHAR", "xero_name": "VARCHAR", "xero_email": "VARCHAR",
                             "xero_status": "VARCHAR", "score": "INTEGER", "matched_on": "VARCHAR",
                             "reason": "VARCHAR"},
    "recon.inventory_movements_by_day": {"connection_id": "VARCHAR", "day": "DATE", "account_code": "VARCHAR",
                                         "account_role": "VARCHAR", "auxo_movement": "DECIMAL(18,2)",
                                         "xero_movement": "DECIMAL(18,2)", "difference": "DECIMAL(18,2)",
                                         "auxo_documents": "BIGINT", "xero_lines": "BIGINT"},
}
