"""Customer-managed KMS keys, one per kind of data, each with rotation and a least-privilege key policy.

The account root statement delegates use of the key to IAM (each function's role names the exact key);
services that encrypt on their own behalf get an explicit grant scoped to our account (confused-deputy
guard). Separate keys keep a leak of one grant from exposing another kind of data.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import KmsAlias, KmsKey
from payment_infra.context import AccountContext, DeploymentContext

ENCRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
# Rotation yearly is the AWS default; the deletion window is the config's kms_deletion_window_days.


@dataclass(frozen=True)
class KeyRef:
    """What other constructs need of a key."""

    arn: str
    key_id: str
    alias: str


class KmsKeys(Construct):
    """The environment's CMKs: ``data`` (DynamoDB, Lambda environment, Step Functions), ``storage`` (S3),
    ``messaging`` (SQS, SNS) and ``logs`` (CloudWatch Logs)."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext):
        super().__init__(scope, id_)
        self._ctx = ctx
        self.data = self._data_key(ctx)
        self.storage = self._key(
            "storage",
            "S3 buckets (receipts, batch imports, access logs)",
            [
                policies.allow(
                    ["kms:Encrypt", "kms:GenerateDataKey*"],
                    ["*"],  # in a key policy, "*" means this key
                    sid="AllowS3ServerAccessLogDelivery",
                    principals=policies.service_principal("logging.s3.amazonaws.com"),
                    conditions={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
                )
            ],
        )
        self.messaging = self._key(
            "messaging",
            "SQS queues and SNS topics",
            [
                policies.allow(
                    ["kms:Decrypt", "kms:GenerateDataKey*"],
                    ["*"],
                    sid="AllowAlarmAndEventPublishing",
                    principals={"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"]},
                    conditions={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
                )
            ],
        )
        self.logs = self._key("logs", "CloudWatch Logs log groups", [logs_service_statement(ctx)])

    def _data_key(self, ctx: DeploymentContext) -> KeyRef:
        """This deployment's data key; multi-region, beside the single-region one, when a standby replicates the data
        (a standby's KmsKeys takes the primary's replica: constructs/standby_data.py)."""
        key = self._key("data", DATA_KEY_USE, data_key_statements(ctx))
        if ctx.config.dr.enabled:
            from payment_infra.constructs.multi_region_key import multi_region_data_key  # builds on this module

            key = multi_region_data_key(self, ctx, key)
        return key

    def _key(self, purpose: str, description: str, service_statements: list[policies.Statement]) -> KeyRef:
        ctx = self._ctx
        return customer_managed_key(
            self,
            purpose,
            ctx,
            description=f"payment-api {ctx.config.name}: {description}",
            deletion_window_days=ctx.config.kms_deletion_window_days,
            service_statements=service_statements,
        )


DATA_KEY_USE = "DynamoDB tables, Lambda environment variables and Step Functions execution data"


def data_key_statements(ctx: DeploymentContext) -> list[policies.Statement]:
    """The data key's service statements: CloudWatch Logs delivery of the state machine's encrypted events.

    A state machine encrypted with this key that logs to CloudWatch Logs: the log delivery service decrypts the
    execution events before it writes them (AWS Step Functions developer guide, "Data at rest encryption": key
    policy statement for delivery.logs.amazonaws.com). ``ctx``'s region is the one whose log groups it allows.
    """
    return [
        policies.allow(
            ["kms:Decrypt", "kms:GenerateDataKey*"],
            ["*"],
            sid="AllowStepFunctionsLogDelivery",
            principals=policies.service_principal("delivery.logs.amazonaws.com"),
            conditions={
                "StringEquals": {"aws:SourceAccount": ctx.account_id},
                "ArnLike": {"aws:SourceArn": ctx.arn("logs", "*")},
            },
        )
    ]


def key_policy(ctx: DeploymentContext | AccountContext, service_statements: list[policies.Statement]) -> str:
    """IAM of this account delegated (each role names the exact key), plus ``service_statements``."""
    return policies.document(
        [
            policies.allow(
                ["kms:*"], ["*"], sid="EnableIamPoliciesOfThisAccount", principals={"AWS": ctx.account_root}
            ),
            *service_statements,
        ]
    )


def logs_service_statement(ctx: DeploymentContext | AccountContext) -> policies.Statement:
    """CloudWatch Logs of the region may use the key for this account's log groups only."""
    return policies.allow(
        list(ENCRYPT_ACTIONS),
        ["*"],
        sid="AllowCloudWatchLogs",
        principals=policies.service_principal(f"logs.{ctx.region}.amazonaws.com"),
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": ctx.arn("logs", "log-group:*")}},
    )


def customer_managed_key(
    scope: Construct,
    purpose: str,
    ctx: DeploymentContext | AccountContext,
    *,
    description: str,
    deletion_window_days: int,
    service_statements: list[policies.Statement],
) -> KeyRef:
    """A rotated CMK ``alias/payment-<purpose>-<name>``: IAM of this account delegated, plus ``service_statements``."""
    key = KmsKey(
        scope,
        purpose,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        policy=key_policy(ctx, service_statements),
    )
    key_id = key.key_id  # attributes are read once: each read is a round trip to the jsii kernel
    name = ctx.naming.name(f"payment-{purpose}")
    alias = KmsAlias(scope, f"{purpose}_alias", name=f"alias/{name}", target_key_id=key_id)
    return KeyRef(arn=key.arn, key_id=key_id, alias=alias.name)
