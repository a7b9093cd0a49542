"""CloudWatch dashboard and alarms of one environment; every alarm notifies the alarm topic.

Thresholds (see docs/operations.md for what to do when one fires; the configurable ones are settings of
``payment_infra.config``):
- Lambda errors >= 1 in 5 minutes, per function
- API 5xx error rate > ``config.alarms.api_5xx_rate_percent`` (1 %) over 5 minutes
- API p99 latency > ``config.api.p99_latency_alarm_ms`` (1,000 ms; prod 500 ms)
- settlement DLQ and Lambda failure queue not empty
- DynamoDB read or write throttle events >= 1, on the table and on each of its global secondary indexes
- oldest settlement message older than ``config.alarms.queue_age_seconds`` (5 minutes)
- settlement workflow executions failed or timed out >= 1 in 5 minutes
- settlement feed: the pipe's DLQ not empty, the pipe's failed executions >= 1, and the sweep finding any
  ``pending`` transaction older than ``config.messaging.sweep_older_than_seconds`` (EventBridge Pipes publishes
  no iterator age for a stream source: the sweep's finding is the "stream path is late or broken" signal)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from constructs import Construct

from payment_infra.application import functions_module
from payment_infra.aws import (
    CloudwatchDashboard,
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from payment_infra.config import METRICS_NAMESPACE, SERVICE_NAME
from payment_infra.constructs.messaging import QueueRef, TopicRef
from payment_infra.constructs.payment_function import PaymentFunction
from payment_infra.constructs.settlement_feed import SettlementFeed
from payment_infra.context import DeploymentContext

PERIOD_SECONDS = 300
# The sweep function's metric, named once by the application (lambdas/payments/functions.py).
SWEEP_METRIC = functions_module().STALE_PENDING_METRIC


class Monitoring(Construct):
    """Exposes ``dashboard_name``, ``dashboard_url`` and ``alarm_names``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        functions: Mapping[str, PaymentFunction],
        api_name: str,
        stage_name: str,
        queue: QueueRef,
        dlq: QueueRef,
        failures: QueueRef,
        table_name: str,
        index_names: tuple[str, ...],
        alarm_topic: TopicRef,
        state_machine_arn: str,
        feed: SettlementFeed,
    ):
        super().__init__(scope, id_)
        self._ctx = ctx
        self._topic = alarm_topic
        self.alarm_names: list[str] = []
        api_dims = {"ApiName": api_name, "Stage": stage_name}
        self._function_errors(functions)
        self._api_error_rate(api_dims, ctx.config.alarms.api_5xx_rate_percent)
        self._api_latency(api_dims)
        self._dead_letters(dlq, failures)
        self._table_throttles(table_name, index_names)
        self._queue_age(queue)
        self._workflow_failures(state_machine_arn)
        self._settlement_feed(feed)
        self._cloudwatch_dashboard(functions, api_dims, queue, dlq, failures, table_name, state_machine_arn, feed)

    def _function_errors(self, functions: Mapping[str, PaymentFunction]) -> None:
        for short, fn in sorted(functions.items()):
            self._alarm(
                f"lambda_errors_{short.replace('-', '_')}",
                f"payment-{short}-errors",
                f"{fn.function_name} reported at least one error in 5 minutes",
                metric=("AWS/Lambda", "Errors", {"FunctionName": fn.function_name}, "Sum"),
                threshold=1,
                comparison="GreaterThanOrEqualToThreshold",
            )

    def _api_latency(self, api_dims: dict[str, str]) -> None:
        ctx = self._ctx
        self._alarm(
            "api_latency_p99",
            "payment-api-latency-p99",
            f"API p99 latency above {ctx.config.api.p99_latency_alarm_ms} ms",
            metric=("AWS/ApiGateway", "Latency", api_dims, "p99"),
            threshold=ctx.config.api.p99_latency_alarm_ms,
            comparison="GreaterThanThreshold",
        )

    def _dead_letters(self, dlq: QueueRef, failures: QueueRef) -> None:
        for logical, q, what in (("dlq", dlq, "settlement DLQ"), ("failures", failures, "Lambda async failure queue")):
            self._alarm(
                f"{logical}_not_empty",
                f"payment-{logical}-not-empty",
                f"Messages are waiting in the {what}: replay with `make redrive` after fixing the cause",
                metric=("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": q.name}, "Maximum"),
                threshold=1,
                comparison="GreaterThanOrEqualToThreshold",
            )

    def _table_throttles(self, table_name: str, index_names: tuple[str, ...]) -> None:
        # DynamoDB reports a GSI's throttles only with its GlobalSecondaryIndexName dimension: one alarm per index.
        for index in (None, *index_names):
            suffix = "" if index is None else "-" + index.replace("_", "-").removesuffix("-index")
            dims = {"TableName": table_name, **({"GlobalSecondaryIndexName": index} if index else {})}
            where = table_name if index is None else f"{table_name} index {index}"
            for kind in ("Read", "Write"):
                self._alarm(
                    f"dynamodb_{kind.lower()}_throttles{suffix.replace('-', '_')}",
                    f"payment-dynamodb{suffix}-{kind.lower()}-throttles",
                    f"DynamoDB {kind.lower()} requests to {where} were throttled",
                    metric=("AWS/DynamoDB", f"{kind}ThrottleEvents", dims, "Sum"),
                    threshold=1,
                    comparison="GreaterThanOrEqualToThreshold",
                )

    def _queue_age(self, queue: QueueRef) -> None:
        ctx = self._ctx
        self._alarm(
            "queue_age",
            "payment-queue-age",
            f"The oldest settlement message waited more than {_duration(ctx.config.alarms.queue_age_seconds)}",
            metric=("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": queue.name}, "Maximum"),
            threshold=ctx.config.alarms.queue_age_seconds,
            comparison="GreaterThanThreshold",
        )

    def _workflow_failures(self, state_machine_arn: str) -> None:
        workflow_dims = {"StateMachineArn": state_machine_arn}
        for metric_name, what in (("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed out")):
            self._alarm(
                f"workflow_executions_{what.replace(' ', '_')}",
                f"payment-workflow-executions-{what.replace(' ', '-')}",
                f"At least one settlement workflow execution {what} in 5 minutes: find and re-run it as "
                "docs/operations.md says",
                metric=("AWS/States", metric_name, workflow_dims, "Sum"),
                threshold=1,
                comparison="GreaterThanOrEqualToThreshold",
            )

    def _cloudwatch_dashboard(
        self,
        functions: Mapping[str, PaymentFunction],
        api_dims: dict[str, str],
        queue: QueueRef,
        dlq: QueueRef,
        failures: QueueRef,
        table_name: str,
        state_machine_arn: str,
        feed: SettlementFeed,
    ) -> None:
        ctx = self._ctx
        self.dashboard_name = ctx.naming.name("payment-api")
        body = _dashboard(ctx.region, functions, api_dims, queue, dlq, failures, table_name, state_machine_arn)
        body["widgets"] += _feed_widgets(ctx.region, feed)
        CloudwatchDashboard(self, "dashboard", dashboard_name=self.dashboard_name, dashboard_body=json.dumps(body))
        self.dashboard_url = (
            f"https://{ctx.region}.console.aws.amazon.com/cloudwatch/home?region={ctx.region}"
            f"#dashboards:name={self.dashboard_name}"
        )

    def _alarm(self, logical: str, base_name: str, description: str, *, metric, threshold, comparison) -> None:
        namespace, name, dimensions, statistic = metric
        stat = {"extended_statistic": statistic} if statistic.startswith("p") else {"statistic": statistic}
        alarm_name = self._ctx.naming.name(base_name)
        CloudwatchMetricAlarm(
            self,
            logical,
            alarm_name=alarm_name,
            alarm_description=description,
            namespace=namespace,
            metric_name=name,
            dimensions=dimensions,
            period=PERIOD_SECONDS,
            evaluation_periods=1,
            threshold=threshold,
            comparison_operator=comparison,
            treat_missing_data="notBreaching",
            alarm_actions=[self._topic.arn],
            ok_actions=[self._topic.arn],
            **stat,
        )
        self.alarm_names.append(alarm_name)

    def _settlement_feed(self, feed: SettlementFeed) -> None:
        """The path from a written transaction to the queue: pipe DLQ, pipe failures, what the sweep found."""
        self._alarm(
            "pipe_dlq_not_empty",
            "payment-pipe-dlq-not-empty",
            "Stream records the settlement pipe could not deliver: their transactions are re-sent by the sweep; "
            "find the cause as docs/operations.md says",
            metric=("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": feed.pipe_dlq.name}, "Maximum"),
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
        )
        self._alarm(
            "pipe_execution_failed",
            "payment-pipe-execution-failed",
            f"The pipe {feed.pipe_name} failed to deliver new transactions to the settlement queue (it retries)",
            metric=("AWS/EventBridge/Pipes", "ExecutionFailed", {"PipeName": feed.pipe_name}, "Sum"),
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
        )
        older = _duration(self._ctx.config.messaging.sweep_older_than_seconds)
        self._alarm(
            "sweep_found_stale_pending",
            "payment-sweep-found-stale-pending",
            f"The sweep found transactions still pending after {older} and re-sent them: the stream path missed them",
            metric=(METRICS_NAMESPACE, SWEEP_METRIC, {"service": SERVICE_NAME}, "Sum"),
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
        )

    def _api_error_rate(self, api_dims: dict[str, str], rate_percent: int) -> None:
        def metric(query_id: str, name: str) -> CloudwatchMetricAlarmMetricQuery:
            return CloudwatchMetricAlarmMetricQuery(
                id=query_id,
                return_data=False,
                metric=CloudwatchMetricAlarmMetricQueryMetric(
                    namespace="AWS/ApiGateway", metric_name=name, dimensions=api_dims, period=PERIOD_SECONDS, stat="Sum"
                ),
            )

        alarm_name = self._ctx.naming.name("payment-api-5xx-rate")
        CloudwatchMetricAlarm(
            self,
            "api_5xx_rate",
            alarm_name=alarm_name,
            alarm_description=f"More than {rate_percent} % of API requests failed with 5xx in 5 minutes",
            metric_query=[
                metric("errors", "5XXError"),
                metric("requests", "Count"),
                CloudwatchMetricAlarmMetricQuery(
                    id="rate",
                    expression="IF(requests > 0, 100 * errors / requests, 0)",
                    label="5xx %",
                    return_data=True,
                ),
            ],
            evaluation_periods=1,
            threshold=rate_percent,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[self._topic.arn],
            ok_actions=[self._topic.arn],
        )
        self.alarm_names.append(alarm_name)


