"""IAM for the emulated functions: every AWS call a handler makes is checked against its role's policy.

On AWS a call the execution role does not allow fails with AccessDenied, so a grant missing from
``payment_infra/permissions.py`` breaks the deployed API while moto (which checks nothing) lets it pass. The
emulator therefore evaluates each call a handler makes, while it serves an invocation, against the identity
policies of that function's role in the synthesized stack, and answers a denied call with the error AWS
returns. It also records every call (function, IAM action, resource), which is what
``tests/apply_rules/test_iam_covers_calls.py`` holds every stack's roles to.

Policies are evaluated with the stack's Terraform references left in place (``${aws_sqs_queue.x.arn}``): a
call's resource is written the same way (:meth:`Enforcer.reference_of`), so the same :func:`decision` serves the
emulator and the static rule. Supported: Allow and Deny, ``Action``/``Resource`` lists with IAM wildcards
(``*``, ``?``), and ``StringEquals``/``StringLike`` conditions on keys the caller supplies; anything else
(``NotAction``, ``NotResource``, other operators) raises, never silently allows.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlparse

import botocore.client
from botocore.exceptions import ClientError

from payment_local.clients import stack_client_names

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "allow", "explicit deny", "implicit deny"
Statement = Mapping[str, Any]

# Operations whose IAM action is not "<prefix>:<operation>" (Service Authorization Reference: the actions
# table of each service). A ``VersionId`` makes an S3 object read or delete its ``…Version`` action.
_ACTIONS = {
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
}
_VERSIONED = {"s3:GetObject": "s3:GetObjectVersion", "s3:DeleteObject": "s3:DeleteObjectVersion"}
# The error code each service answers a denied call with.
_DENIED_CODE = {"s3": "AccessDenied", "sqs": "AccessDenied", "sns": "AuthorizationError"}


class UnmappedCallError(RuntimeError):
    """A call whose IAM resource the emulator cannot name: add it to :func:`resource_of`."""


@dataclass(frozen=True)
class Request:
    """What IAM evaluates for one API call."""

    action: str
    resource: str


def action_of(prefix: str, operation: str, params: Mapping[str, Any]) -> str:
    action = _ACTIONS.get((prefix, operation), f"{prefix}:{operation}")
    return _VERSIONED.get(action, action) if params.get("VersionId") else action


def resource_of(prefix: str, operation: str, params: Mapping[str, Any], region: str, account: str) -> str:
    """The ARN IAM checks for the call (the table, index, queue, object, state machine or topic it names)."""
    if prefix == "dynamodb" and "TableName" in params:
        table = params["TableName"]
        arn = table if table.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        return f"{arn}/index/{params['IndexName']}" if params.get("IndexName") else arn
    if prefix == "sqs" and "QueueUrl" in params:
        owner, name = urlparse(params["QueueUrl"]).path.strip("/").split("/")[-2:]
        return f"arn:aws:sqs:{region}:{owner}:{name}"
    if prefix == "s3" and "Bucket" in params:
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")
    if prefix == "states":
        for name in ("stateMachineArn", "executionArn"):
            if name in params:
                return str(params[name])
    if prefix == "sns" and "TopicArn" in params:
        return str(params["TopicArn"])
    raise UnmappedCallError(f"no IAM resource known for {prefix}:{operation} with {sorted(params)}")


@cache
def _wildcard(pattern: str) -> re.Pattern[str]:
    """An IAM pattern (``*`` any run of characters, ``?`` one) as a regular expression."""
    parts = (".*" if part == "*" else "." if part == "?" else re.escape(part) for part in re.split(r"([*?])", pattern))
    return re.compile("".join(parts), re.DOTALL)


def _listed(statement: Statement, field: str) -> list[str]:
    for unsupported in ("NotAction", "NotResource", "NotPrincipal"):
        if unsupported in statement:
            raise ValueError(f"{unsupported} is not supported by payment_local.iam: {statement.get('Sid')}")
    value = statement.get(field, [])
    return [value] if isinstance(value, str) else list(value)


def _conditions_hold(statement: Statement, context: Mapping[str, str]) -> bool:
    known = {key.lower(): value for key, value in context.items()}  # condition keys ignore case, as in AWS
    for operator, tests in (statement.get("Condition") or {}).items():
        if operator not in ("StringEquals", "StringLike"):
            raise ValueError(f"condition operator {operator} is not supported by payment_local.iam")
        for key, expected in tests.items():
            actual = known.get(key.lower())
            wanted = [str(expected)] if not isinstance(expected, list) else [str(e) for e in expected]
            if actual is None:
                if statement["Effect"] == "Deny":
                    # A Deny on a key this evaluation does not know could apply on AWS: never guess "allow".
                    raise ValueError(f"cannot evaluate the Deny {statement.get('Sid')}: no value for {key}")
                return False  # as in AWS: an Allow conditioned on a key the request lacks does not hold
            if operator == "StringEquals" and actual not in wanted:
                return False
            if operator == "StringLike" and not any(_wildcard(w).fullmatch(actual) for w in wanted):
                return False
    return True


def statement_matches(statement: Statement, request: Request, context: Mapping[str, str] | None = None) -> bool:
    """Whether ``statement`` applies to the request (actions case-insensitive, resources case-sensitive)."""
    actions = _listed(statement, "Action")
    if not any(_wildcard(a.lower()).fullmatch(request.action.lower()) for a in actions):
        return False
    if not any(_wildcard(r).fullmatch(request.resource) for r in _listed(statement, "Resource")):
        return False
    return _conditions_hold(statement, context or {})


def decision(statements: Sequence[Statement], request: Request, context: Mapping[str, str] | None = None) -> str:
    """AWS's evaluation of identity policies: an explicit Deny wins, else an Allow, else an implicit deny."""
    matching = [s for s in statements if statement_matches(s, request, context)]
    if any(s["Effect"] == "Deny" for s in matching):
        return EXPLICIT_DENY
    return ALLOW if any(s["Effect"] == "Allow" for s in matching) else IMPLICIT_DENY


