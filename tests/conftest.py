"""Shared test setup: every test session gets its own data folder, never the project's .data/."""

import os
import tempfile
from pathlib import Path

# Before anything imports the project: paths are computed from these at call time, but Dagster
# definitions build their import-time dlt pipelines under the data folder.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="auxo-xero-tests-"))
os.environ["AUXO_XERO_HOME"] = str(_SESSION_HOME)
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
os.environ.pop("XERO_API_URL", None)
os.environ.pop("AUXO_API_URL", None)
