"""``auxo-xero sandbox serve``: a sandbox on 127.0.0.1 for any HTTP client."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn


def serve(system: str, port: int, state_dir: Path) -> None:
    """Serve the ``system`` sandbox on 127.0.0.1:``port`` with state in ``state_dir``.

    Prints one JSON line describing how to connect (see each sandbox's ``connection_info``),
    then serves until interrupted.
    """
    if system == "xero":
        from sandbox.xero.app import connection_info, create_app
    elif system == "auxo":
        from sandbox.auxo.app import connection_info, create_app
    else:
        raise ValueError(f"unknown sandbox {system!r}: expected 'xero' or 'auxo'")
    state_dir = Path(state_dir).resolve()
    app = create_app(state_dir)
    base = f"http://127.0.0.1:{port}"
    sys.stdout.write(json.dumps(connection_info(state_dir, base)) + "\n")
    sys.stdout.flush()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
