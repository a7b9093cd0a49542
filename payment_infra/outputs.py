"""Stack outputs, named ``{resource type}_{what}`` and described, read with ``cdktf output payment-<env>``."""

from __future__ import annotations

from payment_infra.framework import TerraformOutput, TerraformStack
from payment_infra.payment_api import PaymentApiConstruct


def add_outputs(stack: TerraformStack, api: PaymentApiConstruct) -> None:
    keys = api.client_keys
    first = keys.keys_of(keys.clients[0].name)
    client_key_ids = {client.name: [key.id for key in keys.keys_of(client.name)] for client in keys.clients}
    outputs = {
        "apigateway_url": (api.api.url, "Base URL of the payment API stage"),
        "apigateway_api_key_id": (
            first[-1].id,
            f"Id of the newest API key of the first client ({keys.clients[0].name}); "
            "value: aws apigateway get-api-key --api-key <id> --include-value",
        ),
        "apigateway_client_api_key_ids": (
            client_key_ids,
            "API key ids of every client, oldest version first (value: aws apigateway get-api-key --include-value)",
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
        "pipes_settlement_pipe_name": (
            api.settlement_feed.pipe_name,
            "Stream -> settlement queue pipe (make failover/failback start and stop it)",
        ),
        "events_sweep_rule_name": (
            api.settlement_feed.sweep_rule_name,
            "Schedule of the pending-transaction sweep (make failover/failback enable and disable it)",
        ),
    }
    domain = getattr(api, "failover_domain", None)  # dr.failover_mode dns: constructs/failover_dns.py
    if domain is not None:
        outputs["apigateway_custom_domain_url"] = (
            f"https://{domain.domain_name}/",
            "The API's custom domain: Route 53 answers with the primary while its /health passes, else the standby",
        )
        outputs["apigateway_regional_domain_target"] = (domain.regional_target, "This region's target of the domain")
    for name, (value, description) in outputs.items():
        TerraformOutput(stack, name, value=value, description=description)
