"""All Lambda functions of the payment API, one per ``FunctionSpec`` of the application.

The package is ``lambdas/`` zipped deterministically (``lambda_package``) as a Terraform file asset; each
function gets the environment variables its spec asks for (resolved to this environment's resources) and a role
granting exactly those resources (``payment_infra.permissions``). The settlement consumer is wired to the FIFO
queue here.
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra import policies
from payment_infra.application import functions_module
from payment_infra.aws import LambdaEventSourceMapping
from payment_infra.constructs.payment_function import PaymentFunction, Placement
from payment_infra.context import DeploymentContext
from payment_infra.framework import AssetType, TerraformAsset
from payment_infra.lambda_package import build_lambda_package
from payment_infra.permissions import NON_RESOURCE_VARIABLES, Resource, function_statements

API_FUNCTIONS = frozenset({"transactions", "status", "health"})
SETTLEMENT = "settlement"
SETTLEMENT_BATCH_SIZE = 10
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
CONSUME_ACTIONS = ("sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")


class Compute(Construct):
    """``functions`` maps each short name (``transactions``, ``settlement``, …) to its ``PaymentFunction``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        resources: Mapping[str, Resource],
        placement: Placement,
        failure_queue: Resource,
        settlement_queue: Resource,
    ):
        super().__init__(scope, id_)
        app = functions_module()
        package = build_lambda_package()
        asset = TerraformAsset(
            self, "package", path=str(package.path), type=AssetType.FILE, asset_hash=package.content_hash
        )
        package_path = asset.path  # the path inside cdktf.out; read once (a round trip to the jsii kernel)
        config = ctx.config
        common = {
            "ENVIRONMENT": config.name,
            "POWERTOOLS_SERVICE_NAME": "payment-api",
            "POWERTOOLS_METRICS_NAMESPACE": "PaymentApi",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        missing_common = set(app.COMMON_ENVIRONMENT) - set(common)
        if missing_common:
            raise ValueError(
                f"COMMON_ENVIRONMENT names variables the infrastructure does not set: {sorted(missing_common)}"
            )
        settings = {"IDEMPOTENCY_TTL_SECONDS": str(IDEMPOTENCY_TTL_SECONDS)}

        self.functions: dict[str, PaymentFunction] = {}
        for spec in app.FUNCTIONS:
            environment = dict(common)
            for variable in spec.environment:
                environment[variable] = (
                    settings[variable] if variable in NON_RESOURCE_VARIABLES else resources[variable].value
                )
            log_group_arn = ctx.arn("logs", f"log-group:/aws/lambda/{ctx.naming.name('payment-' + spec.name)}")
            statements = function_statements(
                spec.name,
                {v: resources[v] for v in spec.environment if v not in NON_RESOURCE_VARIABLES},
                log_group_arn=log_group_arn,
                failure_queue=failure_queue,
                environment_key_arn=placement.environment_key_arn,
                region=ctx.region,
            )
            if spec.name == SETTLEMENT:
                statements += [
                    policies.allow(list(CONSUME_ACTIONS), [settlement_queue.arn], sid="ConsumeSettlementQueue"),
                    policies.allow(["kms:Decrypt"], [settlement_queue.key_arn], sid="DecryptSettlementQueue"),
                ]
            concurrency = (
                config.lambda_.reserved_concurrency
                if spec.name in API_FUNCTIONS
                else config.lambda_.worker_reserved_concurrency
            )
            self.functions[spec.name] = PaymentFunction(
                self,
                spec.name.replace("-", "_"),
                ctx,
                short_name=spec.name,
                handler=spec.handler,
                description=spec.description,
                timeout_seconds=spec.timeout_seconds,
                reserved_concurrency=concurrency,
                package_path=package_path,
                package_hash=package.content_hash,
                environment=environment,
                statements=statements,
                placement=placement,
            )
        settlement = self.functions[SETTLEMENT]
        LambdaEventSourceMapping(
            self,
            "settlement_trigger",
            event_source_arn=settlement_queue.arn,
            function_name=settlement.arn,
            batch_size=SETTLEMENT_BATCH_SIZE,
            # The consumer returns the ids of failed messages; the others are deleted, none is reprocessed.
            function_response_types=["ReportBatchItemFailures"],
            depends_on=[settlement.node.find_child("policy")],
        )
