"""The contract with the infrastructure: openapi.json, functions.py and the settings agree."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from payments import functions as contract
from payments import settings as settings_module
from payments.functions import COMMON_ENVIRONMENT, FUNCTIONS, ROUTES

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
SPEC: dict[str, Any] = json.loads((LAMBDAS / "openapi.json").read_text())
METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}

SETTINGS_OF = {
    contract.TRANSACTIONS: settings_module.TransactionsApiSettings,
    contract.STATUS: settings_module.StatusApiSettings,
    contract.HEALTH: settings_module.HealthSettings,
    contract.SETTLEMENT: settings_module.SettlementSettings,
    contract.BATCH_IMPORT: settings_module.BatchImportSettings,
    contract.SWEEP: settings_module.SweepSettings,
    contract.WORKFLOW_VALIDATE: settings_module.WorkflowValidateSettings,
    contract.WORKFLOW_PROCESS: settings_module.WorkflowProcessSettings,
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_document_is_valid_openapi_3_0():
    validate(SPEC)
    assert SPEC["openapi"].startswith("3.0.")


def test_every_documented_route_has_a_function_and_vice_versa():
    documented = {(method, path) for method, path, _ in operations()}
    assert documented == set(ROUTES)
    names = {spec.name for spec in FUNCTIONS}
    assert set(ROUTES.values()) <= names


def _registered_routes(function_name: str) -> list[Any]:
    """The routes the function's resolver registers (built with dummy clients)."""
    from payments.domain.clients import ClientDirectory
    from payments.handlers import health, status, transactions
    from payments.settings import HealthSettings, TransactionsApiSettings

    clients = ClientDirectory.parse('{"default": ["k"]}')
    if function_name == contract.TRANSACTIONS:
        settings = TransactionsApiSettings("x", "t", "i", 86400, clients)
        app = transactions.build_api(settings, dynamodb=object()).app
    elif function_name == contract.STATUS:
        app = status.build_app(repository=None, clients=clients)  # type: ignore[arg-type]
    else:
        app = health.build_app(HealthSettings(environment="x"))
    return app._static_routes + app._dynamic_routes


def test_every_route_is_served_by_its_handler_and_nothing_else():
    from tests.lambdas.events import api_event, route_for

    for name in set(ROUTES.values()):
        served = {(route.method, route.rule.pattern) for route in _registered_routes(name)}
        expected = {(method, path) for (method, path), owner in ROUTES.items() if owner == name}
        assert len(served) == len(expected), name
        for method, path in expected:
            concrete = path.replace("{transaction_id}", "txn_" + "0" * 32)
            assert any(route.method == method and route.rule.match(concrete) for route in _registered_routes(name)), (
                method,
                path,
            )
            assert route_for(method, concrete)[:2] == (name, path)
            assert api_event(method, concrete)["resource"] == path


def test_operation_ids_are_unique_and_security_is_applied():
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids))
    assert SPEC["components"]["securitySchemes"]["api_key"] == {"type": "apiKey", "in": "header", "name": "x-api-key"}
    assert SPEC["security"] == [{"api_key": []}]
    for method, path, operation in operations():
        if path == "/health":
            assert operation["security"] == []
        else:
            assert "security" not in operation, (method, path)


def test_every_error_response_uses_the_envelope():
    assert SPEC["components"]["responses"]["Error"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    error = SPEC["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"type", "code", "message", "param"}
    for _, _, operation in operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response == {"$ref": "#/components/responses/Error"}


def test_create_requires_the_idempotency_header_and_a_closed_body():
    create = SPEC["paths"]["/transactions"]["post"]
    header = SPEC["components"]["parameters"]["IdempotencyKey"]
    assert create["parameters"] == [{"$ref": "#/components/parameters/IdempotencyKey"}]
    assert header["in"] == "header" and header["required"] is True and header["name"] == "Idempotency-Key"
    assert header["schema"]["pattern"] == "^[A-Za-z0-9_-]{1,64}$"
    body = SPEC["components"]["schemas"]["CreateTransactionRequest"]
    assert body["additionalProperties"] is False
    assert "201" in create["responses"]


def test_no_api_gateway_extensions_and_no_format_only_validation():
    text = json.dumps(SPEC)
    assert "x-amazon-apigateway" not in text
    assert '"format"' not in text
    refs = [value for value in _walk(SPEC) if isinstance(value, str) and value.startswith("#/")]
    assert all(ref.startswith("#/components/") for ref in refs)


def _walk(node: Any):
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
    else:
        yield node


def test_request_schema_matches_the_domain_limits():
    from payments.domain.money import MAX_AMOUNT_MINOR
    from payments.domain.requests import MAX_PAGE_SIZE, CreateTransactionRequest
    from payments.domain.transaction import DESCRIPTION_MAX_LENGTH

    schemas = SPEC["components"]["schemas"]
    body = schemas["CreateTransactionRequest"]
    assert set(body["required"]) == set(CreateTransactionRequest.FIELDS_REQUIRED)
    assert set(body["properties"]) == set(
        CreateTransactionRequest.FIELDS_REQUIRED + CreateTransactionRequest.FIELDS_OPTIONAL
    )
    assert schemas["Amount"]["maximum"] == MAX_AMOUNT_MINOR and schemas["Amount"]["minimum"] == 1
    assert body["properties"]["description"]["maxLength"] == DESCRIPTION_MAX_LENGTH
    assert SPEC["components"]["parameters"]["Limit"]["schema"]["maximum"] == MAX_PAGE_SIZE


# --- functions.py -----------------------------------------------------------


def test_function_names_and_handlers():
    names = [spec.name for spec in FUNCTIONS]
    assert names == list(SETTINGS_OF) and len(set(names)) == len(names)
    for spec in FUNCTIONS:
        module_name, _, attr = spec.handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module_name), attr)), spec.handler
        assert 1 <= spec.timeout_seconds <= 900
        assert spec.description


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_declared_environment_is_exactly_what_the_handler_reads(spec):
    settings_class = SETTINGS_OF[spec.name]
    assert set(COMMON_ENVIRONMENT) | set(spec.environment) == set(settings_class.variables())
    assert not set(COMMON_ENVIRONMENT) & set(spec.environment)


