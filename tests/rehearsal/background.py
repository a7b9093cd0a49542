"""``make rehearse`` in the background: started once collection has finished, collected by its test.

The rehearsal is mostly Terraform, the CLI and the plugin waiting on each other (about 100 s alone); pytest is
one process, so running it beside the other tests keeps it from adding its whole time to ``make test``.
"""

from __future__ import annotations

import subprocess  # nosec B404 - runs make with fixed arguments
import tempfile
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 900
_running: tuple[subprocess.Popen[bytes], IO[bytes]] | None = None


def start() -> None:
    global _running
    if _running is None:
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result()
        process = subprocess.Popen(  # nosec B603 B607 - fixed argv
            ["make", "--no-print-directory", "rehearse"], cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        _running = (process, log)


def result() -> tuple[int, str]:
    """``(exit code, output)`` of the rehearsal (started now if it was not yet)."""
    global _running
    start()
    assert _running is not None
    process, log = _running
    try:
        returncode = process.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        returncode = process.wait()
    log.seek(0)
    out = log.read().decode(errors="replace")
    log.close()
    _running = None
    return returncode, out


def stop() -> None:
    """End a rehearsal nobody collected (its test deselected or the session interrupted)."""
    if _running is not None:
        _running[0].kill()
        result()
