"""``FunctionSpec.aws_services`` equals the AWS clients each handler's code creates (the VPC endpoints follow it).

The clients are read from the handler's module: every ``aws.client("<service>")`` / ``boto3.client(...)`` call in
the handler function and in the module-level functions it calls, transitively. So a handler that starts calling a
new service without declaring it (and getting its endpoint and IAM) fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from payment_infra.application import LAMBDAS_DIR, functions_module

SPECS = {spec.name: spec for spec in functions_module().FUNCTIONS}


def _is_client_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name == "client" and bool(node.args) and isinstance(node.args[0], ast.Constant)


def clients_called(source: str, handler: str) -> set[str]:
    """The services of every client created by ``handler`` in ``source`` or by the module functions it calls."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    services: set[str] = set()
    pending, seen = [handler], set()
    while pending:
        name = pending.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Call):
                if _is_client_call(node):
                    services.add(node.args[0].value)
                if isinstance(node.func, ast.Name):
                    pending.append(node.func.id)
    return services


def _handler_source(spec) -> tuple[str, str]:
    module, _, function = spec.handler.rpartition(".")
    return (LAMBDAS_DIR / Path(*module.split("."))).with_suffix(".py").read_text(), function


@pytest.mark.parametrize("name", sorted(SPECS))
def test_declared_aws_services_equal_the_clients_the_code_creates(name: str) -> None:
    spec = SPECS[name]
    source, function = _handler_source(spec)
    assert set(spec.aws_services) == clients_called(source, function), (
        f"{name}: declare in lambdas/payments/functions.py aws_services=the services its code calls"
    )
    assert len(spec.aws_services) == len(set(spec.aws_services))


def test_the_reader_follows_calls_and_catches_an_undeclared_client() -> None:
    source = """
from payments.adapters import aws

def _steps():
    return build(aws.client("dynamodb"))

def _other():
    return aws.client("s3")

def handler(event, context):
    helper = boto3.client("stepfunctions")
    return _steps()
"""
    assert clients_called(source, "handler") == {"dynamodb", "stepfunctions"}
    assert clients_called(source, "_other") == {"s3"}
