"""The data key of a deployment with a standby: a NEW multi-region key beside the single-region one, never in place.

``multi_region`` is ForceNew on ``aws_kms_key``: flipping it on the existing data key would make Terraform schedule
that key's deletion and create another, while the tables' point-in-time backups, the Step Functions execution
history (90 days) and any object encrypted under it still need it; once the deletion window passes they are
undecryptable. So the deployment keeps its single-region key (same address, enabled, rotated, renamed
``alias/payment-data-single-region-<env>``) and adds a multi-region one (``alias/payment-data-<env>`` moves to it).
Every user switches to the new key in the same apply: DynamoDB re-encrypts the tables online, Lambda the environment
variables, Step Functions new executions. Remove the old key only after the oldest backup or execution that needs it
is gone (docs/disaster-recovery.md, "Enabling DR on an existing deployment").
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import KmsAlias, KmsKey
from payment_infra.constructs.kms import DATA_KEY_USE, KeyRef, data_key_statements, key_policy
from payment_infra.context import DeploymentContext

MULTI_REGION_ID = "data_multi_region"
SINGLE_REGION_ALIAS_ID = "data_single_region_alias"


def multi_region_data_key(keys: Construct, ctx: DeploymentContext, single_region: KeyRef) -> KeyRef:
    """The multi-region data key under ``keys`` (KmsKeys), named by the data alias; ``single_region`` stays."""
    key = KmsKey(
        keys,
        MULTI_REGION_ID,
        description=f"payment-api {ctx.config.name}: {DATA_KEY_USE} (multi-region primary; replica in "
        f"{ctx.config.fallback_region})",
        enable_key_rotation=True,
        multi_region=True,
        deletion_window_in_days=ctx.config.kms_deletion_window_days,
        policy=key_policy(ctx, data_key_statements(ctx)),
    )
    key_id = key.key_id
    alias = keys.node.find_child("data_alias")  # customer_managed_key's alias of the data key
    alias.target_key_id = key_id  # type: ignore[attr-defined]  (UpdateAlias: in place, the name stays)
    KmsAlias(
        keys,
        SINGLE_REGION_ALIAS_ID,
        name=f"alias/{ctx.naming.name('payment-data-single-region')}",
        target_key_id=single_region.key_id,
    )
    return KeyRef(arn=key.arn, key_id=key_id, alias=single_region.alias)
