"""Read the synthesized CDKTF stack of one environment into what the emulator needs.

Everything the emulator creates or enforces comes from ``cdktf.out/stacks/payment-<env>/cdk.tf.json``:
table, queue, bucket and topic definitions, the functions with their handler strings and
environment, the deployed OpenAPI document (with its gateway responses), the usage plan and the
import bucket notification. Terraform references (``${aws_sqs_queue.X.url}``) are resolved after
the resources exist (:meth:`Stack.resolve`), because some attributes (queue URLs, ARNs) are only
known then.
"""

from __future__ import annotations

import json
import os
import re
import subprocess  # nosec B404 - runs our own main.py to synthesize, fixed argv
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payment_infra.config import ENVIRONMENT_NAMES

REPO_ROOT = Path(__file__).resolve().parent.parent
FAKE_ACCOUNT_ID = "123456789012"
ENVIRONMENTS = ENVIRONMENT_NAMES  # the matrix's columns (payment_infra/config/matrix.py): any can be emulated

_REF = re.compile(r"\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}")
_CALLER_ACCOUNT = re.compile(r"\$\{data\.aws_caller_identity\.[A-Za-z0-9_]+\.account_id\}")


class StackError(RuntimeError):
    """The synthesized stack is missing or does not hold what the emulator needs."""


@dataclass(frozen=True)
class FunctionDef:
    logical_id: str
    function_name: str
    handler: str
    environment: Mapping[str, str]
    """Raw variables; values may hold Terraform references (see :meth:`Stack.resolve`)."""
    timeout_seconds: int
    reserved_concurrency: int | None = None
    """``reserved_concurrent_executions``; ``None``: the function draws on the account's unreserved pool."""


@dataclass(frozen=True)
class UsagePlan:
    rate_limit: float
    burst_limit: int
    quota_limit: int | None
    quota_period: str | None


@dataclass
class Stack:
    """The parts of one synthesized stack the emulator uses; ``document`` is the raw JSON."""

    env: str
    path: Path
    document: dict[str, Any]
    region: str
    account_id: str = FAKE_ACCOUNT_ID
    attributes: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    """Runtime attributes (``url``, ``arn``, ``name``...) of created resources, by (type, logical id)."""

    # -- raw resources ---------------------------------------------------------

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return dict(self.document.get("resource", {}).get(resource_type, {}))

    def region_of(self, spec: Mapping[str, Any]) -> str:
        """The region of a resource: its ``provider`` alias's (``aws.fallback``), else the stack's."""
        alias = str(spec.get("provider") or "").removeprefix("aws.")
        if not alias:
            return self.region
        for provider in self.document.get("provider", {}).get("aws", []):
            if provider.get("alias") == alias:
                return str(provider.get("region") or self.region)
        raise StackError(f"{self.path}: no aws provider with alias {alias!r}")

    def local_resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The resources of the stack's own region (not those of an aliased provider in another region)."""
        return {k: v for k, v in self.resources(resource_type).items() if self.region_of(v) == self.region}

    def substitute_account(self, value: str) -> str:
        return _CALLER_ACCOUNT.sub(self.account_id, value)

    @property
    def functions(self) -> dict[str, FunctionDef]:
        """By handler string (``payments.handlers.transactions.handler``)."""
        result = {}
        for logical_id, spec in self.resources("aws_lambda_function").items():
            result[spec["handler"]] = FunctionDef(
                logical_id=logical_id,
                function_name=spec["function_name"],
                handler=spec["handler"],
                environment=dict((spec.get("environment") or {}).get("variables") or {}),
                timeout_seconds=int(spec.get("timeout", 30)),
                reserved_concurrency=(
                    int(spec["reserved_concurrent_executions"])
                    if spec.get("reserved_concurrent_executions") is not None
                    else None
                ),
            )
        return result

    @property
    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document API Gateway is deployed from (with its ``x-amazon-apigateway-*`` keys)."""
        apis = self.resources("aws_api_gateway_rest_api")
        if len(apis) != 1:
            raise StackError(f"expected one aws_api_gateway_rest_api in {self.path}, found {len(apis)}")
        (api,) = apis.values()
        return json.loads(api["body"])

    @property
    def stage_name(self) -> str:
        stages = self.resources("aws_api_gateway_stage")
        return next(iter(stages.values()))["stage_name"] if stages else self.env

    @property
    def usage_plan(self) -> UsagePlan | None:
        plans = self.resources("aws_api_gateway_usage_plan")
        if not plans:
            return None
        plan = next(iter(plans.values()))
        throttle = plan.get("throttle_settings") or {}
        quota = plan.get("quota_settings") or {}
        return UsagePlan(
            rate_limit=float(throttle.get("rate_limit", 10_000)),
            burst_limit=int(throttle.get("burst_limit", 5_000)),
            quota_limit=int(quota["limit"]) if "limit" in quota else None,
            quota_period=quota.get("period"),
        )

    def handler_for_arn_ref(self, ref: str) -> str:
        """The handler string of the function a ``${aws_lambda_function.X.<attr>}`` reference names."""
        match = _REF.fullmatch(ref)
        if not match or match.group(1) != "aws_lambda_function":
            raise StackError(f"not a Lambda function reference: {ref!r}")
        return self.resources("aws_lambda_function")[match.group(2)]["handler"]

    # -- references ------------------------------------------------------------

    def resolve(self, value: str) -> str:
        """``value`` with every Terraform reference replaced by the created resource's attribute."""

        def replace(match: re.Match[str]) -> str:
            key = (match.group(1), match.group(2))
            attribute = match.group(3)
            try:
                return self.attributes[key][attribute]
            except KeyError:
                raise StackError(f"cannot resolve ${{{match.group(0)[2:-1]}}}: resource not created") from None

        return _REF.sub(replace, self.substitute_account(value))

    def resolved_environment(self, handler: str) -> dict[str, str]:
        return {name: self.resolve(value) for name, value in self.functions[handler].environment.items()}


