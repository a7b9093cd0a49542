"""IAM and resource-policy documents as plain data, rendered to JSON strings.

Why plain JSON instead of ``aws_iam_policy_document`` data sources: the synthesized stack then carries each
policy as a string that tests and checkov read directly, and Terraform tokens (ARNs) embed as ``${...}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from payment_infra.compact_json import compact_json

Statement = dict[str, Any]


def allow(
    actions: Sequence[str],
    resources: Sequence[str],
    *,
    sid: str | None = None,
    principals: Mapping[str, Any] | None = None,
    conditions: Mapping[str, Mapping[str, Any]] | None = None,
) -> Statement:
    """An Allow statement. ``actions``/``resources`` must be non-empty: an empty list is a bug, not least privilege."""
    return _statement("Allow", actions, resources, sid, principals, conditions)


def deny(actions: Sequence[str], resources: Sequence[str], **options: Any) -> Statement:
    """A Deny statement: ``allow``'s arguments (``sid``, ``principals``, ``conditions``), the opposite effect."""
    return {**allow(actions, resources, **options), "Effect": "Deny"}


def _statement(effect, actions, resources, sid, principals, conditions) -> Statement:
    if not actions or not resources:
        raise ValueError(f"policy statement {sid or ''!r} needs at least one action and one resource")
    statement: Statement = {"Effect": effect}
    if sid:
        statement["Sid"] = sid
    if principals is not None:
        statement["Principal"] = dict(principals)
    statement["Action"] = sorted(set(actions))
    statement["Resource"] = list(dict.fromkeys(resources))
    if conditions:
        statement["Condition"] = {op: dict(values) for op, values in conditions.items()}
    return statement


def document(statements: Iterable[Statement]) -> str:
    """Render a policy document; keys are kept in a fixed order so synth output is stable."""
    return compact_json({"Version": "2012-10-17", "Statement": list(statements)})


# Each service's own actions for the deny-insecure-transport statement. SNS refuses a topic policy whose
# statements name "*" or "sns:*" (InvalidParameter on SetTopicAttributes), so SNS lists the topic actions a
# topic policy may name (AWS's "enforce encryption in transit" example denies sns:Publish); SQS and S3 accept
# their service wildcard, which is AWS's own example for both (and what checkov's TLS checks look for on S3).
SNS_TOPIC_POLICY_ACTIONS = (
    "sns:AddPermission",
    "sns:DeleteTopic",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:Publish",
    "sns:RemovePermission",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
)
TRANSPORT_DENY_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3": ("s3:*",),
    "sns": SNS_TOPIC_POLICY_ACTIONS,
    "sqs": ("sqs:*",),
}


def deny_insecure_transport(service: str, resources: Sequence[str]) -> Statement:
    """Resource-policy statement of ``service`` (``s3``, ``sns``, ``sqs``) rejecting every request not over TLS."""
    try:
        actions = TRANSPORT_DENY_ACTIONS[service]
    except KeyError:
        raise ValueError(
            f"deny_insecure_transport: service {service!r} has no action list; "
            f"allowed: {sorted(TRANSPORT_DENY_ACTIONS)}"
        ) from None
    return deny(
        list(actions),
        resources,
        sid="DenyInsecureTransport",
        principals={"AWS": "*"},
        conditions={"Bool": {"aws:SecureTransport": "false"}},
    )


def service_principal(service: str) -> dict[str, str]:
    return {"Service": service}


def assume_role_policy(service: str, *, source_account: str | None = None, source_arn: str | None = None) -> str:
    """Trust policy for a service role, optionally pinned to our account/resource (confused-deputy guard)."""
    conditions: dict[str, dict[str, Any]] = {}
    if source_account:
        conditions["StringEquals"] = {"aws:SourceAccount": source_account}
    if source_arn:
        conditions["ArnLike"] = {"aws:SourceArn": source_arn}
    return compact_json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                    **({"Condition": conditions} if conditions else {}),
                }
            ],
        }
    )
