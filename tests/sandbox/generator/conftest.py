"""One tiny workshop per test session (generated once: the tests only read it), and the two
sandboxes seeded from it."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.embedded import forget_apps
from sandbox.generator import Workshop, generate, seed_sandboxes
from sandbox.generator import expected as expected_outcome

END = date(2026, 3, 1)
SEED = 42


@pytest.fixture(scope="session")
def workshop() -> Workshop:
    return generate("tiny", SEED, END)


@pytest.fixture(scope="session")
def tables(workshop: Workshop) -> dict:
    return expected_outcome.expected_tables(workshop)


@pytest.fixture(scope="session")
def seeded(workshop: Workshop, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("seeded")
    report = seed_sandboxes(workshop, root / "xero", root / "auxo")
    yield {"xero": root / "xero", "auxo": root / "auxo", "report": report}
    forget_apps()

