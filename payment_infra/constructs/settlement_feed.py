"""From a written transaction to the settlement queue without the request path: the table's stream, an
EventBridge pipe into the FIFO queue, the pipe's dead-letter queue, and the scheduled sweep.

- The pipe reads the transactions table's stream (new images), keeps only ``INSERT`` events of ``pending``
  records created in this stack's region (a global table's replica also streams the other region's payments)
  and sends each as a settlement message: group = customer, deduplication id = transaction id, body
  ``{"customer_id", "transaction_id"}`` (what the settlement consumer reads). It starts at ``TRIM_HORIZON``, so a
  replaced pipe re-reads the retained 24 h instead of skipping them (the queue deduplicates, the workflow
  starts once per id). A batch that still fails after ``messaging.pipe_maximum_retry_attempts`` goes to the
  pipe's DLQ (alarmed); the record itself stays ``pending`` and the sweep picks it up.
- The sweep function runs every ``messaging.sweep_interval_minutes`` (an EventBridge rule) and re-sends the
  ``pending`` records older than ``messaging.sweep_older_than_seconds`` (alarmed on every one it finds).

The pipe's role may read this one stream, send to the queue and the pipe DLQ and use the two keys involved
(through DynamoDB and SQS only); nothing else.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from payment_infra import policies
from payment_infra.application import functions_module
from payment_infra.aws import (
    CloudwatchEventRule,
    CloudwatchEventTarget,
    IamRole,
    IamRolePolicy,
    LambdaPermission,
    PipesPipe,
    PipesPipeSourceParameters,
    PipesPipeSourceParametersDynamodbStreamParameters,
    PipesPipeSourceParametersDynamodbStreamParametersDeadLetterConfig,
    PipesPipeSourceParametersFilterCriteria,
    PipesPipeSourceParametersFilterCriteriaFilter,
    PipesPipeTargetParameters,
    PipesPipeTargetParametersSqsQueueParameters,
    SqsQueue,
    SqsQueuePolicy,
)
from payment_infra.compact_json import compact_json
from payment_infra.constructs.database import TableRef
from payment_infra.constructs.kms import KeyRef
from payment_infra.constructs.messaging import MAX_RETENTION_SECONDS, QueueRef
from payment_infra.constructs.payment_function import PaymentFunction
from payment_infra.context import DeploymentContext

# Where a stream record's new image keeps the fields the settlement message needs.
_NEW_IMAGE = "$.dynamodb.NewImage"


def filter_pattern(region: str) -> dict[str, Any]:
    """Only new pending records start settlement (the updates settlement itself makes never re-enter the queue),
    and only those created in ``region``: a global table's replica also emits records for the payments the other
    region created and settles (``ORIGIN_REGION_ATTRIBUTE`` in lambdas/payments/functions.py)."""
    origin = functions_module().ORIGIN_REGION_ATTRIBUTE
    return {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["pending"]}, origin: {"S": [region]}}}}


#: The settlement message (``lambdas/payments/adapters/sqs.py`` ``message_body``: the same two ids).
INPUT_TEMPLATE = f'{{"customer_id":"<{_NEW_IMAGE}.customer_id.S>","transaction_id":"<{_NEW_IMAGE}.transaction_id.S>"}}'
MESSAGE_GROUP_ID = f"{_NEW_IMAGE}.customer_id.S"
MESSAGE_DEDUPLICATION_ID = f"{_NEW_IMAGE}.transaction_id.S"
STARTING_POSITION = "TRIM_HORIZON"
# Reading a stream: the actions of the pipes user guide ("DynamoDB execution role permissions").
STREAM_READ_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                       "dynamodb:ListStreams")  # fmt: skip


class SettlementFeed(Construct):
    """Exposes ``pipe_name``, ``pipe_dlq`` (QueueRef), ``pipe_role_arn`` and ``sweep_rule_name``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        table: TableRef,
        data_key: KeyRef,
        queue: QueueRef,
        messaging_key: KeyRef,
        sweep: PaymentFunction,
    ):
        super().__init__(scope, id_)
        if table.stream_arn is None:
            raise ValueError("the settlement feed needs the transactions table's stream (stream_arn is None)")
        self.pipe_dlq = self._pipe_dlq(ctx, messaging_key)
        self.pipe_name = ctx.naming.name("payment-settlement-feed")
        policy = self._pipe_role(ctx, table, data_key, queue, messaging_key)
        self._pipe(ctx, table, queue, policy)
        self._sweep_schedule(ctx, sweep)

    def _pipe_role(
        self, ctx: DeploymentContext, table: TableRef, data_key: KeyRef, queue: QueueRef, messaging_key: KeyRef
    ) -> IamRolePolicy:
        """The pipe's own role and its least-privilege policy (returned: the pipe waits for it)."""
        pipe_arn = ctx.arn("pipes", f"pipe/{self.pipe_name}")
        role = IamRole(
            self,
            "pipe_role",
            name=f"{self.pipe_name}-role",
            description=f"Execution role of the pipe {self.pipe_name} only",
            assume_role_policy=policies.assume_role_policy(
                "pipes.amazonaws.com", source_account=ctx.account_id, source_arn=pipe_arn
            ),
        )
        policy = IamRolePolicy(
            self,
            "pipe_policy",
            name="least-privilege",
            role=role.id,
            policy=policies.document(self.pipe_statements(ctx, table, data_key, queue, messaging_key)),
        )
        self.pipe_role_arn = role.arn
        return policy

    def _pipe(self, ctx: DeploymentContext, table: TableRef, queue: QueueRef, policy: IamRolePolicy) -> None:
        """The pipe from the table's stream to the settlement queue: new pending records only, failures to its DLQ."""
        settings = ctx.config.messaging
        PipesPipe(
            self,
            "pipe",
            name=self.pipe_name,
            description="New pending transactions -> settlement queue (group: customer, dedup: transaction id)",
            role_arn=self.pipe_role_arn,
            source=table.stream_arn,
            target=queue.arn,
            source_parameters=PipesPipeSourceParameters(
                dynamodb_stream_parameters=PipesPipeSourceParametersDynamodbStreamParameters(
                    starting_position=STARTING_POSITION,
                    batch_size=settings.pipe_batch_size,
                    maximum_retry_attempts=settings.pipe_maximum_retry_attempts,
                    dead_letter_config=PipesPipeSourceParametersDynamodbStreamParametersDeadLetterConfig(
                        arn=self.pipe_dlq.arn
                    ),
                ),
                filter_criteria=PipesPipeSourceParametersFilterCriteria(
                    filter=[
                        PipesPipeSourceParametersFilterCriteriaFilter(
                            pattern=compact_json(filter_pattern(ctx.config.region))
                        )
                    ]
                ),
            ),
            target_parameters=PipesPipeTargetParameters(
                input_template=INPUT_TEMPLATE,
                sqs_queue_parameters=PipesPipeTargetParametersSqsQueueParameters(
                    message_group_id=MESSAGE_GROUP_ID, message_deduplication_id=MESSAGE_DEDUPLICATION_ID
                ),
            ),
            # The role must be able to read the stream when the pipe starts, or its creation fails.
            depends_on=[policy],
        )

    def _sweep_schedule(self, ctx: DeploymentContext, sweep: PaymentFunction) -> None:
        """The EventBridge rule that runs the sweep function, and its permission to invoke it."""
        settings = ctx.config.messaging
        self.sweep_rule_name = ctx.naming.name("payment-sweep")
        rule = CloudwatchEventRule(
            self,
            "sweep_schedule",
            name=self.sweep_rule_name,
            description=f"Runs {sweep.function_name}: re-sends pending transactions whose stream event was lost",
            schedule_expression=schedule_expression(settings.sweep_interval_minutes),
        )
        CloudwatchEventTarget(self, "sweep_target", rule=rule.name, arn=sweep.arn, target_id="sweep")
        LambdaPermission(
            self,
            "sweep_permission",
            statement_id="AllowScheduledSweep",
            action="lambda:InvokeFunction",
            function_name=sweep.arn,  # a reference: the permission waits for the function
            principal="events.amazonaws.com",
            source_arn=rule.arn,
        )

    def _pipe_dlq(self, ctx: DeploymentContext, key: KeyRef) -> QueueRef:
        """A standard queue: a stream source's dead-letter target cannot be FIFO."""
        dlq = SqsQueue(
            self,
            "pipe_dlq",
            name=ctx.naming.name("payment-pipe-dlq"),
            message_retention_seconds=MAX_RETENTION_SECONDS,
            kms_master_key_id=key.arn,
            kms_data_key_reuse_period_seconds=300,
        )
        ref = QueueRef.of(dlq)
        SqsQueuePolicy(
            self,
            "pipe_dlq_policy",
            queue_url=ref.url,
            policy=policies.document([policies.deny_insecure_transport("sqs", [ref.arn])]),
        )
        return ref

    def pipe_statements(
        self, ctx: DeploymentContext, table: TableRef, data_key: KeyRef, queue: QueueRef, messaging_key: KeyRef
    ) -> list[policies.Statement]:
        return [
            policies.allow(list(STREAM_READ_ACTIONS), [str(table.stream_arn)], sid="ReadTransactionsStream"),
            policies.allow(
                ["kms:Decrypt"],
                [data_key.arn],
                sid="DecryptTransactionsStream",
                conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{ctx.region}.amazonaws.com"}},
            ),
            policies.allow(["sqs:SendMessage"], [queue.arn, self.pipe_dlq.arn], sid="SendToSettlement"),
            policies.allow(
                ["kms:Decrypt", "kms:GenerateDataKey"],
                [messaging_key.arn],
                sid="EncryptSettlementMessages",
                conditions={"StringEquals": {"kms:ViaService": f"sqs.{ctx.region}.amazonaws.com"}},
            ),
        ]


def schedule_expression(minutes: int) -> str:
    """``rate(1 minute)`` / ``rate(5 minutes)``: EventBridge wants the singular unit for 1."""
    return f"rate({minutes} minute{'s' if minutes != 1 else ''})"
