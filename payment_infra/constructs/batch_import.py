"""Batch import trigger: a ``.csv`` object created under ``imports/<client>/`` invokes the import function.

One filter per configured client (S3 filters match a prefix, so each client's folder is its own rule; the
prefixes never overlap because a client name cannot contain ``/``): the rows belong to that client.

The bucket also sends every event to EventBridge (audit and future consumers) — one notification
resource per bucket is all S3 allows, so both live here.
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from payment_infra.aws import LambdaPermission, S3BucketNotification, S3BucketNotificationLambdaFunction
from payment_infra.constructs.payment_function import PaymentFunction
from payment_infra.constructs.secure_bucket import SecureBucket
from payment_infra.context import DeploymentContext

IMPORT_PREFIX = "imports/"
IMPORT_SUFFIX = ".csv"


class BatchImportTrigger(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        bucket: SecureBucket,
        function: PaymentFunction,
        clients: Sequence[str],
    ):
        super().__init__(scope, id_)
        permission = LambdaPermission(
            self,
            "invoke_from_s3",
            statement_id="AllowS3ImportNotifications",
            action="lambda:InvokeFunction",
            function_name=function.function.function_name,
            principal="s3.amazonaws.com",
            source_arn=bucket.arn,
            source_account=ctx.account_id,
        )
        S3BucketNotification(
            self,
            "notification",
            bucket=bucket.bucket_id,
            eventbridge=True,
            lambda_function=[
                S3BucketNotificationLambdaFunction(
                    lambda_function_arn=function.arn,
                    events=["s3:ObjectCreated:*"],
                    filter_prefix=f"{IMPORT_PREFIX}{client}/",
                    filter_suffix=IMPORT_SUFFIX,
                )
                for client in clients
            ],
            depends_on=[permission],
        )
