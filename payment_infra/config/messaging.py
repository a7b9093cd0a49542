"""The settlement path's knobs (``messaging``): queue, consumer, stream pipe and the sweep for lost events."""

from __future__ import annotations

from dataclasses import dataclass

from payment_infra.config.problems import Problem, Problems, int_in, is_int

# SQS allows 1-1000 receives before the DLQ; a FIFO event source takes at most 10 records per batch.
MAX_RECEIVE_COUNT_RANGE = (1, 1000)
FIFO_BATCH_SIZE_RANGE = (1, 10)
# EventBridge Pipes, DynamoDB stream source (provider validation, terraform-provider-aws pipes/source_parameters.go).
PIPE_BATCH_SIZE_RANGE = (1, 10_000)
PIPE_RETRY_ATTEMPTS_RANGE = (0, 10_000)
# The sweep: at least a minute old (the stream path normally takes seconds); it looks back at most 14 days (the
# settlement queue's retention: a record older than that cannot still be waiting in the queue).
SWEEP_OLDER_THAN_RANGE_SECONDS = (60, 86_400)
SWEEP_LOOKBACK_RANGE_SECONDS = (3_600, 14 * 86_400)
SWEEP_INTERVAL_RANGE_MINUTES = (1, 60)


@dataclass(frozen=True)
class MessagingSettings:
    """The settlement queue and its consumer."""

    settlement_batch_size: int = 10  # messages per settlement invocation (event source batch size)
    max_receive_count: int = 3  # deliveries of a settlement message before it moves to the DLQ
    pipe_batch_size: int = 10  # stream records per pipe execution (DynamoDB stream -> settlement queue)
    pipe_maximum_retry_attempts: int = 10  # retries of a failed pipe batch before it goes to the pipe DLQ
    sweep_interval_minutes: int = 5  # how often the sweep looks for pending transactions whose event was lost
    sweep_older_than_seconds: int = 600  # a pending transaction older than this is re-sent to settlement
    sweep_lookback_seconds: int = 172_800  # how far back the sweep looks (the alarm fires on every one it finds)

    def problems(self, prefix: str = "") -> list[Problem]:
        """Each field within what AWS accepts (or the sweep makes sense for); the sweep's window not empty."""
        found = Problems()
        for name, (low, high), why in (
            ("settlement_batch_size", FIFO_BATCH_SIZE_RANGE, "the FIFO event source maximum"),
            ("max_receive_count", MAX_RECEIVE_COUNT_RANGE, "SQS redrive policy limits"),
            ("pipe_batch_size", PIPE_BATCH_SIZE_RANGE, "EventBridge Pipes DynamoDB stream batch size"),
            ("pipe_maximum_retry_attempts", PIPE_RETRY_ATTEMPTS_RANGE,
             "finite, so a failing batch reaches the pipe DLQ"),
            ("sweep_interval_minutes", SWEEP_INTERVAL_RANGE_MINUTES, "minutes between sweeps"),
            ("sweep_older_than_seconds", SWEEP_OLDER_THAN_RANGE_SECONDS, "seconds"),
            ("sweep_lookback_seconds", SWEEP_LOOKBACK_RANGE_SECONDS, "seconds; at most the queue's 14-day retention"),
        ):  # fmt: skip
            value = getattr(self, name)
            allowed = f"an integer from {low} to {high} ({why})"
            found.check(int_in(value, (low, high)), f"{prefix}{name}", value, allowed)
        older, lookback = self.sweep_older_than_seconds, self.sweep_lookback_seconds
        if is_int(older) and is_int(lookback):
            found.check(
                older < lookback,
                f"{prefix}sweep_older_than_seconds",
                older,
                f"below {prefix}sweep_lookback_seconds ({lookback})",
            )
        return found
