"""One Lambda function with everything it must not run without.

Its own IAM role (policy of exact statements), its own log group created first (retention, CMK), X-Ray
active tracing, VPC placement, reserved concurrency, environment encrypted with the CMK, the public
Powertools layer, and a dead-letter queue for asynchronous invocations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constructs import Construct

from payment_infra import checkov_skips, policies
from payment_infra.aws import (
    IamRole,
    IamRolePolicy,
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from payment_infra.config import LAMBDA_APPLICATION_LOG_LEVELS
from payment_infra.constructs.log_group import encrypted_log_group
from payment_infra.context import DeploymentContext


@dataclass(frozen=True)
class Placement:
    """Where every function runs and what it shares: subnets, security group, keys, failure queue."""

    subnet_ids: Sequence[str]
    security_group_ids: Sequence[str]
    # Assigned to the function before Terraform deletes it (replace_security_groups_on_destroy): its ENIs then
    # no longer hold security_group_ids, so deleting those groups does not wait for Lambda to release them.
    replacement_security_group_ids: Sequence[str]
    environment_key_arn: str
    logs_key_arn: str
    failure_queue_arn: str
    powertools_layer_arn: str  # constructs/powertools_layer.py


class PaymentFunction(Construct):
    """Exposes ``function_name``, ``arn``, ``invoke_arn``, ``role_arn`` and ``log_group_name``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        short_name: str,
        handler: str,
        description: str,
        timeout_seconds: int,
        reserved_concurrency: int | None,
        package_path: str,
        package_hash: str,
        environment: Mapping[str, str],
        statements: Sequence[policies.Statement],
        placement: Placement,
    ):
        super().__init__(scope, id_)
        config = ctx.config
        self.function_name = ctx.naming.name(f"payment-{short_name}")
        log_group = encrypted_log_group(
            self, "log_group", ctx, name=f"/aws/lambda/{self.function_name}", key_arn=placement.logs_key_arn
        )
        self.log_group_name = log_group.name
        self.log_group_arn = log_group.arn
        role = IamRole(
            self,
            "role",
            name=f"{self.function_name}-role",
            description=f"Execution role of {self.function_name} only",
            assume_role_policy=policies.assume_role_policy("lambda.amazonaws.com"),
        )
        policy = IamRolePolicy(
            self, "policy", name="least-privilege", role=role.id, policy=policies.document(statements)
        )
        self.role_arn = role.arn
        self.role_name = role.name
        lam = config.lambda_
        self.function = LambdaFunction(
            self,
            "function",
            function_name=self.function_name,
            description=description,
            role=self.role_arn,
            handler=handler,
            runtime=lam.runtime,
            architectures=[lam.architecture],
            memory_size=lam.memory_mb,
            timeout=timeout_seconds,
            reserved_concurrent_executions=reserved_concurrency,
            filename=package_path,
            source_code_hash=package_hash,
            layers=[placement.powertools_layer_arn],
            kms_key_arn=placement.environment_key_arn,
            environment=LambdaFunctionEnvironment(variables=dict(environment)),
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            vpc_config=LambdaFunctionVpcConfig(
                subnet_ids=list(placement.subnet_ids), security_group_ids=list(placement.security_group_ids)
            ),
            # Without it destroying the Lambda group waits up to ~45 min for the ENIs (the provider's
            # deleteLingeringLambdaENIs; hashicorp/terraform-provider-aws#32130 reports 57+): the provider first
            # swaps the function onto the VPC's default group (never deleted, no rules), then deletes it.
            replace_security_groups_on_destroy=True,
            replacement_security_group_ids=list(placement.replacement_security_group_ids),
            dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=placement.failure_queue_arn),
            logging_config=LambdaFunctionLoggingConfig(
                log_format="JSON",
                log_group=self.log_group_name,
                application_log_level=LAMBDA_APPLICATION_LOG_LEVELS[lam.log_level],
            ),
            # The log group must exist (with retention and CMK) before Lambda would create a default one;
            # the policy must be attached before the first invocation writes logs.
            depends_on=[log_group, policy],
        )
        if reserved_concurrency is None:
            checkov_skips.skip(self.function, checkov_skips.UNRESERVED_POOL)
        self.arn = self.function.arn
        self.invoke_arn = self.function.invoke_arn
