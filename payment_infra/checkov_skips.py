"""Every checkov check this project skips, and why — in one place.

Checkov's ``terraform_json`` framework has no inline suppression of its own, so a skip is written on the
resource itself as ``"//": {"checkov": {"skip": [{"id": ..., "comment": ...}]}}`` and honoured by
``scripts/checkov_gate.py``, which fails on any failed check without such a skip and on any skip that no
longer matches a failure. ``RULES`` apply to every resource of a type (through an aspect on the stack);
``skip()`` marks a single resource. The README's table of skips is checked against the synthesized stacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsii
from cdktf import IAspect, TerraformResource
from constructs import IConstruct

SKIP_PATH = "//.checkov.skip"


@dataclass(frozen=True)
class Skip:
    check_id: str
    justification: str


@dataclass(frozen=True)
class Rule:
    resource_type: str
    skip: Skip


LOG_RETENTION = Skip(
    "CKV_AWS_338",
    "Retention is the product's per-environment requirement (7/14/30 days), not a year",
)
CODE_SIGNING = Skip(
    "CKV_AWS_272",
    "Packages are built from the reviewed repo and deployed only by CI's OIDC role; no AWS Signer",
)
NO_CACHING = Skip("CKV_AWS_120", "Caching is off on purpose: payment reads must never be served stale")
NO_METHOD_CACHING = Skip("CKV_AWS_225", "Caching is off on purpose: payment reads must never be served stale")
NO_CLIENT_CERTIFICATE = Skip(
    "CKV2_AWS_51", "Clients authenticate with API keys over TLS; mutual TLS needs a custom domain, out of scope"
)
NO_REPLICATION = Skip(
    "CKV_AWS_144",
    "Single-region deployment, no DR region provisioned yet; the source of truth (DynamoDB) has PITR",
)
NO_EXECUTION_DATA = Skip(
    "CKV_AWS_285",
    "Logs every event (level ALL) but without execution data, which holds customer ids and amounts",
)
ACCESS_LOGS_ARE_NOT_EVENTS = Skip(
    "CKV2_AWS_62", "Access-log objects are not business events; notifying on them would only add noise"
)

RULES: tuple[Rule, ...] = (
    Rule("aws_cloudwatch_log_group", LOG_RETENTION),
    Rule("aws_lambda_function", CODE_SIGNING),
    Rule("aws_api_gateway_stage", NO_CACHING),
    Rule("aws_api_gateway_stage", NO_CLIENT_CERTIFICATE),
    Rule("aws_api_gateway_method_settings", NO_METHOD_CACHING),
    Rule("aws_s3_bucket", NO_REPLICATION),
    Rule("aws_sfn_state_machine", NO_EXECUTION_DATA),
)


def skip(resource: TerraformResource, *skips: Skip) -> None:
    """Mark one resource with skips (merged with any rule-based ones by the aspect)."""
    existing = getattr(resource, "_payment_checkov_skips", ())
    resource._payment_checkov_skips = (*existing, *skips)  # type: ignore[attr-defined]


@jsii.implements(IAspect)
class CheckovSkips:
    """Writes the skip metadata of ``RULES`` and of ``skip()`` onto each resource at synth."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource):
            return
        skips = [rule.skip for rule in RULES if rule.resource_type == node.terraform_resource_type]
        skips += list(getattr(node, "_payment_checkov_skips", ()))
        if skips:
            node.add_override(
                SKIP_PATH,
                [{"id": s.check_id, "comment": s.justification} for s in sorted(set(skips), key=lambda s: s.check_id)],
            )