def test_every_variable_names_a_resource_or_a_setting():
    declared = {variable for spec in FUNCTIONS for variable in spec.environment}
    assert declared == set(contract.RESOURCE_KINDS) | contract.SETTING_VARIABLES
    assert not set(contract.RESOURCE_KINDS) & contract.SETTING_VARIABLES
    assert set(contract.RESOURCE_KINDS.values()) <= {"table", "queue", "bucket", "topic", "state_machine"}
    assert settings_module.BaseSettings.POWERTOOLS_VARIABLES == contract.POWERTOOLS_ENVIRONMENT


def test_functions_module_is_pure_data():
    tree = ast.parse((LAMBDAS / "payments" / "functions.py").read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert imported <= {"__future__", "collections", "dataclasses", "types", "typing"}


def test_domain_does_not_import_aws_libraries():
    for path in (LAMBDAS / "payments" / "domain").glob("*.py"):
        text = path.read_text()
        for banned in ("boto3", "botocore", "aws_lambda_powertools"):
            assert f"import {banned}" not in text and f"from {banned}" not in text, (path.name, banned)


def test_package_holds_only_runtime_code():
    files = {
        p.relative_to(LAMBDAS).as_posix() for p in LAMBDAS.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert {"openapi.json", "README.md", "payments/domain/currencies.json"} <= files
    others = {f for f in files if not f.endswith(".py")} - {
        "openapi.json",
        "README.md",
        "payments/domain/currencies.json",
    }
    assert others == set()
    assert not any(part.startswith("test") for f in files for part in f.split("/"))
    assert not (LAMBDAS / "boto3").exists() and not (LAMBDAS / "aws_lambda_powertools").exists()


# --- settings -----------------------------------------------------------------


def test_missing_variables_are_all_named():
    with pytest.raises(settings_module.SettingsError) as raised:
        settings_module.WorkflowProcessSettings.from_env({"ENVIRONMENT": "dev"})
    message = str(raised.value)
    for name in ("TRANSACTIONS_TABLE", "RECEIPTS_BUCKET", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"):
        assert name in message


CLIENTS_JSON = '{"default": ["k1"]}'


def _api_env(**overrides: str) -> dict[str, str]:
    env = {name: "x" for name in settings_module.TransactionsApiSettings.variables()} | {
        contract.API_CLIENTS: CLIENTS_JSON
    }
    env.pop(contract.IDEMPOTENCY_TTL_SECONDS)
    env.update(overrides)
    return env


def test_idempotency_ttl_is_required_and_validated():
    """No default in the function: the one value is the environment config's (``api.idempotency_ttl_seconds``)."""
    with pytest.raises(settings_module.SettingsError, match="IDEMPOTENCY_TTL_SECONDS is not set"):
        settings_module.TransactionsApiSettings.from_env(_api_env())
    low, high = contract.IDEMPOTENCY_TTL_RANGE_SECONDS
    for good in (low, high):
        settings = settings_module.TransactionsApiSettings.from_env(_api_env(IDEMPOTENCY_TTL_SECONDS=str(good)))
        assert settings.idempotency_ttl_seconds == good
    for bad in ("abc", "-1", str(low - 1), str(high + 1)):
        with pytest.raises(settings_module.SettingsError, match="IDEMPOTENCY_TTL_SECONDS"):
            settings_module.TransactionsApiSettings.from_env(_api_env(IDEMPOTENCY_TTL_SECONDS=bad))


def test_settings_are_frozen():
    settings = settings_module.StatusApiSettings.from_env(
        {name: "x" for name in settings_module.StatusApiSettings.variables()} | {"API_CLIENTS": CLIENTS_JSON}
    )
    with pytest.raises(AttributeError):
        settings.transactions_table = "other"  # type: ignore[misc]


def test_a_malformed_client_directory_fails_at_cold_start():
    ttl = {contract.IDEMPOTENCY_TTL_SECONDS: "86400"}
    assert settings_module.TransactionsApiSettings.from_env(_api_env(**ttl)).clients.client_for("k1") == "default"
    for bad in ("x", "{}", '{"default": []}'):
        with pytest.raises(settings_module.SettingsError, match="API_CLIENTS"):
            settings_module.TransactionsApiSettings.from_env(_api_env(API_CLIENTS=bad, **ttl))
