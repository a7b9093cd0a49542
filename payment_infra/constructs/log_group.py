"""Every CloudWatch log group of the stack: retention from the environment, encrypted with the logs CMK."""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import CloudwatchLogGroup
from payment_infra.context import AccountContext, DeploymentContext


def encrypted_log_group(
    scope: Construct, id_: str, ctx: DeploymentContext | AccountContext, *, name: str, key_arn: str
) -> CloudwatchLogGroup:
    """A log group named ``name`` kept ``ctx.log_retention_days`` (the environment's retention) and encrypted
    with ``key_arn``."""
    return CloudwatchLogGroup(scope, id_, name=name, retention_in_days=ctx.log_retention_days, kms_key_id=key_arn)
