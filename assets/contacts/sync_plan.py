"""From the match decisions and both systems' contacts to the writes that keep them in step.

- ``create``: the new Auxo contact is created in Xero; the sink records the ContactID in Auxo.
- ``link``: Auxo records the link (``xero-updates``), and the pair is compared field by field like
  any linked pair — with no baseline yet, Auxo (the master) wins and blanks in Auxo are filled.
- ``linked``: field-level changes both ways (``changes.py``), to the Xero contact the link points
  at — or, when that one was merged in Xero, to the contact it was merged into. A pair whose Xero
  contact is archived is left alone: it is never written to blindly (its documents fail with
  Xero's own message until someone restores the contact).
- ``review``: Auxo shows the contact as ``error`` / ``needs_review`` with the reason, so the
  workshop sees it too; nothing is linked or created.

Everything here is pure: frames in, ``PlannedWrite``s and frames out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from assets.contacts import payloads
from assets.contacts.changes import BASELINE_SCHEMA, PAIR_SCHEMA, detect_changes
from assets.contacts.matching import ACTIVE, MATCH_SCHEMA, exact_name_key, resolve_merges
from assets.contacts.values import (
    AUXO_ADDRESS_SCHEMA,
    AUXO_CONTACT_SCHEMA,
    XERO_ADDRESS_SCHEMA,
    XERO_CONTACT_SCHEMA,
    XERO_PERSON_SCHEMA,
    XERO_PHONE_SCHEMA,
    auxo_values,
    typed,
    xero_values,
)
from mappings.loader import ContactField
from pipelines.sync.plan import PlannedWrite

PAIR_STATUS_SCHEMA = {**PAIR_SCHEMA, "decision": pl.String, "sync_note": pl.String}


@dataclass(frozen=True)
class SyncInputs:
    """Both systems' contacts (schemas in ``values.py``), the match decisions and the baseline."""

    auxo_contacts: pl.DataFrame
    auxo_addresses: pl.DataFrame
    xero_contacts: pl.DataFrame
    xero_phones: pl.DataFrame
    xero_addresses: pl.DataFrame
    xero_persons: pl.DataFrame
    matches: pl.DataFrame
    baseline: pl.DataFrame

    def typed(self) -> SyncInputs:
        return SyncInputs(
            typed(self.auxo_contacts, AUXO_CONTACT_SCHEMA), typed(self.auxo_addresses, AUXO_ADDRESS_SCHEMA),
            typed(self.xero_contacts, XERO_CONTACT_SCHEMA), typed(self.xero_phones, XERO_PHONE_SCHEMA),
            typed(self.xero_addresses, XERO_ADDRESS_SCHEMA), typed(self.xero_persons, XERO_PERSON_SCHEMA),
            typed(self.matches, MATCH_SCHEMA), typed(self.baseline, BASELINE_SCHEMA))


@dataclass(frozen=True)
class SyncPlan:
    """``writes``: the planned writes; ``changes``: the change set (``models.ContactChangeModel``);
    ``baseline``: the agreed values to keep; ``pairs``: every linked pair, with why it is not synced
    when it is not (``sync_note``)."""

    writes: list[PlannedWrite]
    changes: pl.DataFrame
    baseline: pl.DataFrame
    pairs: pl.DataFrame


