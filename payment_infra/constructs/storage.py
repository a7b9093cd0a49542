"""The environment's buckets: access logs, receipts, batch imports (see ``SecureBucket`` for the controls)."""

from __future__ import annotations

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import S3BucketNotification
from payment_infra.checkov_skips import ACCESS_LOGS_ARE_NOT_EVENTS, skip
from payment_infra.constructs.kms import KeyRef
from payment_infra.constructs.secure_bucket import SecureBucket
from payment_infra.context import DeploymentContext

ACCESS_LOG_PREFIX = "s3-access/"


class Storage(Construct):
    """``logs`` receives S3 server access logs of the other buckets; ``receipts`` holds settlement receipts;
    ``imports`` takes batch CSV uploads under ``imports/`` and gets reports under ``reports/``."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext, key: KeyRef):
        super().__init__(scope, id_)
        config = ctx.config
        common = dict(
            key=key,
            expiration_days=config.retention.s3_expiration_days,
            force_destroy=config.destroyable,
        )
        logs_name = ctx.naming.bucket("logs")
        logs_arn = f"arn:{ctx.partition}:s3:::{logs_name}"
        sources = f"arn:{ctx.partition}:s3:::payment-*-{ctx.naming.environment}-{ctx.account_id}"  # this deployment's
        self.logs = SecureBucket(
            self,
            "logs",
            name=logs_name,
            log_to=None,  # a bucket must not log into itself (an endless loop of log objects)
            extra_policy_statements=[
                policies.allow(
                    ["s3:PutObject"],
                    [f"{logs_arn}/{ACCESS_LOG_PREFIX}*"],
                    sid="AllowS3ServerAccessLogDelivery",
                    principals=policies.service_principal("logging.s3.amazonaws.com"),
                    conditions={
                        "StringEquals": {"aws:SourceAccount": ctx.account_id},
                        "ArnLike": {"aws:SourceArn": sources},
                    },
                )
            ],
            **common,
        )
        skip(self.logs.bucket, ACCESS_LOGS_ARE_NOT_EVENTS)
        self.receipts = self._receipts(ctx, common)
        self.imports = SecureBucket(self, "imports", name=ctx.naming.bucket("imports"), log_to=self.logs, **common)

    def _receipts(self, ctx: DeploymentContext, common: dict) -> SecureBucket:
        """The receipts bucket; its events go to EventBridge for downstream consumers (reconciliation, audit)."""
        receipts = SecureBucket(self, "receipts", name=ctx.naming.bucket("receipts"), log_to=self.logs, **common)
        S3BucketNotification(self, "receipts_events", bucket=receipts.bucket_id, eventbridge=True)
        return receipts
