"""Schema fuzzing with schemathesis against the running emulator.

``make test`` runs ``E2E_FUZZ_EXAMPLES`` (default 20) examples per operation with a
fixed seed; ``make fuzz`` runs 100 per operation (5 operations: at least 500 requests)
with a random seed. Every check runs except two whose premise API Gateway does not share:

- ``positive_data_acceptance``: the document cannot express every rule (exactly one of
  ``customer_id``/``date``; ``currency`` must be an *active* ISO 4217 code), so a
  schema-valid request may rightly get 400;
- ``unsupported_method``: API Gateway answers an undeclared method with 403
  ``MissingAuthenticationToken``, not 405.

``KNOWN_DEVIATIONS`` patches the document for issues owned elsewhere; each has a strict
xfail test, so fixing the issue makes that test fail until the patch is removed here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import REPO_ROOT, Emulator

EXAMPLES = int(os.environ.get("E2E_FUZZ_EXAMPLES", "20"))
SEED = os.environ.get("E2E_FUZZ_SEED", "20261125")
MAX_SECONDS = int(os.environ.get("E2E_FUZZ_MAX_SECONDS", "120"))
EXCLUDED_CHECKS = "positive_data_acceptance,unsupported_method"

KNOWN_DEVIATIONS = {
    # payment_infra/openapi_gateway.py renders 403/429 with types the Error schema does not list.
    "error types of the gateway responses": lambda doc: doc["components"]["schemas"]["Error"]["properties"]["error"][
        "properties"]["type"]["enum"].extend(["authentication_error", "rate_limit_error"]),
}

#: The handlers answer 405 instead of 404 for ids with characters outside Powertools' route
#: pattern (e.g. U+00D7); see test_odd_transaction_id_is_404. Until that is fixed, the two
#: operations with a transaction id run without the status code check (every other check on).
ID_OPERATIONS = r"\{transaction_id\}"
RUNS = (
    ("--exclude-path-regex", ID_OPERATIONS, EXCLUDED_CHECKS),
    ("--include-path-regex", ID_OPERATIONS, EXCLUDED_CHECKS + ",status_code_conformance"),
)


def _patched_document(directory: Path) -> Path:
    document = json.loads((REPO_ROOT / "lambdas" / "openapi.json").read_text())
    for patch in KNOWN_DEVIATIONS.values():
        patch(document)
    path = directory / "openapi.fuzz.json"
    path.write_text(json.dumps(document))
    return path


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    emulator: Emulator, tmp_path: Path
) -> None:
    document = _patched_document(tmp_path)
    started = time.monotonic()
    count = 0
    for filter_option, regex, excluded in RUNS:
        argv = [
            sys.executable, "-m", "schemathesis.cli", "run", str(document), filter_option, regex,
            "--url", emulator.base_url, "--header", f"x-api-key: {emulator.api_key}",
            "--checks", "all", "--exclude-checks", excluded,
            "--max-examples", str(EXAMPLES), "--phases", "examples,coverage,fuzzing",
            "--request-timeout", "15", "--no-color",
            # One worker: concurrent ast.parse in hypothesis trips a CPython 3.11 bug ("AST constructor
            # recursion depth mismatch", gh-106905).
            "--workers", "1",
        ]
        if SEED != "random":
            argv += ["--seed", SEED]
        result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS,
                                check=False, env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-8000:]
        generated = re.search(r"(\d+) generated", output)
        assert generated, output[-2000:]
        count += int(generated.group(1))
    print(f"schemathesis: {count} test cases in {time.monotonic() - started:.1f}s")
    assert count >= 5 * EXAMPLES


@pytest.mark.xfail(strict=True, reason="KNOWN ISSUE (lambdas/payments/handlers/http.py): an id with a character "
                   "outside Powertools' route pattern gets 405 method_not_allowed instead of 404")
def test_odd_transaction_id_is_404(emulator: Emulator) -> None:
    for path in ("/transactions/t%C3%97", "/status/t%C3%97"):
        assert emulator.get(path).status_code == 404