def role_statements(document: Mapping[str, Any], role_reference: str) -> list[dict[str, Any]]:
    """Every identity-policy statement of the role ``${aws_iam_role.<id>.arn}`` names, from the stack JSON.

    Inline ``aws_iam_role_policy`` resources and attachments of policies defined in the stack; an attachment
    of a policy defined elsewhere (an AWS managed policy) cannot be evaluated here and raises.
    """
    match = re.fullmatch(r"\$\{aws_iam_role\.([A-Za-z0-9_-]+)\.arn\}", role_reference)
    if match is None:
        raise ValueError(f"not a role of this stack: {role_reference!r}")
    role = match.group(1)
    resources = document.get("resource", {})
    names = {f"${{aws_iam_role.{role}.{attribute}}}" for attribute in ("id", "name")}
    policies = [body["policy"] for body in resources.get("aws_iam_role_policy", {}).values() if body["role"] in names]
    for body in resources.get("aws_iam_role_policy_attachment", {}).values():
        if body["role"] in names:
            policy = re.fullmatch(r"\$\{aws_iam_policy\.([A-Za-z0-9_-]+)\.arn\}", body["policy_arn"])
            if policy is None:
                raise ValueError(f"cannot evaluate the policy {body['policy_arn']} attached to {role}")
            policies.append(resources["aws_iam_policy"][policy.group(1)]["policy"])
    for inline in resources.get("aws_iam_role", {}).get(role, {}).get("inline_policy", []) or []:
        policies.append(inline["policy"])
    statements: list[dict[str, Any]] = []
    for policy in policies:
        parsed = json.loads(policy)["Statement"]
        statements += [parsed] if isinstance(parsed, dict) else parsed
    return statements


@dataclass(frozen=True)
class Call:
    """One AWS call a handler made: ``resource`` in the stack's reference form when the stack names it."""

    function: str
    handler: str
    action: str
    resource: str
    decision: str


@dataclass(frozen=True)
class _Function:
    """What the enforcer needs of one function, read from the stack once."""

    name: str
    role_name: str
    statements: list[dict[str, Any]]


def _per_client(
    substitute_account: Any, statement: dict[str, Any], configured: Sequence[str], clients: Sequence[str] | None
) -> dict[str, Any]:
    """``statement`` with the account filled in and each per-client resource of a ``configured`` client granted
    for each of ``clients`` instead (``None``: as the stack says)."""
    resources: list[str] = []
    for resource in (substitute_account(r) for r in _listed(statement, "Resource")):
        owner = next((c for c in configured if f"/{c}/" in resource), None)
        if owner is None or clients is None:
            resources.append(resource)
        else:
            resources += [resource.replace(f"/{owner}/", f"/{c}/") for c in clients]
    return {**statement, "Resource": list(dict.fromkeys(resources))}


_acting: ContextVar[tuple[Enforcer, str] | None] = ContextVar("payment_local_iam_acting", default=None)
_original_make_api_call = botocore.client.BaseClient._make_api_call


