"""Every CloudWatch log group of the stack: retention from the environment, encrypted with the logs CMK."""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import CloudwatchLogGroup
from payment_infra.context import DeploymentContext


def encrypted_log_group(
    scope: Construct, id_: str, ctx: DeploymentContext, *, name: str, key_arn: str
) -> CloudwatchLogGroup:
    """A log group named ``name`` kept ``config.retention.log_retention_days`` and encrypted with ``key_arn``."""
    return CloudwatchLogGroup(
        scope, id_, name=name, retention_in_days=ctx.config.retention.log_retention_days, kms_key_id=key_arn
    )
