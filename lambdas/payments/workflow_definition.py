"""Amazon States Language for the payment-settlement workflow, started once per transaction by the queue consumer.

``Validate -> Process -> CheckOutcome -> NotifySuccess``; a declined payment goes
``Declined -> NotifyFailure -> Failed``. Validate and Process retry Lambda service errors
and ``RetryableProcessingError`` with exponential backoff and full jitter. An error of
Validate (unknown or already final transaction) is announced and fails the execution
without touching the transaction. An error of Process after its retries goes to
``MarkFailed`` (the process function again, in abandon mode: ``failed``, no receipt),
then ``NotifyFailure -> Failed``; if the transaction had already reached a final status,
or marking it failed fails too, the execution ends in ``Incomplete`` without a
notification, for an operator (alarm on failed executions, docs/operations.md).
Notifications are published by the SNS service integration, not by a function.

Pure: the ARNs may be Terraform tokens (``${TfToken[...]}``) and are only ever
embedded as string values.
"""

from __future__ import annotations

from typing import Any

RETRYABLE_ERROR = "RetryableProcessingError"
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
FAILURE_ERROR = "PaymentFailed"
INCOMPLETE_ERROR = "SettlementIncomplete"


def _retry_transient() -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": list(LAMBDA_SERVICE_ERRORS),
            "IntervalSeconds": 2,
            "MaxAttempts": 5,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL",
        },
        {
            "ErrorEquals": [RETRYABLE_ERROR],
            "IntervalSeconds": 1,
            "MaxAttempts": 4,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": 30,
            "JitterStrategy": "FULL",
        },
    ]


def _lambda_task(function_arn: str, next_state: str, on_error: str, payload: Any = "$") -> dict[str, Any]:
    parameters: dict[str, Any] = {"FunctionName": function_arn}
    if payload == "$":
        parameters["Payload.$"] = "$"
    else:
        parameters["Payload"] = payload
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": parameters,
        "OutputPath": "$.Payload",
        "TimeoutSeconds": 60,
        "Retry": _retry_transient(),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": on_error}],
        "Next": next_state,
    }


def _publish(topic_arn: str, subject: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": topic_arn, "Subject": subject, "Message": message},
        "ResultPath": None,
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}],
    }


def build_state_machine_definition(
    validate_function_arn: str, process_function_arn: str, notifications_topic_arn: str
) -> dict[str, Any]:
    """The workflow definition as a dict; serialise it with ``json.dumps``.

    Execution input: ``{"transaction_id": "txn_..."}``; the execution is named after that id.
    """
    mark_failed = _lambda_task(
        process_function_arn,
        "CheckMarkedFailed",
        "Incomplete",
        payload={"transaction_id.$": "$.transaction_id", "abandon": {"error.$": "$.error.Error"}},
    )
    # Keep the original error (``$.error``) for the notification; only the new status is needed.
    del mark_failed["OutputPath"]
    mark_failed["ResultSelector"] = {"status.$": "$.Payload.status"}
    mark_failed["ResultPath"] = "$.marked"
    mark_failed["Catch"][0]["ResultPath"] = "$.mark_error"
    notify_success = _publish(
        notifications_topic_arn,
        "Payment succeeded",
        {
            "event": "transaction.settled",
            "transaction_id.$": "$.transaction_id",
            "status.$": "$.status",
            "amount.$": "$.amount",
            "currency.$": "$.currency",
            "settled_at.$": "$.settled_at",
            "receipt_key.$": "$.receipt_key",
        },
    )
    notify_success["End"] = True
    notify_failure = _publish(
        notifications_topic_arn,
        "Payment failed",
        {
            "event": "transaction.workflow_failed",
            "transaction_id.$": "$.transaction_id",
            "error.$": "$.error.Error",
        },
    )
    notify_failure["Next"] = "Failed"
    return {
        "Comment": "Payment settlement: validate, process (retry with backoff), notify success or failure",
        "StartAt": "Validate",
        "States": {
            "Validate": _lambda_task(validate_function_arn, "Process", "NotifyFailure"),
            "Process": _lambda_task(process_function_arn, "CheckOutcome", "MarkFailed"),
            "CheckOutcome": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.status", "StringEquals": "succeeded", "Next": "NotifySuccess"}],
                "Default": "Declined",
            },
            "Declined": {
                "Type": "Pass",
                "Parameters": {"transaction_id.$": "$.transaction_id", "error": {"Error": "PaymentDeclined"}},
                "Next": "NotifyFailure",
            },
            "MarkFailed": mark_failed,
            "CheckMarkedFailed": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.marked.status", "StringEquals": "failed", "Next": "NotifyFailure"}],
                "Default": "Incomplete",
            },
            "NotifySuccess": notify_success,
            "NotifyFailure": notify_failure,
            "Failed": {"Type": "Fail", "Error": FAILURE_ERROR, "Cause": "payment validation or processing failed"},
            "Incomplete": {
                "Type": "Fail",
                "Error": INCOMPLETE_ERROR,
                "Cause": "processing failed and the transaction could not be marked failed: see docs/operations.md",
            },
        },
    }
