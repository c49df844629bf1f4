"""Benchmark steps in processes of their own, watched: each one's peak memory is its own, and one
that grows past a cap is stopped before it pushes a shared machine into swap or the OOM killer."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _watch(process: subprocess.Popen, cap_gb: float, verdict: dict[str, Any]) -> None:
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            rss_kb = next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration, ValueError):
            return
        gb = rss_kb / 1024 / 1024
        verdict["max_sampled_gb"] = max(verdict.get("max_sampled_gb", 0.0), gb)
        if gb > cap_gb:
            verdict["killed"] = f"stopped at {gb:.1f} GB (cap {cap_gb} GB)"
            process.kill()
            return
        time.sleep(0.1)


def run_python(*args: str, cap_gb: float = 16.0, timeout: float | None = None,
               env: dict[str, str] | None = None) -> tuple[int, str, str, dict[str, Any]]:
    """``python <args>`` from the project root; (exit status, stdout, stderr, watchdog verdict)."""
    process = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=ROOT, env={**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false", **(env or {})})
    verdict: dict[str, Any] = {}
    watchdog = threading.Thread(target=_watch, args=(process, cap_gb, verdict), daemon=True)
    watchdog.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        verdict["killed"] = f"stopped after {timeout:.0f} s (time limit)"
    watchdog.join(timeout=1)
    return process.returncode, stdout, stderr, verdict
