"""API Gateway REST API built from the application's OpenAPI document.

Stage per environment with X-Ray, JSON access logs (CMK-encrypted log group), method settings (metrics,
INFO logs, no data trace, no caching) and the matrix's throttling; per client a usage plan (its tier: throttle
+ daily quota) holding that client's API keys; Lambda permissions scoped to the exact route on this API's
execution ARN.
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra.application import functions_module, openapi_document
from payment_infra.aws import (
    ApiGatewayDeployment,
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
    ApiGatewayStage,
    ApiGatewayStageAccessLogSettings,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanApiStages,
    ApiGatewayUsagePlanKey,
    ApiGatewayUsagePlanQuotaSettings,
    ApiGatewayUsagePlanThrottleSettings,
    CloudwatchLogGroup,
    LambdaPermission,
)
from payment_infra.compact_json import compact_json
from payment_infra.config import ClientSettings
from payment_infra.constructs.api_clients import LEGACY_CLIENT, ApiClientKeys
from payment_infra.constructs.kms import KeyRef
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.constructs.payment_function import PaymentFunction
from payment_infra.context import DeploymentContext
from payment_infra.openapi_gateway import body_hash, gateway_body

ACCESS_LOG_FORMAT = compact_json(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "latency": "$context.responseLatency",
        "apiKeyId": "$context.identity.apiKeyId",
        "errorType": "$context.error.responseType",
        "xrayTraceId": "$context.xrayTraceId",
    }
)


class PaymentRestApi(Construct):
    """Exposes ``rest_api_id``, ``stage_name``, ``url``, ``execution_arn``, ``api_name``, ``usage_plan_ids``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        functions: Mapping[str, PaymentFunction],
        logs_key: KeyRef,
        client_keys: ApiClientKeys,
    ):
        super().__init__(scope, id_)
        self._ctx = ctx
        routes = functions_module().ROUTES
        deployment_id = self._rest_api(routes, functions)
        access_logs, execution_logs = self._log_groups(logs_key)
        stage = self._stage(deployment_id, access_logs, execution_logs)
        self._method_settings(execution_logs)
        self.usage_plan_ids: dict[str, str] = {}
        for client in client_keys.clients:
            self.usage_plan_ids[client.name] = self._usage_plan(ctx, client, client_keys)
        self._invoke_permissions(routes, functions)
        self.stage_arn = stage.arn
        self.url = stage.invoke_url
        self.access_log_group_name = access_logs.name

    def _rest_api(self, routes: Mapping[tuple[str, str], str], functions: Mapping[str, PaymentFunction]) -> str:
        """The REST API from the OpenAPI document and a deployment redone when the API changes; the deployment's id."""
        ctx = self._ctx
        document = openapi_document()
        body = gateway_body(document, routes, {name: fn.invoke_arn for name, fn in functions.items()})
        # Hash the body with names instead of ARN tokens: redeploy when the API changes, not on token numbering.
        redeploy_hash = body_hash(gateway_body(document, routes, {name: name for name in functions}))

        self.api_name = ctx.naming.name("payment-api")
        api = ApiGatewayRestApi(
            self,
            "rest_api",
            name=self.api_name,
            description="Payment API (from lambdas/openapi.json)",
            body=compact_json(body),
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            api_key_source="HEADER",
            minimum_compression_size="1024",
            fail_on_warnings=True,
            lifecycle={"create_before_destroy": True},
        )
        # Attributes are read once: each read is a round trip to the jsii kernel.
        self.rest_api_id = api.id
        self.execution_arn = api.execution_arn
        deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.rest_api_id,
            triggers={"redeployment": redeploy_hash},
            lifecycle={"create_before_destroy": True},
        )
        return deployment.id

    def _log_groups(self, logs_key: KeyRef) -> tuple[CloudwatchLogGroup, CloudwatchLogGroup]:
        """The stage's access log group and the execution log group API Gateway writes to, both on the logs CMK."""
        ctx = self._ctx
        access_logs = encrypted_log_group(
            self, "access_logs", ctx, name=f"/aws/apigateway/{self.api_name}", key_arn=logs_key.arn
        )
        # logging_level INFO (method settings) makes API Gateway write execution logs to this group; left to API
        # Gateway it would create the group itself on the first request, kept forever and not encrypted with the
        # logs CMK. Created here first, the stage and its method settings depend on it.
        execution_logs = encrypted_log_group(
            self,
            "execution_logs",
            ctx,
            name=f"API-Gateway-Execution-Logs_{self.rest_api_id}/{ctx.config.name}",
            key_arn=logs_key.arn,
        )
        return access_logs, execution_logs

    def _stage(
        self, deployment_id: str, access_logs: CloudwatchLogGroup, execution_logs: CloudwatchLogGroup
    ) -> ApiGatewayStage:
        """The environment's stage: X-Ray, JSON access logs, after its execution log group exists."""
        config = self._ctx.config
        # API Gateway writes these logs through the region's CloudWatch role, an account singleton set by the
        # account baseline stack (payment-account), which is applied before any environment.
        stage = ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.rest_api_id,
            deployment_id=deployment_id,
            stage_name=config.name,
            description=f"payment API, {config.name}",
            xray_tracing_enabled=True,
            cache_cluster_enabled=False,
            variables={"environment": config.name, "region": config.region},
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=access_logs.arn, format=ACCESS_LOG_FORMAT
            ),
            depends_on=[execution_logs],
        )
        self.stage_name = stage.stage_name
        return stage

    def _method_settings(self, execution_logs: CloudwatchLogGroup) -> None:
        config = self._ctx.config
        # The stage's throttle, and /health's own: its few reserved executions serve less than the stage's rate
        # (config.health_throttle_rate_limit), and a 429 from API Gateway is better than Lambda's throttle as a 5xx.
        for logical, method_path, rate, burst in (
            ("method_settings", "*/*", config.api.throttle_rate_limit, config.api.throttle_burst_limit),
            ("health_method_settings", "health/GET", config.health_throttle_rate_limit,
             config.lambda_.health_reserved_concurrency),
        ):  # fmt: skip
            ApiGatewayMethodSettings(
                self,
                logical,
                rest_api_id=self.rest_api_id,
                stage_name=self.stage_name,
                method_path=method_path,
                settings=ApiGatewayMethodSettingsSettings(
                    metrics_enabled=True,
                    logging_level="INFO",
                    data_trace_enabled=False,  # request/response bodies would put payment data in logs
                    caching_enabled=False,  # payment reads must never be served stale
                    throttling_rate_limit=rate,
                    throttling_burst_limit=burst,
                ),
                depends_on=[execution_logs],
            )

    def _invoke_permissions(
        self, routes: Mapping[tuple[str, str], str], functions: Mapping[str, PaymentFunction]
    ) -> None:
        """Each route's function may be invoked by API Gateway for exactly that method and path on this stage."""
        config = self._ctx.config
        function_names: dict[str, str] = {}
        for (method, path), name in sorted(routes.items()):
            slug = "_".join(
                filter(None, [method.lower(), *path.strip("/").replace("{", "").replace("}", "").split("/")])
            )
            api_path = path.replace("{transaction_id}", "*")
            LambdaPermission(
                self,
                f"invoke_{slug}",
                statement_id=f"AllowApiGateway-{method}-{slug}",
                action="lambda:InvokeFunction",
                function_name=function_names.setdefault(name, functions[name].function.function_name),
                principal="apigateway.amazonaws.com",
                source_arn=f"{self.execution_arn}/{config.name}/{method}{api_path}",
            )

    def _usage_plan(self, ctx: DeploymentContext, client: ClientSettings, client_keys: ApiClientKeys) -> str:
        """The client's usage plan on this stage with each of its keys; returns the plan id."""
        tier = ctx.config.tier(client)
        legacy = client.name == LEGACY_CLIENT
        slug = client.name.replace("-", "_")
        plan = ApiGatewayUsagePlan(
            self,
            # The default client keeps the address of the environment's single plan from before clients existed.
            "usage_plan" if legacy else f"client_usage_plan_{slug}",
            name=ctx.naming.name("payment-usage-plan" if legacy else f"payment-usage-plan-{client.name}"),
            description=f"Throttle and daily quota of client {client.name} ({ctx.config.name})",
            api_stages=[ApiGatewayUsagePlanApiStages(api_id=self.rest_api_id, stage=self.stage_name)],
            throttle_settings=ApiGatewayUsagePlanThrottleSettings(
                rate_limit=tier.throttle_rate_limit, burst_limit=tier.throttle_burst_limit
            ),
            quota_settings=ApiGatewayUsagePlanQuotaSettings(limit=tier.quota_per_day, period="DAY"),
        )
        for key in client_keys.keys_of(client.name):
            ApiGatewayUsagePlanKey(
                self,
                "usage_plan_key" if legacy and key.version == 1 else f"client_usage_plan_key_{slug}_v{key.version}",
                key_id=key.id,
                key_type="API_KEY",
                usage_plan_id=plan.id,
            )
        return plan.id
