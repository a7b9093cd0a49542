"""A handler's cold import as Lambda runs it: one fresh interpreter per run, in a Lambda-like environment.

Used by ``scripts/bench.py`` (the figures) and ``tests/lambdas/test_cold_imports.py`` (the module sets), so
both see the same process. The environment matters: outside Lambda (no ``LAMBDA_TASK_ROOT``) the X-Ray SDK
that Powertools' tracer imports builds its centralised sampler, which creates two botocore X-Ray clients at
import (~35% of a handler's import on these machines); in Lambda it takes its local sampler and creates none,
and Powertools turns the tracer on (and patches what the handler asks for). Measuring without it times work
that Lambda never does; that is why the bench (without it) and ``python -X importtime`` (in a shell that
happened to differ) disagreed.

Two methods, same process and environment, reported side by side by the bench:
- **wall** (the goal of issue 27 is held to this one): ``time.perf_counter()`` around the ``import`` statement,
  i.e. everything a cold start runs at import (module code included, e.g. creating the tracer);
- **importtime**: the cumulative microseconds ``python -X importtime`` reports for the handler module; the
  same work plus importtime's own bookkeeping, so it reads a little higher.
Interpreter start-up (``site``, the venv) is in neither: Lambda's runtime has started before it imports.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess  # nosec B404 - runs this interpreter on fixed code
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAMBDA_ROOT = REPO / "lambdas"
REGION = "ap-northeast-2"

_WALL = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
_MODULES = "import json, sys\nbefore = set(sys.modules)\n{prelude}\nimport {module}\n" + (
    "print(json.dumps(sorted(n for n in sys.modules if n not in before)))"
)


def lambda_environment(module: str, root: Path = LAMBDA_ROOT, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables Lambda's Python runtime sets (dummy values), plus what every function of ours gets."""
    environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(base or {})}
    environ.update({
        "PYTHONPATH": str(root), "LAMBDA_TASK_ROOT": str(root), "LAMBDA_RUNTIME_DIR": str(root),
        "AWS_LAMBDA_FUNCTION_NAME": f"payment-{module.rsplit('.', 1)[-1]}", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench", "ENVIRONMENT": "bench",
        "POWERTOOLS_SERVICE_NAME": "payments", "POWERTOOLS_METRICS_NAMESPACE": "PaymentApiBench",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    })  # fmt: skip
    return environ


def _run(args: list[str], module: str, root: Path, python: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 # nosec B603 - this interpreter, fixed code
        [python, *args], env=lambda_environment(module, root), cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"importing {module} failed: {result.stderr.strip()[-2000:]}")
    return result


def wall_seconds(module: str, root: Path = LAMBDA_ROOT, python: str = sys.executable) -> float:
    """One fresh interpreter: seconds the ``import`` statement of ``module`` took."""
    return float(_run(["-c", _WALL.format(module=module)], module, root, python).stdout.strip().splitlines()[-1])


def importtime_seconds(module: str, root: Path = LAMBDA_ROOT, python: str = sys.executable) -> float:
    """One fresh interpreter under ``-X importtime``: the cumulative time it reports for ``module``."""
    stderr = _run(["-X", "importtime", "-c", f"import {module}"], module, root, python).stderr
    for line in stderr.splitlines():
        fields = line.split("|")
        if len(fields) == 3 and fields[2].strip() == module:
            return int(fields[1]) / 1e6
    raise RuntimeError(f"-X importtime reported nothing for {module}")


def median_ms(measure, module: str, runs: int, **kwargs) -> float:
    return statistics.median(measure(module, **kwargs) for _ in range(runs)) * 1000


def imported_modules(
    module: str, root: Path = LAMBDA_ROOT, python: str = sys.executable, prelude: str = ""
) -> set[str]:
    """Every module that importing ``module`` (after ``prelude``) loads beyond what the interpreter had."""
    code = _MODULES.format(module=module, prelude=prelude)
    return set(json.loads(_run(["-c", code], module, root, python).stdout.strip().splitlines()[-1]))
