"""Every (state, event) pair of a write, walked: whatever happens, the document ends in Xero exactly once.

Each case brings one invoice (and its contact) into a state by a real history of sink runs, lets one
event happen in the next run, then settles (the faults stop, the cause of a refusal is fixed and the
refusal resent, the lock date moves back) and checks: never two invoices at any point, and exactly
one at the end, confirmed in the ledger. A transition the state machine does not allow raises
``IllegalTransition`` and fails the case.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.sync import ledger
from pipelines.sync.ledger import STATES, Ledger
from pipelines.sync.plan import PlannedWrite, plan_frame, ref_placeholder
from pipelines.sync.sink import LockDates, Sink
from tests.pipelines.sync.fakes import FakeAuxo, FakeXero

DAY = date(2026, 11, 2)
CONNECTION = "c1"


class Killed(BaseException):
    """The process dies here."""


@functools.cache
def plan(version: int = 1) -> pl.DataFrame:
    contact = PlannedWrite(CONNECTION, "xero", "contact", "create", "contact:Ann", "Ann", None, {"Name": "Ann"},
                           "Contact Ann", priority=10)
    invoice = PlannedWrite(CONNECTION, "xero", "invoice", "create", "invoice:I1", "I1", DAY,
                           {"InvoiceNumber": "I1", "Reference": f"REG-{version}",
                            "Contact": {"ContactID": ref_placeholder("contact:Ann")}},
                           f"Invoice I1 v{version}", depends_on=("contact:Ann",), priority=20)
    return plan_frame([contact, invoice])


class World:
    """A warehouse, an in-memory Xero and what the next run meets there."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.xero = FakeXero()
        self.version = 1
        self.lock: date | None = None
        self.run_number = 0
        self.most_invoices_seen = 0

    def run(self, *, dry_run: bool = False, resend_refused: bool = False) -> None:
        self.run_number += 1
        sink = Sink(self.con, connection_id=CONNECTION, xero=self.xero, auxo=FakeAuxo(),
                    run_id=f"run-{self.run_number}", dry_run=dry_run, resend_refused=resend_refused,
                    lock_dates=lambda: LockDates(period=self.lock))
        try:
            sink.run(plan(self.version))
        finally:
            self.most_invoices_seen = max(self.most_invoices_seen, self.invoices())

    def invoices(self) -> int:
        return len(self.xero.docs.get("Invoices", []))

    def invoice_state(self) -> str:
        rows = self.con.execute("select state from sync.write_state where ref = 'invoice:I1'").fetchall()
        return rows[0][0]

    def killed(self, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """A run that dies at ``where``: before or after the ledger commits 'sent', or after Xero commits."""
        original_apply, original_write = Ledger.apply, FakeXero.write

        def apply(self_, event, keys, *args, **kwargs):
            keys = list(keys)
            invoice = any(key.startswith("invoice") for key in keys)
            if event == "send" and invoice and where == "before the ledger commits":
                raise Killed
            done = original_apply(self_, event, keys, *args, **kwargs)
            if event == "send" and invoice and where == "after the ledger commits":
                raise Killed
            return done

        def write(self_, method, endpoint, collection, documents, **kwargs):
            result = original_write(self_, method, endpoint, collection, documents, **kwargs)
            if endpoint == "Invoices" and where == "after Xero commits":
                raise Killed
            return result

        monkeypatch.setattr(Ledger, "apply", apply)
        monkeypatch.setattr(FakeXero, "write", write)
        try:
            self.run()  # nothing to send (e.g. a lookup found it): the run has nowhere to die
        except Killed:
            pass
        finally:
            monkeypatch.undo()

    def settle(self) -> None:
        """The faults stop, refusals are fixed and resent, the lock date moves back: runs until quiet."""
        self.xero.faults, self.xero.read_faults, self.xero.invalid_names = [], [], set()
        self.lock = None
        for _ in range(4):
            self.run(resend_refused=True)
            if not self.con.execute("select count(*) from sync.write_state where open").fetchall()[0][0]:
                return


# -- how a document gets into each state ---------------------------------------------------------------

def _planned(world: World, mp: pytest.MonkeyPatch) -> None:
    world.run(dry_run=True)


def _sent_not_applied(world: World, mp: pytest.MonkeyPatch) -> None:
    world.killed("after the ledger commits", mp)


def _sent_applied(world: World, mp: pytest.MonkeyPatch) -> None:
    world.killed("after Xero commits", mp)


def _retrying_not_applied(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.faults = ["none", "500"]  # the contact goes through, the invoice meets a 500
    world.run()


def _retrying_applied(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.faults = ["none", "drop"]  # the invoice is created, its answer lost
    world.run()


def _confirmed(world: World, mp: pytest.MonkeyPatch) -> None:
    world.run()


def _refused(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.invalid_names = {"I1"}
    world.run()
    world.xero.invalid_names = set()


def _held(world: World, mp: pytest.MonkeyPatch) -> None:
    world.lock = DAY
    world.run()


def _blocked(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.invalid_names = {"Ann"}
    world.run()
    world.xero.invalid_names = set()


def _skipped(world: World, mp: pytest.MonkeyPatch) -> None:
    _refused(world, mp)
    world.version = 2  # the refused version is replaced by the edited one
    world.run(dry_run=True)


HISTORIES: dict[str, tuple[str, Callable[[World, pytest.MonkeyPatch], None]]] = {
    "planned": ("planned", _planned),
    "sent, not applied": ("sent", _sent_not_applied),
    "sent, applied": ("sent", _sent_applied),
    "retrying, not applied": ("retrying", _retrying_not_applied),
    "retrying, applied": ("retrying", _retrying_applied),
    "confirmed": ("confirmed", _confirmed),
    "refused": ("refused", _refused),
    "held": ("held", _held),
    "blocked": ("blocked", _blocked),
    "skipped": ("skipped", _skipped),
}


# -- what happens in the next run ------------------------------------------------------------------------

def _faults(*kinds: str) -> Callable[[World, pytest.MonkeyPatch], None]:
    def event(world: World, mp: pytest.MonkeyPatch) -> None:
        world.xero.faults = list(kinds) * 4
        world.run()
    return event


def _refused_now(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.invalid_names = {"I1"}
    world.run(resend_refused=True)


def _lookup_fails(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.read_faults = ["fail"] * 4
    world.run()


def _changed(world: World, mp: pytest.MonkeyPatch) -> None:
    world.version += 1
    world.run()


def _key_expired(world: World, mp: pytest.MonkeyPatch) -> None:
    world.xero.expire_idempotency_keys()
    world.run()


def _lock_moved(world: World, mp: pytest.MonkeyPatch) -> None:
    world.lock = DAY
    world.run()


def _killed(where: str) -> Callable[[World, pytest.MonkeyPatch], None]:
    return lambda world, mp: world.killed(where, mp)


EVENTS_WALKED: dict[str, Callable[[World, pytest.MonkeyPatch], None]] = {
    "sent and answered": lambda world, mp: world.run(),
    "refused": _refused_now,
    "429": _faults("429"),
    "5xx": _faults("500", "503"),
    "timeout": _faults("timeout"),
    "answer lost": _faults("drop"),
    "killed before the ledger commits": _killed("before the ledger commits"),
    "killed after the ledger commits": _killed("after the ledger commits"),
    "killed after Xero commits": _killed("after Xero commits"),
    "lookups find what is there": lambda world, mp: world.run(),
    "lookup fails": _lookup_fails,
    "document changed": _changed,
    "idempotency key expired": _key_expired,
    "lock date moved over it": _lock_moved,
}


@pytest.fixture
def world():
    con = duckdb.connect()
    yield World(con)
    con.close()


@pytest.mark.parametrize("event", list(EVENTS_WALKED))
@pytest.mark.parametrize("history", list(HISTORIES))
def test_every_state_and_event_ends_with_the_document_once(world: World, monkeypatch, history: str, event: str):
    state, reach = HISTORIES[history]
    reach(world, monkeypatch)
    assert _states(world.con)["Invoice I1 v1"] == state, history
    EVENTS_WALKED[event](world, monkeypatch)
    world.settle()
    assert world.most_invoices_seen == 1  # never two, at any moment
    assert world.invoices() == 1 and world.invoice_state() == "confirmed"
    assert len(world.xero.docs["Contacts"]) == 1


def _states(con) -> dict[str, str]:
    return dict(con.execute("select description, state from sync.writes where ref = 'invoice:I1'").fetchall())


def test_a_document_edited_after_a_lost_answer_is_looked_up_under_its_old_key():
    """The edit does not wait forever behind the unknown version: that one is found, the edit is no second."""
    con = duckdb.connect()
    world = World(con)
    world.xero.faults = ["none", "drop"]  # the contact goes through; v1 is created, its answer lost
    world.run()
    world.version = 2
    world.run()
    assert _states(con) == {"Invoice I1 v1": "confirmed", "Invoice I1 v2": "skipped"}
    assert world.invoices() == 1


def test_a_lookup_that_finds_nothing_makes_the_write_planned_and_no_longer_sent():
    con = duckdb.connect()
    world = World(con)
    world.xero.faults = ["none", "500"]  # v1 not applied; its outcome is unknown
    world.run()
    assert world.invoice_state() == "retrying"
    world.version = 2
    world.run()  # v1 looked up and not found: replaced by v2, which is sent
    assert _states(con) == {"Invoice I1 v1": "skipped", "Invoice I1 v2": "confirmed"}
    assert con.execute("select sent_at from sync.write_ledger where description = 'Invoice I1 v1'").fetchall() \
        == [(None,)]
    assert world.invoices() == 1


def test_a_lookup_that_fails_sends_nothing_of_that_document_in_the_same_run():
    con = duckdb.connect()
    world = World(con)
    world.xero.faults = ["none", "drop"]
    world.run()
    writes = world.xero.calls[("PUT", "Invoices")]
    world.xero.read_faults = ["fail"]
    world.version = 2
    world.run()
    assert world.xero.calls[("PUT", "Invoices")] == writes  # neither version sent unchecked
    assert _states(con) == {"Invoice I1 v1": "retrying", "Invoice I1 v2": "planned"}
    world.run()
    assert _states(con) == {"Invoice I1 v1": "confirmed", "Invoice I1 v2": "skipped"}
    assert world.invoices() == 1


def test_an_event_a_state_does_not_allow_is_refused():
    con = duckdb.connect()
    World(con).run()
    writes = Ledger(con, CONNECTION)
    key = con.execute("select idempotency_key from sync.write_ledger where ref = 'invoice:I1'").fetchall()[0][0]
    with pytest.raises(ledger.IllegalTransition, match="send applies to"):
        writes.apply("send", [key], "run-x")
    with pytest.raises(ledger.IllegalTransition, match="not in this connection"):
        Ledger(con, "c2").apply("supersede", [key], "run-x")


def test_the_state_table_in_the_docs_is_the_one_in_the_code():
    doc = (Path(__file__).parents[3] / "docs" / "write-path.md").read_text()
    assert ledger.transition_table_markdown() in doc
    for state, meaning in STATES.items():
        assert f"| `{state}` | {meaning} |" in doc
