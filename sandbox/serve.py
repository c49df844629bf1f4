"""``auxo-xero sandbox serve``: a sandbox on 127.0.0.1 for any HTTP client."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn


def serve(system: str, port: int, state_dir: Path, *, rate_limits: bool | None = None) -> None:
    """Serve the ``system`` sandbox on 127.0.0.1:``port`` with state in ``state_dir``.

    Prints one JSON line describing how to connect (see each sandbox's ``connection_info``),
    then serves until interrupted. ``rate_limits`` (Xero only) switches Xero's rate limits on or
    off in the state before serving (``--rate-limits``); ``None`` leaves the state's setting.
    The Xero sandbox also delivers its webhooks every second while served.
    """
    if system == "xero":
        from sandbox.xero.app import configure, connection_info, create_app
    elif system == "auxo":
        from sandbox.auxo.app import connection_info, create_app
    else:
        raise ValueError(f"unknown sandbox {system!r}: expected 'xero' or 'auxo'")
    state_dir = Path(state_dir).resolve()
    app = create_app(state_dir)
    if rate_limits is not None:
        if system != "xero":
            raise ValueError("rate limits are a Xero sandbox setting")
        configure(state_dir, rate_limits=rate_limits)
    base = f"http://127.0.0.1:{port}"
    sys.stdout.write(json.dumps(connection_info(state_dir, base)) + "\n")
    sys.stdout.flush()
    ticker = None
    if system == "xero":  # sends the webhooks a subscription asks for (sandbox/xero/webhooks.py), every second
        from sandbox.xero.webhooks import DeliveryTicker

        ticker = DeliveryTicker(state_dir).start()
    try:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    finally:
        if ticker is not None:
            ticker.stop()
