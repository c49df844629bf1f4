"""The Xero sandbox: Xero's Accounting API and identity endpoints over file-backed state.

Python entry points for the rest of the project (the HTTP surface is in ``app.py`` and
docs/sandboxes.md):

- ``credentials(state_dir)`` — client id, secret and tenant id, for a client_credentials login;
- ``seed(state_dir, payload)`` — bulk-load Xero-shaped documents (``/admin/seed``);
- ``request_log(state_dir, method=None, path_prefix=None, since=None)`` — logged API requests;
- ``set_rate_limits(state_dir, enabled=True, per_minute=…)`` — Xero's limits on or off;
- ``set_tier(state_dir, "starter")`` — the organisation's tier (its day limit: 1,000 or 5,000);
- ``clear_request_log(state_dir)``, ``reset(state_dir)``;
- ``subscribe_webhooks(state_dir, url, key=None)`` — the app's webhook subscription, checked with
  Xero's intent to receive; ``deliver_webhooks(state_dir)`` — send what is due now (``webhooks.py``);
- ``sandbox.xero.app.configure_app(state_dir, created=…, auto_approve=…)`` — the app's registration;
  ``sandbox.xero.app.add_organisation(state_dir, name)`` — a second organisation to connect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def credentials(state_dir: Path) -> dict[str, str]:
    from sandbox.xero.state import open_state

    creds = open_state(Path(state_dir)).credentials()
    return {key: creds[key] for key in ("client_id", "client_secret", "tenant_id")}


def seed(state_dir: Path, payload: dict[str, Any]) -> dict[str, int]:
    """Seed documents; returns counts per key. Raises ``sandbox.xero.seeding.SeedError``."""
    from sandbox.xero.seeding import seed_payload
    from sandbox.xero.state import open_state

    return seed_payload(open_state(Path(state_dir)), payload)


def request_log(state_dir: Path, *, method: str | None = None, path_prefix: str | None = None,
                since: str | int | None = None) -> list[dict]:
    from sandbox.xero.requestlog import entries
    from sandbox.xero.state import open_state

    return entries(open_state(Path(state_dir)), method=method, path_prefix=path_prefix, since=since)


def clear_request_log(state_dir: Path) -> None:
    from sandbox.xero.requestlog import clear
    from sandbox.xero.state import open_state

    clear(open_state(Path(state_dir)))


def set_rate_limits(state_dir: Path, *, enabled: bool = True, **limits: int) -> dict:
    """Switch the rate limits on or off (and optionally set ``concurrent``, ``per_minute``,
    ``per_day``, ``app_per_minute``); returns the configuration."""
    from sandbox.xero.app import configure

    return configure(Path(state_dir), rate_limits=enabled, **limits)


def set_tier(state_dir: Path, tier: str) -> dict:
    """The organisation's tier: ``starter`` (1,000 calls a day) or another (5,000); returns the configuration."""
    from sandbox.xero.app import configure

    return configure(Path(state_dir), tier=tier)


def reset(state_dir: Path) -> None:
    """Back to the freshly seeded demo organisation (credentials survive)."""
    from sandbox.faults import FaultStore
    from sandbox.xero.state import open_state
    from sandbox.xero.state import reset as reset_state

    reset_state(open_state(Path(state_dir)))
    FaultStore(Path(state_dir)).clear()


def subscribe_webhooks(state_dir: Path, url: str, key: str | None = None,
                       categories: list[str] | None = None) -> dict:
    """Set up the app's webhook subscription (a new key unless given) and run intent to receive;
    returns the subscription (``status`` ``OK`` or ``INTENT_FAILED``)."""
    from sandbox.xero.state import open_state
    from sandbox.xero.webhooks import subscribe

    return subscribe(open_state(Path(state_dir)), url, key, categories)


def deliver_webhooks(state_dir: Path) -> dict:
    """Send the webhook events due now on the sandbox clock (what the served sandbox does every second)."""
    from sandbox.xero.state import open_state
    from sandbox.xero.webhooks import deliver_due

    return deliver_due(open_state(Path(state_dir)))


__all__ = ["clear_request_log", "credentials", "deliver_webhooks", "request_log", "reset", "seed", "set_rate_limits",
           "set_tier", "subscribe_webhooks"]