def stack_path(env: str, outdir: Path | None = None) -> Path:
    return (outdir or REPO_ROOT / "cdktf.out") / "stacks" / f"payment-{env}" / "cdk.tf.json"


def synthesize(timeout: float = 300, deployment: str | None = None) -> None:
    """Run ``main.py`` (the same as ``make synth``) to write ``cdktf.out/``; with ``deployment`` (a preview's
    name) as PAYMENT_DEPLOYMENT, so its stack is written too."""
    environ = dict(os.environ)
    if deployment and deployment not in ENVIRONMENTS:
        environ["PAYMENT_DEPLOYMENT"] = deployment
    subprocess.run(  # noqa: S603 # nosec B603 - fixed argv: this interpreter and the repository's main.py
        [sys.executable, str(REPO_ROOT / "main.py")],
        cwd=REPO_ROOT,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
        env=environ,
    )


def check_deployment_name(env: str) -> None:
    """An environment, or a preview name as PAYMENT_DEPLOYMENT accepts it (payment_infra's rule)."""
    if env in ENVIRONMENTS:
        return
    from payment_infra.config import deployment_name_problems

    for _, value, allowed in deployment_name_problems(env, "env"):
        raise StackError(f"env = {value!r}: allowed {', '.join(ENVIRONMENTS)} or a preview name, {allowed}")


def load_stack(env: str = "dev", *, path: Path | None = None, synth_if_missing: bool = True) -> Stack:
    """Parse the synthesized stack of ``env``; synthesize first if there is none and allowed."""
    check_deployment_name(env)
    path = path or stack_path(env)
    if not path.exists():
        if not synth_if_missing:
            raise StackError(f"{path} does not exist; run `make synth` first")
        synthesize(deployment=env)
    document = json.loads(path.read_text(encoding="utf-8"))
    providers = document.get("provider", {}).get("aws", [{}])
    region = providers[0].get("region") or "us-east-1"
    return Stack(env=env, path=path, document=document, region=region)
