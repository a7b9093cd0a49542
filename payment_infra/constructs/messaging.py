"""Queues and topics: the settlement FIFO queue with its FIFO DLQ, the Lambda async-failure queue,
and the notifications and alarm topics. All encrypted with the messaging CMK and TLS-only."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import (
    SnsTopic,
    SnsTopicPolicy,
    SnsTopicSubscription,
    SqsQueue,
    SqsQueuePolicy,
    SqsQueueRedriveAllowPolicy,
)
from payment_infra.compact_json import compact_json
from payment_infra.constructs.kms import KeyRef
from payment_infra.context import DeploymentContext

MAX_RETENTION_SECONDS = 14 * 24 * 3600
# SQS recommends a visibility timeout of at least 6x the consumer's timeout for Lambda event sources.
VISIBILITY_TIMEOUT_FACTOR = 6


@dataclass(frozen=True)
class QueueRef:
    name: str
    arn: str
    url: str

    @classmethod
    def of(cls, queue: SqsQueue) -> QueueRef:
        """Reads each attribute once: every read is a round trip to the jsii kernel (and a new token)."""
        return cls(name=queue.name, arn=queue.arn, url=queue.url)


@dataclass(frozen=True)
class TopicRef:
    name: str
    arn: str


class Messaging(Construct):
    """Exposes ``queue``, ``dlq``, ``failures`` (QueueRef) and ``notifications``, ``alarms`` (TopicRef)."""

    def __init__(
        self, scope: Construct, id_: str, ctx: DeploymentContext, key: KeyRef, *, consumer_timeout_seconds: int
    ):
        super().__init__(scope, id_)
        naming = ctx.naming
        encrypted = {"kms_master_key_id": key.arn, "kms_data_key_reuse_period_seconds": 300}
        dlq = SqsQueue(
            self,
            "dlq",
            name=naming.settlement_dlq(),
            fifo_queue=True,
            content_based_deduplication=True,
            message_retention_seconds=MAX_RETENTION_SECONDS,
            **encrypted,
        )
        dlq_ref = QueueRef.of(dlq)
        queue = SqsQueue(
            self,
            "queue",
            name=naming.settlement_queue(),
            fifo_queue=True,
            content_based_deduplication=True,
            deduplication_scope="messageGroup",
            fifo_throughput_limit="perMessageGroupId",
            message_retention_seconds=MAX_RETENTION_SECONDS,
            visibility_timeout_seconds=VISIBILITY_TIMEOUT_FACTOR * consumer_timeout_seconds,
            redrive_policy=compact_json(
                {"deadLetterTargetArn": dlq_ref.arn, "maxReceiveCount": ctx.config.messaging.max_receive_count}
            ),
            **encrypted,
        )
        queue_ref = QueueRef.of(queue)
        # Only the settlement queue may use the DLQ. A resource of its own: written on the DLQ itself, the queue
        # (whose redrive policy names the DLQ) and the DLQ would reference each other, and Terraform refuses a cycle.
        SqsQueueRedriveAllowPolicy(
            self,
            "dlq_redrive_allow_policy",
            queue_url=dlq_ref.url,
            redrive_allow_policy=compact_json({"redrivePermission": "byQueue", "sourceQueueArns": [queue_ref.arn]}),
        )
        failures = SqsQueue(
            self,
            "failures",
            name=naming.name("payment-lambda-failures"),
            message_retention_seconds=MAX_RETENTION_SECONDS,
            **encrypted,
        )
        self.queue, self.dlq, self.failures = queue_ref, dlq_ref, QueueRef.of(failures)
        for logical, ref in (("queue", self.queue), ("dlq", self.dlq), ("failures", self.failures)):
            SqsQueuePolicy(
                self,
                f"{logical}_policy",
                queue_url=ref.url,
                policy=policies.document([policies.deny_insecure_transport("sqs", [ref.arn])]),
            )

        self.notifications = self._topic(ctx, key, "payment-notifications", publishers=[])
        self.alarms = self._topic(ctx, key, "payment-alarms", publishers=["cloudwatch.amazonaws.com"])
        for topic_id, topic in (("notifications", self.notifications), ("alarms", self.alarms)):
            SnsTopicSubscription(
                self, f"{topic_id}_email", topic_arn=topic.arn, protocol="email", endpoint=ctx.config.alert_email
            )

    def _topic(self, ctx: DeploymentContext, key: KeyRef, resource_type: str, publishers: list[str]) -> TopicRef:
        logical = resource_type.removeprefix("payment-")
        topic = SnsTopic(self, logical, name=ctx.naming.name(resource_type), kms_master_key_id=key.arn)
        topic_arn = topic.arn
        statements = [policies.deny_insecure_transport("sns", [topic_arn])]
        if publishers:
            statements.append(
                policies.allow(
                    ["sns:Publish"],
                    [topic_arn],
                    sid="AllowServicePublishFromThisAccount",
                    principals={"Service": publishers},
                    conditions={"StringEquals": {"aws:SourceAccount": ctx.account_id}},
                )
            )
        SnsTopicPolicy(self, f"{logical}_policy", arn=topic_arn, policy=policies.document(statements))
        return TopicRef(name=topic.name, arn=topic_arn)
