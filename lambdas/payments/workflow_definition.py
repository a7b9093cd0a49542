"""Amazon States Language for the payment-processing workflow.

``Validate -> Process -> CheckOutcome -> NotifySuccess`` or ``NotifyFailure -> Failed``.
Process retries Lambda service errors and ``RetryableProcessingError`` with
exponential backoff; any error of Validate or Process (after retries) is caught
and announced on the notifications topic before the execution fails.

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


def _lambda_task(function_arn: str, next_state: str) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "TimeoutSeconds": 60,
        "Retry": [
            {
                "ErrorEquals": list(LAMBDA_SERVICE_ERRORS),
                "IntervalSeconds": 2,
                "MaxAttempts": 5,
                "BackoffRate": 2.0,
                "JitterStrategy": "FULL",
            }
        ],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}],
        "Next": next_state,
    }


def _publish(topic_arn: str, subject: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": topic_arn, "Subject": subject, "Message": message},
        "ResultPath": None,
        "Retry": [
            {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}
        ],
    }


def build_state_machine_definition(
    validate_function_arn: str, process_function_arn: str, notifications_topic_arn: str
) -> dict[str, Any]:
    """The workflow definition as a dict; serialise it with ``json.dumps``.

    Execution input: ``{"transaction_id": "txn_..."}`` of a ``pending`` transaction.
    """
    process = _lambda_task(process_function_arn, "CheckOutcome")
    process["Retry"].append(
        {
            "ErrorEquals": [RETRYABLE_ERROR],
            "IntervalSeconds": 1,
            "MaxAttempts": 4,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": 30,
            "JitterStrategy": "FULL",
        }
    )
    notify_success = _publish(
        notifications_topic_arn,
        "Payment succeeded",
        {
            "event": "transaction.settled",
            "transaction_id.$": "$.transaction_id",
            "status.$": "$.status",
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
        "Comment": "Payment processing: validate, process (retry with backoff), notify success or failure",
        "StartAt": "Validate",
        "States": {
            "Validate": _lambda_task(validate_function_arn, "Process"),
            "Process": process,
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
            "NotifySuccess": notify_success,
            "NotifyFailure": notify_failure,
            "Failed": {"Type": "Fail", "Error": FAILURE_ERROR, "Cause": "payment validation or processing failed"},
        },
    }
