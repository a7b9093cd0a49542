"""API Gateway: body from the OpenAPI document, stage, usage plan, logging, permissions per route."""

from __future__ import annotations

import json
import re

import pytest

from payment_infra.application import functions_module, openapi_document
from payment_infra.openapi_gateway import gateway_body
from tests.infra.synth_helpers import only, ref, resources

# rates at what each function's reserved concurrency serves at the latency budget (10/1 s, 50/1 s, 200/0.5 s)
THROTTLE = {"dev": (10, 200, 10_000), "staging": (50, 2_000, 100_000), "prod": (400, 5_000, 10_000_000)}
HEALTH_THROTTLE = {"dev": (1, 1), "staging": (2, 2), "prod": (10, 5)}


def _body(stack: dict) -> dict:
    return json.loads(only(stack, "aws_api_gateway_rest_api")["body"])


def test_every_documented_operation_is_a_lambda_proxy(stack: dict) -> None:
    body = _body(stack)
    routes = functions_module().ROUTES
    for (method, path), _ in routes.items():
        integration = body["paths"][path][method.lower()]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST"
        assert integration["uri"].startswith("${aws_lambda_function.") and integration["uri"].endswith(".invoke_arn}")


def test_request_validation_and_api_keys(stack: dict) -> None:
    body = _body(stack)
    assert body["x-amazon-apigateway-request-validator"] == "body-and-parameters"
    assert body["x-amazon-apigateway-request-validators"]["body-and-parameters"] == {
        "validateRequestBody": True, "validateRequestParameters": True,
    }  # fmt: skip
    # API Gateway ignores a document-level `security` on import: the key requirement is on each operation.
    assert "security" not in body
    assert body["components"]["securitySchemes"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert body["paths"]["/health"]["get"]["security"] == []
    for method, path in functions_module().ROUTES:
        if (method, path) != ("GET", "/health"):
            assert body["paths"][path][method.lower()]["security"] == [{"api_key": []}], (method, path)
    post = body["paths"]["/transactions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateTransactionRequest"
    }
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in post["parameters"])
    assert body["components"]["schemas"]["CreateTransactionRequest"]["additionalProperties"] is False


