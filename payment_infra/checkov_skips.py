"""Every checkov check this project skips, and why — in one place.

Checkov's ``terraform_json`` framework has no inline suppression of its own, so a skip is written on the
resource itself as ``"//": {"checkov": {"skip": [{"id": ..., "comment": ...}]}}`` and honoured by
``scripts/checkov_gate.py``, which fails on any failed check without such a skip and on any skip that no
longer matches a failure. ``RULES`` apply to every resource of a provider class (``apply_checkov_skips``);
``skip()`` marks a single resource. The table of skips in docs/testing.md is checked against the synthesized stacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import IConstruct

from payment_infra.aws import (
    ApiGatewayMethodSettings,
    ApiGatewayStage,
    CloudwatchLogGroup,
    LambdaFunction,
    S3Bucket,
    SfnStateMachine,
)
from payment_infra.framework import TerraformResource

SKIP_PATH = "//.checkov.skip"


@dataclass(frozen=True)
class Skip:
    check_id: str
    justification: str


@dataclass(frozen=True)
class Rule:
    resource_class: type
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
    "Only receipts replicate, and only with dr.enabled: logs and batch uploads (re-sent after a failover) do not",
)
NO_EXECUTION_DATA = Skip(
    "CKV_AWS_285",
    "Logs every event (level ALL) but without execution data, which holds customer ids and amounts",
)
ACCESS_LOGS_ARE_NOT_EVENTS = Skip(
    "CKV2_AWS_62", "Access-log objects are not business events; notifying on them would only add noise"
)

# Disaster recovery (docs/disaster-recovery.md): the receipts' replica in the fallback region is built by the
# primary stack; the standby stack, applied after it, sets its access logging and events (its logs bucket is there).
REPLICA_LOGGED_BY_STANDBY = Skip(
    "CKV_AWS_18", "The replica's access logging is set by the standby stack (into its logs bucket, in its region)"
)
REPLICA_EVENTS_BY_STANDBY = Skip(
    "CKV2_AWS_62", "The replica's event notification is set by the standby stack, which consumes it after a failover"
)
API_KEYS_ROTATE_BY_VERSION = Skip(
    "CKV2_AWS_57",
    "API key values rotate by adding a key version (docs/configuration.md, Clients); the secret mirrors API Gateway",
)

UNRESERVED_POOL = Skip(
    "CKV_AWS_115",
    "Draws from the unreserved pool on purpose (a preview, or PAYMENT_RESERVE_CONCURRENCY=false); the stage throttles",
)
RULES: tuple[Rule, ...] = (
    Rule(CloudwatchLogGroup, LOG_RETENTION),
    Rule(LambdaFunction, CODE_SIGNING),
    Rule(ApiGatewayStage, NO_CACHING),
    Rule(ApiGatewayStage, NO_CLIENT_CERTIFICATE),
    Rule(ApiGatewayMethodSettings, NO_METHOD_CACHING),
    Rule(S3Bucket, NO_REPLICATION),
    Rule(SfnStateMachine, NO_EXECUTION_DATA),
)


def skip(resource: TerraformResource, *skips: Skip) -> None:
    """Mark one resource with skips (merged with the rule-based ones by ``apply_checkov_skips``)."""
    existing = getattr(resource, "_payment_checkov_skips", ())
    resource._payment_checkov_skips = (*existing, *skips)  # type: ignore[attr-defined]


def unskip(resource: TerraformResource, rule: Skip) -> None:
    """Exempt one resource from a rule's skip: the check passes on it (a replicated bucket and its replica)."""
    resource._payment_checkov_unskipped = (*getattr(resource, "_payment_checkov_unskipped", ()), rule)  # type: ignore[attr-defined]


def apply_checkov_skips(scope: IConstruct) -> None:
    """Write the skips of ``RULES`` and of ``skip()`` onto every resource under ``scope``.

    Call it once, after everything in the stack is built. A plain Python walk matching on the provider
    classes (no jsii round trip per rule) replaced a cdktf aspect: the aspect's per-node callbacks from the
    jsii kernel into Python cost ~0.2 s of synth per stack.
    """
    for node in scope.node.find_all():
        exempt = getattr(node, "_payment_checkov_unskipped", ())
        skips = [rule.skip for rule in RULES if isinstance(node, rule.resource_class) and rule.skip not in exempt]
        skips += list(getattr(node, "_payment_checkov_skips", ()))
        if skips:
            node.add_override(  # type: ignore[attr-defined]
                SKIP_PATH,
                [{"id": s.check_id, "comment": s.justification} for s in sorted(set(skips), key=lambda s: s.check_id)],
            )
