"""The contact plans: match, then create / link / keep in step. Not partitioned: contacts are not
dated, and every day's sink sends their writes."""

import dataclasses

import dagster as dg
import duckdb
import polars as pl

from assets.contacts import tables
from assets.contacts.matching import MatchResult, match_contacts
from assets.contacts.models import ContactChangeModel, ContactMatchModel, ContactReviewModel
from assets.contacts.sync_plan import SyncInputs, SyncPlan, plan_contact_sync
from assets.metadata import markdown_table
from assets.plans import WRITER_POOL, materialize_plan, store_writes, within_contract
from assets.resources import ConnectionResource, MappingsResource, WarehouseResource

MATCHES = dg.AssetKey(["plans", "contact_matches"])
SYNC = dg.AssetKey(["plans", "contact_sync"])
SYNC_PLAN_NAME = "contact_sync"
LINKED_TWICE_CHECK = "no_xero_contact_linked_twice"

_staging = [dg.AssetKey(["staging", name]) for name in (
    "auxo_customers", "auxo_suppliers", "xero_contacts", "xero_contact_phones")]
_staging_sync = [*_staging, *[dg.AssetKey(["staging", name]) for name in (
    "auxo_customer_addresses", "auxo_supplier_addresses", "xero_contact_addresses")],
    dg.AssetKey(["raw", "xero", "contacts"])]


BROKEN = "the contact plan breaks its own contract"


def _validated(model: type, frame: pl.DataFrame, table: str) -> pl.DataFrame:
    return within_contract(table, BROKEN, lambda: model.validate(frame, lazy=True))  # type: ignore[attr-defined]


def _validated_matches(result: MatchResult) -> MatchResult:
    return MatchResult(matches=_validated(ContactMatchModel, result.matches, "plans.contact_matches"),
                       review=_validated(ContactReviewModel, result.review, "plans.contact_review"))


def _match_metadata(result: MatchResult) -> dict[str, object]:
    counts = dict(result.matches.group_by("decision").len().iter_rows())
    return {
        "dagster/row_count": result.matches.height,
        **{f"contacts_{decision}": counts.get(decision, 0) for decision in ("linked", "link", "review", "create",
                                                                             "skip")},
        "review_queue": markdown_table(result.review.select("kind", "auxo_name", "xero_name", "xero_status", "score",
                                                            "matched_on", "reason")),
        "review_sql": dg.MetadataValue.md(
            "```sql\nselect * from plans.contact_review order by kind, auxo_name, score desc;\n"
            "select decision, count(*) from plans.contact_matches group by 1;\n```"),
    }


@dg.asset(key=MATCHES, deps=_staging, pool=WRITER_POOL, group_name="contacts", kinds={"polars", "duckdb"},
          description="Every Auxo customer and supplier not linked yet, matched to the Xero contacts it may "
                      "already be: by name plus phone or email, after normalising case, spacing, punctuation, "
                      "company suffixes, AU phone formats and email case. A unique match links; several candidates, "
                      "a name-only or archived match go to plans.contact_review for a person, never linked or "
                      "created automatically. Decisions in plans.contact_matches.")
def contact_matches(warehouse: WarehouseResource, connection: ConnectionResource) -> dg.MaterializeResult:
    connection_id = connection.id()

    def store(con: duckdb.DuckDBPyConnection, result: MatchResult) -> dict[str, object]:
        tables.write_matches(con, connection_id, result.matches, result.review)
        return _match_metadata(result)

    return materialize_plan(warehouse, MATCHES.path[-1], broken=BROKEN,
                            read=lambda con: tables.read_match_inputs(con, connection_id),
                            plan=lambda inputs: match_contacts(*inputs), validate=_validated_matches, store=store)


@dg.asset(key=SYNC, deps=[MATCHES, *_staging_sync], pool=WRITER_POOL, group_name="contacts",
          kinds={"polars", "duckdb"},
          description="The contact writes: new Auxo customers and suppliers created in Xero (Auxo records the "
                      "ContactID), matches linked in Auxo, and field edits of linked contacts both ways — when both "
                      "sides changed a field since the last sync the later edit wins, and an email blank in Auxo "
                      "never removes Xero's. Changes in plans.contact_changes, every decision in "
                      "sync.contact_decisions.")
def contact_sync(context: dg.AssetExecutionContext, warehouse: WarehouseResource, connection: ConnectionResource,
                 mappings: MappingsResource) -> dg.MaterializeResult:
    connection_id = connection.id()
    settings = mappings.load()

    def plan(inputs: SyncInputs) -> SyncPlan:
        return plan_contact_sync(connection_id, inputs, settings.fields.contact_fields,
                                 create_in_xero=settings.sync.contacts.create_in_xero,
                                 pull_from_xero=settings.sync.contacts.pull_edits_from_xero)

    def validate(plan: SyncPlan) -> SyncPlan:
        return dataclasses.replace(plan, changes=_validated(ContactChangeModel, plan.changes, "plans.contact_changes"))

    def store(con: duckdb.DuckDBPyConnection, plan: SyncPlan) -> dict[str, object]:
        metadata = store_writes(con, SYNC_PLAN_NAME, plan.writes, connection_id)  # undated: every day's sink sends it
        new_decisions = tables.write_sync_state(con, connection_id, plan.changes, plan.baseline, context.run.run_id)
        not_synced = plan.pairs.filter(pl.col("sync_note").is_not_null())
        return {
            **metadata,
            "field_changes": plan.changes.height,
            "decisions_recorded": new_decisions,
            "changes": markdown_table(plan.changes.select("kind", "auxo_id", "field", "auxo_value", "xero_value",
                                                          "direction", "rule")),
            "linked_not_synced": markdown_table(not_synced.select("kind", "auxo_id", "xero_contact_id", "sync_note")),
        }

    return materialize_plan(warehouse, SYNC_PLAN_NAME, broken=BROKEN,
                            read=lambda con: tables.read_sync_inputs(con, connection_id), plan=plan,
                            validate=validate, store=store)


@dg.asset_check(asset=MATCHES, name=LINKED_TWICE_CHECK, blocking=False, pool=WRITER_POOL,
                description="No Xero contact is linked to two Auxo contacts of the same kind (a customer and a "
                            "supplier may share one).")
def no_xero_contact_linked_twice(warehouse: WarehouseResource,
                                 connection: ConnectionResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        twice = con.sql(
            "select kind, xero_contact_id, list(auxo_id order by auxo_id) as auxo_ids, "
            "bool_or(decision = 'link') as by_this_match from plans.contact_matches "
            "where connection_id = ? and decision in ('link', 'linked') group by all having count(*) > 1",
            params=[connection.id()]).pl()
    by_match = twice.filter(pl.col("by_this_match")).height if not twice.is_empty() else 0
    return dg.AssetCheckResult(
        check_name=LINKED_TWICE_CHECK, passed=twice.is_empty(),
        # links recorded in Auxo before the sync ran are a person's to fix; a new one would be a bug
        severity=dg.AssetCheckSeverity.ERROR if by_match else dg.AssetCheckSeverity.WARN,
        metadata={"xero_contacts_linked_twice": twice.height, "cases": markdown_table(twice)})
