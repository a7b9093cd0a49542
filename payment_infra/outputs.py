"""Stack outputs, named ``{resource type}_{what}`` and described, read with ``cdktf output payment-<env>``."""

from __future__ import annotations

from payment_infra.framework import TerraformOutput, TerraformStack
from payment_infra.payment_api import PaymentApiConstruct


def add_outputs(stack: TerraformStack, api: PaymentApiConstruct) -> None:
    outputs = {
        "apigateway_url": (api.api.url, "Base URL of the payment API stage"),
        "apigateway_api_key_id": (
            api.api.api_key_id,
            "Id of the stage's API key (value: aws apigateway get-api-key --include-value)",
        ),
        "dynamodb_transactions_table_name": (api.database.transactions.name, "Transactions table"),
        "dynamodb_idempotency_table_name": (api.database.idempotency.name, "Powertools idempotency table"),
        "s3_receipts_bucket_name": (api.storage.receipts.name, "Settlement receipts bucket"),
        "s3_imports_bucket_name": (api.storage.imports.name, "Batch import bucket: upload CSVs under imports/"),
        "s3_logs_bucket_name": (api.storage.logs.name, "S3 server access logs bucket"),
        "sqs_transaction_queue_url": (api.messaging.queue.url, "Settlement FIFO queue"),
        "sqs_transaction_dlq_url": (api.messaging.dlq.url, "Settlement dead-letter queue (replay with make redrive)"),
        "sns_notifications_topic_arn": (api.messaging.notifications.arn, "Payment notifications topic"),
        "sns_alarms_topic_arn": (api.messaging.alarms.arn, "CloudWatch alarm topic"),
        "sfn_state_machine_arn": (api.workflow.state_machine_arn, "Payment-processing workflow"),
        "cloudwatch_dashboard_url": (api.monitoring.dashboard_url, "CloudWatch dashboard of this environment"),
    }
    for name, (value, description) in outputs.items():
        TerraformOutput(stack, name, value=value, description=description)
