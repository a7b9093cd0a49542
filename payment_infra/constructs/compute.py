"""All Lambda functions of the payment API, one per ``FunctionSpec`` of the application.

The package is ``lambdas/`` zipped deterministically (``lambda_package``) as a Terraform file asset; each
function gets the environment variables its spec asks for (resolved to this environment's resources) and a role
granting exactly those resources (``payment_infra.permissions``). The settlement consumer is wired to the FIFO
queue here.

Some resources a function's environment names are built from other functions: the settlement consumer starts
the state machine that runs the two workflow functions. Functions whose variables are all in ``resources`` are
created first; ``late_resources`` then receives them and returns the remaining resources (creating the state
machine), and the functions that name those are created last. Terraform references point one way only
(consumer -> state machine -> workflow functions), so no cycle can arise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from constructs import Construct

from payment_infra import policies
from payment_infra.application import functions_module
from payment_infra.aws import LambdaEventSourceMapping
from payment_infra.config import METRICS_NAMESPACE, SERVICE_NAME
from payment_infra.constructs.payment_function import PaymentFunction, Placement
from payment_infra.context import DeploymentContext
from payment_infra.framework import AssetType, TerraformAsset
from payment_infra.lambda_package import build_lambda_package
from payment_infra.permissions import Resource, caller_kms_actions, function_statements

# What Lambda's SQS event source mapping does with the function's role (the actions of the AWS managed policy
# AWSLambdaSQSQueueExecutionRole): it never changes a message's visibility.
CONSUME_ACTIONS = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")


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
        client_directory: str,
        late_resources: Callable[[Mapping[str, PaymentFunction]], Mapping[str, Resource]],
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
            app.ENVIRONMENT_NAME: config.name,
            app.SERVICE_NAME: SERVICE_NAME,
            app.METRICS_NAMESPACE: METRICS_NAMESPACE,
            app.LOG_LEVEL: config.lambda_.log_level,
        }
        missing_common = set(app.COMMON_ENVIRONMENT) - set(common)
        if missing_common:
            raise ValueError(
                f"COMMON_ENVIRONMENT names variables the infrastructure does not set: {sorted(missing_common)}"
            )
        settings = {
            app.IDEMPOTENCY_TTL_SECONDS: str(config.api.idempotency_ttl_seconds),
            app.API_CLIENTS: client_directory,
            app.SWEEP_OLDER_THAN_SECONDS: str(config.messaging.sweep_older_than_seconds),
            app.SWEEP_LOOKBACK_SECONDS: str(config.messaging.sweep_lookback_seconds),
        }
        missing_settings = app.SETTING_VARIABLES - set(settings)
        if missing_settings:
            raise ValueError(f"SETTING_VARIABLES the infrastructure does not set: {sorted(missing_settings)}")

        self._ctx, self._placement, self._failure_queue, self._settlement_queue = (
            ctx,
            placement,
            failure_queue,
            settlement_queue,
        )
        self._common, self._settings = common, settings
        self._app = app
        self._package_path, self._package_hash = package_path, package.content_hash
        self.functions: dict[str, PaymentFunction] = {}
        available = dict(resources)
        late = [spec for spec in app.FUNCTIONS if _unresolved(spec, available)]
        for spec in app.FUNCTIONS:
            if spec not in late:
                self._add_function(spec, available)
        available.update(late_resources(dict(self.functions)))
        for spec in late:
            missing = _unresolved(spec, available)
            if missing:
                raise ValueError(f"function {spec.name!r} names variables no resource is given for: {missing}")
            self._add_function(spec, available)
        settlement = self.functions[app.SETTLEMENT]
        LambdaEventSourceMapping(
            self,
            "settlement_trigger",
            event_source_arn=settlement_queue.arn,
            function_name=settlement.arn,
            batch_size=config.messaging.settlement_batch_size,
            # The consumer returns the ids of failed messages; the others are deleted, none is reprocessed.
            function_response_types=["ReportBatchItemFailures"],
            depends_on=[settlement.node.find_child("policy")],
        )

    def _add_function(self, spec, resources: Mapping[str, Resource]) -> None:
        ctx, placement, config, app = self._ctx, self._placement, self._ctx.config, self._app
        environment = dict(self._common)
        for variable in spec.environment:
            environment[variable] = (
                self._settings[variable] if variable in app.SETTING_VARIABLES else resources[variable].value
            )
        log_group_arn = ctx.arn("logs", f"log-group:/aws/lambda/{ctx.naming.name('payment-' + spec.name)}")
        statements = function_statements(
            spec.name,
            {v: resources[v] for v in spec.environment if v in app.RESOURCE_KINDS},
            log_group_arn=log_group_arn,
            failure_queue=self._failure_queue,
            environment_key_arn=placement.environment_key_arn,
            region=ctx.region,
            clients=[client.name for client in config.clients],
        )
        if spec.name == app.SETTLEMENT:
            queue = self._settlement_queue
            statements += [
                policies.allow(list(CONSUME_ACTIONS), [queue.arn], sid="ConsumeSettlementQueue"),
                policies.allow(caller_kms_actions(CONSUME_ACTIONS), [queue.key_arn], sid="DecryptSettlementQueue"),
            ]
        concurrency = config.reserved_concurrency_of(spec.name)
        self.functions[spec.name] = PaymentFunction(
            self,
            spec.name.replace("-", "_"),
            ctx,
            short_name=spec.name,
            handler=spec.handler,
            description=spec.description,
            timeout_seconds=spec.timeout_seconds,
            reserved_concurrency=concurrency,
            package_path=self._package_path,
            package_hash=self._package_hash,
            environment=environment,
            statements=statements,
            placement=placement,
        )


def _unresolved(spec, resources: Mapping[str, Resource]) -> list[str]:
    """The resource variables of ``spec`` that ``resources`` does not (yet) hold."""
    return sorted(v for v in spec.environment if v in functions_module().RESOURCE_KINDS and v not in resources)