def linked_pairs(matches: pl.DataFrame, auxo: pl.DataFrame, xero: pl.DataFrame) -> pl.DataFrame:
    """Every linked (or newly linked) pair with the Xero contact to sync it with, or a note saying
    why it is not synced: archived in Xero, not in Xero's data, or merged into a contact another
    Auxo contact of the same kind is linked to."""
    keys = ["connection_id", "kind", "auxo_id"]
    merges = resolve_merges(typed(xero, XERO_CONTACT_SCHEMA))
    stamps = xero.select("connection_id", pl.col("contact_id").alias("effective_id"),
                         pl.col("updated_at").alias("xero_updated_at"))
    pairs = (matches.filter(pl.col("decision").is_in(["link", "linked"]))
             .select(*keys, "decision", target="xero_contact_id")
             .join(auxo.select(*keys, "edited_at", "synced_at", "sync_status", "linked_xero_id", "link_source"),
                   on=keys, how="left")
             .join(merges.select("connection_id", target="contact_id", effective_id="effective_id",
                                 effective_status="effective_status"), on=["connection_id", "target"], how="left")
             .join(stamps, on=["connection_id", "effective_id"], how="left"))
    direct = pl.col("effective_id") == pl.col("target")
    sharing = pl.len().over("connection_id", "kind", "effective_id") > 1
    pairs = pairs.with_columns(
        auxo_link_id=pl.when(pl.col("link_source") == "auxo").then(pl.col("linked_xero_id")),
        sync_note=pl.when(pl.col("effective_status").is_null()).then(
            pl.lit("Xero contact ") + pl.col("target") + pl.lit(" is not in Xero's data (yet): not synced"))
        .when(pl.col("effective_status") != ACTIVE).then(
            pl.lit("Xero contact ") + pl.col("effective_id") + pl.lit(" is ") + pl.col("effective_status")
            + pl.lit(" in Xero: not written to until it is restored"))
        .when(~direct & sharing).then(
            pl.lit("merged in Xero into ") + pl.col("effective_id")
            + pl.lit(", which another Auxo ") + pl.col("kind") + pl.lit(" is linked to: not synced"))
    )
    return pairs.select(*keys, "decision", "auxo_link_id", "sync_note", xero_contact_id="effective_id",
                        auxo_edited_at="edited_at", xero_updated_at="xero_updated_at",
                        # Auxo's last sync was with the contact it records: it says nothing about another one
                        auxo_synced_at=pl.when(pl.col("auxo_link_id") == pl.col("effective_id")).then("synced_at"),
                        auxo_pending=pl.col("sync_status") == "pending").pipe(
        typed, PAIR_STATUS_SCHEMA)


def hold_taken_names(changes: pl.DataFrame, xero: pl.DataFrame) -> pl.DataFrame:
    """A name going to Xero that another active Xero contact already has is held back (Xero would
    refuse the whole update): rule ``name_taken_in_xero``, decided again every run until it fits."""
    names = xero.filter(pl.col("status") == ACTIVE).select(
        "connection_id", holder="contact_id", exact=exact_name_key(pl.col("name"))).drop_nulls("exact")
    taken = (changes.filter((pl.col("field") == "name") & (pl.col("direction") == "to_xero"))
             .with_columns(exact=exact_name_key(pl.col("auxo_value")))
             .join(names, on=["connection_id", "exact"])
             .filter(pl.col("holder") != pl.col("xero_contact_id"))
             .select("connection_id", "kind", "auxo_id", "field", held=pl.lit(True)).unique())
    held = pl.col("held").fill_null(False)
    return (changes.join(taken, on=["connection_id", "kind", "auxo_id", "field"], how="left")
            .with_columns(direction=pl.when(held).then(pl.lit("none")).otherwise("direction"),
                          rule=pl.when(held).then(pl.lit("name_taken_in_xero")).otherwise("rule"))
            .drop("held"))


def _by_pair(changes: pl.DataFrame, direction: str, column: str) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for row in changes.filter(pl.col("direction") == direction).iter_rows(named=True):
        found[(row["kind"], row["auxo_id"])][row["field"]] = row[column]
    return found


def _rows(frame: pl.DataFrame, key: Sequence[str]) -> dict[tuple, dict[str, Any]]:
    return {tuple(row[k] for k in key): row for row in frame.iter_rows(named=True)}


