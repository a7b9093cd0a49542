"""Run the emulator as a child process until it reports ready: shared by the e2e fixtures and the load benchmark.

A separate process keeps the handlers' cold-start settings and boto3 clients (which point at the emulator's
moto endpoint) away from the caller's interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 - starts this package's own CLI
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from payment_local.stack import REPO_ROOT


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without what must not reach the emulator: AWS and Powertools settings (it sets
    its own), ``PAYMENT_*`` (another deployment, a remote backend) and the fake resource names tests/lambdas sets."""
    source = os.environ if environ is None else environ
    return {
        k: v
        for k, v in source.items()
        if not k.startswith(("AWS_", "POWERTOOLS_", "PAYMENT_")) and k not in ("TRANSACTIONS_TABLE", "QUEUE_URL")
    }


class EmulatorStartError(RuntimeError):
    """The emulator exited or did not report ready in time; the message ends with its log."""


@contextmanager
def running_emulator(
    args: Sequence[str], *, env: Mapping[str, str], workdir: Path, timeout: float = 90
) -> Iterator[dict[str, Any]]:
    """Start ``python -m payment_local --port 0 <args>``, yield its ready info, stop it.

    The info holds ``base_url``, the stage URL (``http://127.0.0.1:<port>/<stage>``, every API path is below it),
    ``stage``, ``api_key`` and the emulated resources' names.
    """
    ready = workdir / "ready.json"
    log_path = workdir / "emulator.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 # nosec B603 - fixed argv, this interpreter
            [sys.executable, "-m", "payment_local", "--port", "0", "--ready-file", str(ready), *args],
            cwd=REPO_ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise EmulatorStartError("emulator did not start:\n" + log_path.read_text()[-4000:])
                time.sleep(0.1)
            yield json.loads(ready.read_text())
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
