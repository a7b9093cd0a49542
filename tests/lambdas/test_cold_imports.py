"""Each handler imports only the modules it declares: a cold start loads what the function uses, nothing more.

Measured as Lambda runs it (``scripts/cold_import.py``: a fresh interpreter, a Lambda-like environment). The
standard library is not counted. No timings here: ``make bench`` reports them (docs/benchmarks.md).
"""

from __future__ import annotations

import sys

import pytest
from payments.functions import FUNCTIONS

from scripts.cold_import import imported_modules

#: Powertools (logger, metrics, tracer, the resolver) and what it needs; botocore because Powertools registers its
#: user agent on botocore at import when botocore is installed (its root module only, not a client or session).
POWERTOOLS = {"aws_lambda_powertools", "aws_xray_sdk", "wrapt", "jmespath", "typing_extensions", "botocore"}
#: boto3 and what botocore's sessions and clients load.
AWS_SDK = {"boto3", "dateutil", "urllib3", "certifi", "six"}
#: Every function: its settings (and the contract they come from), its tracer, the domain's value types.
COMMON = {
    "payments", "payments.functions", "payments.settings", "payments.handlers", "payments.handlers.tracing",
    "payments.domain", "payments.domain.clients", "payments.domain.errors", "payments.domain.money",
    "payments.domain.text", "payments.domain.transaction",
}  # fmt: skip
HTTP = COMMON | {"payments.handlers.http", "payments.domain.requests"}
REPOSITORY = {
    "payments.adapters",
    "payments.adapters.aws",
    "payments.adapters.dynamodb",
    "payments.domain.cursor",
    "payments.domain.ports",
    "payments.domain.requests",
}

#: handler module -> (third-party top-level packages, payments modules) it may import.
DECLARED: dict[str, tuple[set[str], set[str]]] = {
    "payments.handlers.health": (POWERTOOLS, HTTP | {"payments.handlers.health"}),
    "payments.handlers.status": (POWERTOOLS | AWS_SDK, HTTP | REPOSITORY | {"payments.handlers.status"}),
    "payments.handlers.transactions": (
        POWERTOOLS | AWS_SDK,
        HTTP | REPOSITORY | {"payments.domain.services", "payments.handlers.transactions"},
    ),
    "payments.handlers.settlement": (
        POWERTOOLS | AWS_SDK,
        COMMON
        | {
            "payments.adapters",
            "payments.adapters.aws",
            "payments.adapters.stepfunctions",
            "payments.handlers.settlement",
        },
    ),
    "payments.handlers.workflow": (
        POWERTOOLS | AWS_SDK,
        COMMON | REPOSITORY | {"payments.adapters.s3", "payments.domain.services", "payments.handlers.workflow"},
    ),
    "payments.handlers.batch_import": (
        POWERTOOLS | AWS_SDK,
        COMMON
        | REPOSITORY
        | {
            "payments.adapters.s3",
            "payments.domain.services",
            "payments.domain.imports",
            "payments.domain.csv_import",
            "payments.handlers.batch_import",
        },
    ),
    "payments.handlers.sweep": (
        POWERTOOLS | AWS_SDK,
        COMMON | REPOSITORY | {"payments.adapters.sqs", "payments.domain.sweep", "payments.handlers.sweep"},
    ),
}


def undeclared(module: str, prelude: str = "") -> list[str]:
    """What importing ``module`` loads beyond its declared set (standard library aside)."""
    packages, own = DECLARED[module]
    found = imported_modules(module, prelude=prelude)
    outside = []
    for name in sorted(found):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top.startswith("_"):
            continue
        if (top == "payments" and name not in own) or (top != "payments" and top not in packages):
            outside.append(name)
    return outside


def test_every_deployed_handler_has_a_declared_set() -> None:
    handlers = {function.handler.rpartition(".")[0] for function in FUNCTIONS}
    assert handlers == set(DECLARED)


@pytest.mark.parametrize("module", sorted(DECLARED))
def test_the_handler_imports_only_its_declared_modules(module: str) -> None:
    assert undeclared(module) == []


def test_an_import_outside_the_set_is_caught() -> None:
    """The check can fail: health loading boto3 (as it did through the idempotency utility) or the CSV parser."""
    assert "boto3" in undeclared("payments.handlers.health", prelude="import boto3")
    outside = undeclared("payments.handlers.health", prelude="import payments.domain.csv_import")
    assert outside == ["payments.domain.csv_import"]