def test_cors_preflight_on_every_path(stack: dict) -> None:
    for path, item in _body(stack)["paths"].items():
        options = item["options"]
        assert options["security"] == [] and options["x-amazon-apigateway-integration"]["type"] == "mock"
        headers = options["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == "'*'", path


def _render_like_api_gateway(template: str, message: str) -> str:
    """API Gateway substitutes ``$context.error.messageString`` already quoted and escaped, other variables raw."""
    rendered = template.replace("$context.error.messageString", json.dumps(message))
    return re.sub(r"\$context\.[A-Za-z.]+", "X", rendered)


def test_gateway_errors_use_the_error_envelope(stack: dict) -> None:
    responses = _body(stack)["x-amazon-apigateway-gateway-responses"]
    error_types = openapi_document()["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["type"]
    for name, response in responses.items():
        template = response["responseTemplates"]["application/json"]
        assert "validationErrorString" not in template  # unescaped in API Gateway: would break the JSON
        envelope = json.loads(_render_like_api_gateway(template, 'object has missing required properties (["amount"])'))
        assert set(envelope["error"]) == {"type", "code", "message", "param", "request_id"}, name
        assert envelope["error"]["type"] in error_types["enum"], name


def test_stage_logging_tracing_and_variables(stack: dict, env: str) -> None:
    stage = only(stack, "aws_api_gateway_stage")
    assert stage["stage_name"] == env and stage["xray_tracing_enabled"] is True
    assert stage["cache_cluster_enabled"] is False
    assert stage["variables"] == {"environment": env, "region": "ap-northeast-2"}
    log_format = json.loads(stage["access_log_settings"]["format"])
    assert {"requestId", "status", "latency", "apiKeyId"} <= set(log_format)
    group_key = stage["access_log_settings"]["destination_arn"].split(".")[1]
    group = resources(stack, "aws_cloudwatch_log_group")[group_key]
    assert group["name"] == f"/aws/apigateway/payment-api-{env}" and group["kms_key_id"].startswith("${aws_kms_key.")


def test_method_settings(stack: dict, env: str) -> None:
    by_path = {s["method_path"]: s for s in resources(stack, "aws_api_gateway_method_settings").values()}
    assert set(by_path) == {"*/*", "health/GET"}
    for path, (rate, burst) in (("*/*", THROTTLE[env][:2]), ("health/GET", HEALTH_THROTTLE[env])):
        assert by_path[path]["settings"] == {
            "metrics_enabled": True, "logging_level": "INFO", "data_trace_enabled": False, "caching_enabled": False,
            "throttling_rate_limit": rate, "throttling_burst_limit": burst,
        }  # fmt: skip


def test_usage_plan_throttle_and_quota(stack: dict, env: str) -> None:
    plan = only(stack, "aws_api_gateway_usage_plan")
    rate, burst, quota = THROTTLE[env]
    assert plan["throttle_settings"] == {"rate_limit": rate, "burst_limit": burst}
    assert plan["quota_settings"] == {"limit": quota, "period": "DAY"}
    key = only(stack, "aws_api_gateway_api_key")
    assert key["name"] == f"payment-api-key-{env}" and key["enabled"] is True
    assert only(stack, "aws_api_gateway_usage_plan_key")["key_type"] == "API_KEY"


def test_deployment_redeploys_on_body_change(stack: dict) -> None:
    deployment = only(stack, "aws_api_gateway_deployment")
    assert len(deployment["triggers"]["redeployment"]) == 64
    assert deployment["lifecycle"] == {"create_before_destroy": True}


def test_account_cloudwatch_role_is_in_the_account_stack_only(stack: dict, account_stack: dict) -> None:
    assert "aws_api_gateway_account" not in stack["resource"]
    account = only(account_stack, "aws_api_gateway_account")
    role_key = account["cloudwatch_role_arn"].split(".")[1]
    role = resources(account_stack, "aws_iam_role")[role_key]
    trust = json.loads(role["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert "Condition" not in trust["Statement"][0]  # UpdateAccount assumes it without aws:SourceAccount
    (attachment_id,) = resources(account_stack, "aws_iam_role_policy_attachment")
    assert f"aws_iam_role_policy_attachment.{attachment_id}" in account["depends_on"]
    assert role["name"] == "payment-apigateway-cloudwatch"
    (attachment,) = resources(account_stack, "aws_iam_role_policy_attachment").values()
    assert attachment["policy_arn"].endswith(":policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")


def test_lambda_permissions_are_scoped_to_each_route(stack: dict, env: str) -> None:
    api_key = next(iter(resources(stack, "aws_api_gateway_rest_api")))
    execution_arn = ref("aws_api_gateway_rest_api", api_key, "execution_arn")
    permissions = [
        p for p in resources(stack, "aws_lambda_permission").values() if p["principal"] == "apigateway.amazonaws.com"
    ]
    arns = sorted(p["source_arn"] for p in permissions)
    assert arns == sorted(
        f"{execution_arn}/{env}/{method}{path.replace('{transaction_id}', '*')}"
        for method, path in functions_module().ROUTES
    )


def test_waf_protects_the_stage(stack: dict, env: str) -> None:
    acl = only(stack, "aws_wafv2_web_acl")
    names = {rule["name"] for rule in acl["rule"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "rate-limit-per-ip"} <= names
    association = only(stack, "aws_wafv2_web_acl_association")
    assert association["resource_arn"].startswith("${aws_api_gateway_stage.")
    logging = only(stack, "aws_wafv2_web_acl_logging_configuration")
    assert [f["single_header"]["name"] for f in logging["redacted_fields"]] == ["x-api-key", "idempotency-key"]


def test_gateway_body_rejects_routes_that_drift_from_the_document() -> None:
    routes = dict(functions_module().ROUTES)
    arns = {name: name for name in routes.values()}
    routes[("DELETE", "/transactions/{transaction_id}")] = "transactions"
    with pytest.raises(ValueError, match="undocumented routes"):
        gateway_body(openapi_document(), routes, arns)
    del routes[("DELETE", "/transactions/{transaction_id}")]
    del routes[("GET", "/health")]
    with pytest.raises(ValueError, match="unrouted operations"):
        gateway_body(openapi_document(), routes, arns)