def plan_contact_sync(connection_id: str, inputs: SyncInputs, fields: Sequence[ContactField], *,
                      create_in_xero: bool = True, pull_from_xero: bool = True) -> SyncPlan:
    """The writes that create, link and keep in step the contacts of ``connection_id``."""
    inputs = inputs.typed()
    only = pl.col("connection_id") == connection_id
    auxo = inputs.auxo_contacts.filter(only)
    xero = inputs.xero_contacts.filter(only)
    matches = inputs.matches.filter(only)

    pairs = linked_pairs(matches, auxo, xero)
    synced = pairs.filter(pl.col("sync_note").is_null())
    auxo_vals = auxo_values(auxo, inputs.auxo_addresses.filter(only), fields)
    xero_vals = xero_values(xero, inputs.xero_phones.filter(only), inputs.xero_addresses.filter(only),
                            inputs.xero_persons.filter(only), fields)
    change_set = detect_changes(synced.select(list(PAIR_SCHEMA)), auxo_vals, xero_vals,
                                inputs.baseline.filter(only), fields, pull_from_xero=pull_from_xero)
    change_rows = hold_taken_names(change_set.changes, xero)

    contacts = _rows(auxo, ["kind", "auxo_id"])
    writes: list[PlannedWrite] = []

    if create_in_xero:
        new = matches.filter(pl.col("decision") == "create").select("kind", "auxo_id")
        new_values: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        for row in auxo_vals.join(new, on=["kind", "auxo_id"]).iter_rows(named=True):
            new_values[(row["kind"], row["auxo_id"])][row["field"]] = row["value"]
        for (kind, auxo_id), values in sorted(new_values.items()):
            writes.append(payloads.xero_create(connection_id, kind, auxo_id, values, fields))

    to_xero = _by_pair(change_rows, "to_xero", "auxo_value")
    to_auxo = _by_pair(change_rows, "to_auxo", "xero_value")
    persons = defaultdict(list)
    for row in inputs.xero_persons.filter(only & (pl.col("position") > 0)).sort("position").iter_rows(named=True):
        persons[row["contact_id"]].append({k: v for k, v in (
            ("FirstName", row["first_name"]), ("LastName", row["last_name"]), ("EmailAddress", row["email"]),
            ("IncludeInEmails", row["include_in_emails"])) if v is not None})
    addresses = defaultdict(list)
    for row in inputs.auxo_addresses.filter(only).iter_rows(named=True):
        addresses[(row["kind"], row["auxo_id"])].append({k: row[k] for k in ("type", *payloads._XERO_ADDRESS)})

    for pair in synced.iter_rows(named=True):
        key = (pair["kind"], pair["auxo_id"])
        contact = contacts.get(key, {})
        name = contact.get("name")
        xero_id = pair["xero_contact_id"]
        direct = pair["auxo_link_id"] == xero_id
        if key in to_xero:
            writes.append(payloads.xero_update(connection_id, *key, name, xero_id, to_xero[key], fields,
                                               other_persons=persons.get(xero_id, ()), writeback=direct))
        changes = payloads.auxo_changes(to_auxo.get(key, {}), addresses.get(key, ())) if key in to_auxo else {}
        linking = pair["decision"] == "link"
        needs_marking = (pair["auxo_link_id"] is not None and key not in to_xero
                         and contact.get("sync_status") in ("pending", "error"))
        if changes or linking or needs_marking:
            writes.append(payloads.auxo_update(connection_id, *key, name, pair["auxo_link_id"] or xero_id,
                                               contact.get("edited_at"), changes, linking=linking))

    for row in matches.filter(pl.col("decision") == "review").iter_rows(named=True):
        writes.append(PlannedWrite(
            connection_id=connection_id, target="auxo", entity="contact", operation="update",
            ref=payloads.auxo_record_ref(row["kind"], row["auxo_id"]), source_id=row["auxo_id"], business_date=None,
            payload={"path": f"{payloads.RESOURCES[row['kind']]}/sync-status",
                     "item": {"id": row["auxo_id"], "sync_status": "error",
                              "sync_error": {"code": "needs_review",
                                             "message": f"Not linked to Xero yet: {row['reason']}."[:2000]}}},
            description=f"Auxo {row['kind']} {row['name']} ({row['auxo_id']}): needs review — {row['reason']}",
            priority=payloads.AUXO_PRIORITY))

    return SyncPlan(writes=writes, changes=change_rows, baseline=change_set.baseline, pairs=pairs)