def _duration(seconds: int) -> str:
    """``300`` -> ``5 minutes``, ``90`` -> ``90 seconds``, for alarm descriptions."""
    if seconds % 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    return f"{minutes} minute" + ("s" if minutes != 1 else "")


def _dashboard(region, functions, api_dims, queue, dlq, failures, table_name, state_machine_arn) -> dict[str, Any]:
    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum", x: int = 0, y: int = 0) -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "stat": stat,
                "period": PERIOD_SECONDS,
                "metrics": metrics,
            },
        }

    api = ["AWS/ApiGateway"]
    api_dim = ["ApiName", api_dims["ApiName"], "Stage", api_dims["Stage"]]
    names = [fn.function_name for _, fn in sorted(functions.items())]
    return {
        "widgets": [
            widget(
                "API requests, 4xx, 5xx", [[*api, m, *api_dim] for m in ("Count", "4XXError", "5XXError")], x=0, y=0
            ),
            widget(
                "API latency p50 / p99 (ms)",
                [[*api, "Latency", *api_dim, {"stat": s}] for s in ("p50", "p99")],
                x=12,
                y=0,
            ),
            widget("Lambda errors", [["AWS/Lambda", "Errors", "FunctionName", n] for n in names], x=0, y=6),
            widget(
                "Lambda duration p99 (ms)", [["AWS/Lambda", "Duration", "FunctionName", n] for n in names], "p99", 12, 6
            ),
            widget("Lambda throttles", [["AWS/Lambda", "Throttles", "FunctionName", n] for n in names], x=0, y=12),
            widget(
                "Settlement queue depth and age",
                [
                    ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue.name],
                    ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue.name, {"yAxis": "right"}],
                ],
                "Maximum",
                12,
                12,
            ),
            widget(
                "DLQ depth",
                [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q.name] for q in (dlq, failures)],
                "Maximum",
                0,
                18,
            ),
            widget(
                "DynamoDB throttles",
                [["AWS/DynamoDB", f"{k}ThrottleEvents", "TableName", table_name] for k in ("Read", "Write")],
                x=12,
                y=18,
            ),
            widget(
                "Settlement workflow executions",
                [
                    ["AWS/States", m, "StateMachineArn", state_machine_arn]
                    for m in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut")
                ],
                x=0,
                y=24,
            ),
            widget(
                "Settlement workflow execution time p99 (ms)",
                [["AWS/States", "ExecutionTime", "StateMachineArn", state_machine_arn]],
                "p99",
                12,
                24,
            ),
        ]
    }


def _feed_widgets(region: str, feed: SettlementFeed) -> list[dict[str, Any]]:
    def widget(title: str, metrics: list[list[Any]], stat: str, x: int) -> dict[str, Any]:
        properties = {"title": title, "region": region, "stat": stat, "period": PERIOD_SECONDS, "metrics": metrics}
        return {"type": "metric", "x": x, "y": 30, "width": 12, "height": 6, "properties": properties}

    pipes = ["AWS/EventBridge/Pipes"]
    return [
        widget(
            "Settlement feed: pipe events, failures, pipe DLQ depth",
            [
                [*pipes, "EventCount", "PipeName", feed.pipe_name],
                [*pipes, "ExecutionFailed", "PipeName", feed.pipe_name],
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", feed.pipe_dlq.name, {"stat": "Maximum"}],
            ],
            "Sum",
            0,
        ),
        widget(
            "Stale pending transactions found by the sweep",
            [[METRICS_NAMESPACE, SWEEP_METRIC, "service", SERVICE_NAME]],
            "Sum",
            12,
        ),
    ]