def _checked_make_api_call(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    acting = _acting.get()
    if acting is not None:
        enforcer, handler = acting
        enforcer.check(client, handler, operation_name, api_params)
    return _original_make_api_call(client, operation_name, api_params)


class Enforcer:
    """Checks and records the calls of the functions of one stack (see the module docstring).

    ``clients`` are the emulator's client names: a resource the stack grants per client (``imports/<client>/``
    of each configured client) is granted for each of them instead, as ``provision`` applies the per-client
    folder rules of the import bucket to them.
    """

    def __init__(self, stack: Any, clients: Sequence[str] | None = None) -> None:
        self._stack = stack
        configured = stack_client_names(stack) if clients is not None else []
        lambdas = stack.resources("aws_lambda_function")
        roles = stack.resources("aws_iam_role")
        self._functions: dict[str, _Function] = {}
        for handler, function in stack.functions.items():
            role = lambdas[function.logical_id]["role"]
            self._functions[handler] = _Function(
                name=function.function_name,
                role_name=roles.get(role.split(".")[1], {}).get("name", role),
                statements=[
                    _per_client(stack.substitute_account, s, configured, clients)
                    for s in role_statements(stack.document, role)
                ],
            )
        # The stack's resource ARNs (known once provisioned), longest first: a call's resource is written as the
        # reference of the longest one it starts with.
        self._arns = sorted(
            (
                (attributes["arn"], f"${{{rtype}.{logical_id}.arn}}")
                for (rtype, logical_id), attributes in stack.attributes.items()
                if attributes.get("arn")
            ),
            key=lambda pair: -len(pair[0]),
        )
        self._calls: dict[Call, int] = {}
        self._decisions: dict[tuple[str, str, str], str] = {}
        self._invocations: dict[str, int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def install() -> None:
        """Route every botocore call of this process through the enforcer of the invocation it is made in."""
        botocore.client.BaseClient._make_api_call = _checked_make_api_call  # type: ignore[method-assign]

    @contextmanager
    def acting_as(self, handler: str) -> Iterator[None]:
        """While the block runs, this thread's calls are the function's (``handler`` string) and checked."""
        with self._lock:
            self._invocations[handler] = self._invocations.get(handler, 0) + 1
        token = _acting.set((self, handler))
        try:
            yield
        finally:
            _acting.reset(token)

    def reference_of(self, arn: str) -> str:
        """``arn`` with the ARN of a stack resource it starts with written as that resource's reference."""
        for base, reference in self._arns:
            if arn == base or arn.startswith(base + "/"):
                return reference + arn[len(base) :]
        return arn

    def check(self, client: Any, handler: str, operation: str, params: Mapping[str, Any]) -> None:
        model = client.meta.service_model
        prefix = model.signing_name or model.endpoint_prefix
        arn = resource_of(prefix, operation, params, self._stack.region, self._stack.account_id)
        request = Request(action_of(prefix, operation, params), self.reference_of(arn))
        function = self._functions[handler]
        # A decision depends only on the role's statements and the request: evaluated once per function and call.
        remembered = (handler, request.action, request.resource)
        verdict = self._decisions.get(remembered)
        if verdict is None:
            verdict = self._decisions[remembered] = decision(function.statements, request)
        call = Call(function.name, handler, request.action, request.resource, verdict)
        with self._lock:
            self._calls[call] = self._calls.get(call, 0) + 1
        if verdict != ALLOW:
            raise ClientError(
                {
                    "Error": {
                        "Code": _DENIED_CODE.get(prefix, "AccessDeniedException"),
                        "Message": f"User: arn:aws:sts::{self._stack.account_id}:assumed-role/{function.role_name}/"
                        f"{function.name} is not authorized to perform: {request.action} on resource: {arn} because "
                        + ("an explicit deny" if verdict == EXPLICIT_DENY else "no identity-based policy allows")
                        + f" the {request.action} action",
                    },
                    "ResponseMetadata": {"HTTPStatusCode": 400 if prefix in ("dynamodb", "states") else 403},
                },
                operation,
            )

    def calls(self) -> list[dict[str, Any]]:
        """Every distinct call so far, with how often it was made."""
        with self._lock:
            return [{**vars(call), "count": count} for call, count in sorted(self._calls.items(), key=str)]

    def invocations(self) -> dict[str, int]:
        """How often each function (by handler string) was invoked, calls or not."""
        with self._lock:
            return dict(self._invocations)
