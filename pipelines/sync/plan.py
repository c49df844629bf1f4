"""The plan format: every write the sync intends to make, as one row of data.

A plan is reviewed (dry run), diffed and replayed like any other table. Each row says: in which
system (``target``), to which kind of document (``entity``), do what (``operation``), about which
source record (``ref``), with which ``payload``. A payload may point at a document that does not
exist yet with a placeholder ``{"$ref": "contact:cus_123"}``; the sink fills it with the target id
once that dependency is written, and ``depends_on`` lists those refs so the dependency goes first.

The idempotency key is derived from what is written: the same plan row always has the same key,
so re-running a day finds the row already in the ledger instead of writing it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandera.polars as pa
import polars as pl

TARGETS = ("xero", "auxo")
OPERATIONS = ("create", "update", "void", "delete", "allocate")


def canonical_json(value: Any) -> str:
    """Stable JSON: sorted keys, no spaces, Decimals as exact strings, dates ISO."""

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return format(obj, "f")
        if isinstance(obj, date):
            return obj.isoformat()
        raise TypeError(f"cannot put {type(obj).__name__} in a payload")

    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=default, ensure_ascii=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def idempotency_key(connection_id: str, target: str, entity: str, operation: str, ref: str, payload_hash: str) -> str:
    """``<entity>-<operation>-<40 hex>``: the same intended write always gets the same key (≤128 chars)."""
    digest = _sha("|".join((connection_id, target, entity, operation, ref, payload_hash)))[:40]
    return f"{entity}-{operation}-{digest}"


@dataclass(frozen=True)
class PlannedWrite:
    """One intended write; see the module docstring. ``writeback`` says where Auxo records the outcome."""

    connection_id: str
    target: str
    entity: str
    operation: str
    ref: str
    source_id: str
    business_date: date | None
    payload: Mapping[str, Any]
    description: str
    depends_on: tuple[str, ...] = ()
    priority: int = 50
    writeback: Mapping[str, Any] | None = None
    plan_asset: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        payload = canonical_json(self.payload)
        payload_hash = _sha(payload)
        return {
            "idempotency_key": idempotency_key(self.connection_id, self.target, self.entity, self.operation,
                                               self.ref, payload_hash),
            "connection_id": self.connection_id,
            "target": self.target,
            "entity": self.entity,
            "operation": self.operation,
            "ref": self.ref,
            "source_id": self.source_id,
            "business_date": self.business_date,
            "description": self.description,
            "payload": payload,
            "payload_hash": payload_hash,
            "depends_on": list(self.depends_on),
            "priority": self.priority,
            "writeback": canonical_json(self.writeback) if self.writeback is not None else None,
            "plan_asset": self.plan_asset,
        }


PLAN_SCHEMA: dict[str, pl.DataType] = {
    "idempotency_key": pl.String(),
    "connection_id": pl.String(),
    "target": pl.String(),
    "entity": pl.String(),
    "operation": pl.String(),
    "ref": pl.String(),
    "source_id": pl.String(),
    "business_date": pl.Date(),
    "description": pl.String(),
    "payload": pl.String(),
    "payload_hash": pl.String(),
    "depends_on": pl.List(pl.String()),
    "priority": pl.Int32(),
    "writeback": pl.String(),
    "plan_asset": pl.String(),
}


class PlanModel(pa.DataFrameModel):
    """What every plan frame must satisfy before anything is written."""

    idempotency_key: str = pa.Field(unique=True, str_length={"min_value": 10, "max_value": 128})
    connection_id: str = pa.Field(str_length={"min_value": 1})
    target: str = pa.Field(isin=list(TARGETS))
    entity: str = pa.Field(str_length={"min_value": 1})
    operation: str = pa.Field(isin=list(OPERATIONS))
    ref: str = pa.Field(str_length={"min_value": 1})
    source_id: str = pa.Field(str_length={"min_value": 1})
    business_date: pl.Date = pa.Field(nullable=True)
    description: str
    payload: str = pa.Field(str_length={"min_value": 2})
    payload_hash: str = pa.Field(str_length={"min_value": 64, "max_value": 64})
    depends_on: pl.List(pl.String())
    priority: pl.Int32
    writeback: str = pa.Field(nullable=True)
    plan_asset: str

    class Config:
        strict = True
        # a plan never asks twice for the same operation on the same document
        unique = ["connection_id", "target", "entity", "operation", "ref"]


def plan_frame(writes: Iterable[PlannedWrite]) -> pl.DataFrame:
    """A validated plan frame from planned writes (empty but typed when there are none)."""
    frame = pl.DataFrame([w.row() for w in writes], schema=PLAN_SCHEMA)
    return PlanModel.validate(frame, lazy=True)


def ref_placeholder(ref: str) -> dict[str, str]:
    """The payload placeholder for a target id that will exist once ``ref`` is written."""
    return {"$ref": ref}


def resolve_refs(payload: Any, known: Mapping[str, str]) -> Any:
    """``payload`` with every ``{"$ref": r}`` replaced by ``known[r]``; KeyError names a missing ref."""
    if isinstance(payload, dict):
        if set(payload) == {"$ref"}:
            return known[payload["$ref"]]
        return {k: resolve_refs(v, known) for k, v in payload.items()}
    if isinstance(payload, list):
        return [resolve_refs(v, known) for v in payload]
    return payload
