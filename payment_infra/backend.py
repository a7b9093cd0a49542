"""Where Terraform state lives: local by default, S3 with locking when ``PAYMENT_STATE_BUCKET`` is set.

Environment variables:
    PAYMENT_STATE_BUCKET      S3 bucket for state (enables the S3 backend)
    PAYMENT_STATE_REGION      region of that bucket (default: the environment's region)
    PAYMENT_STATE_KEY_PREFIX  key prefix (default ``payment-api``); key is ``{prefix}/{name}/terraform.tfstate``
                              (``name``: the deployment, e.g. ``dev``, or ``account`` for the account baseline)
    PAYMENT_STATE_LOCK_TABLE  DynamoDB lock table; without it, S3 native locking (``use_lockfile``) is used
    PAYMENT_STATE_KMS_KEY_ID  KMS key for state encryption (default: the bucket's default encryption)

The standby stacks (``payment-<env>-dr``, ``payment-account-dr``, docs/disaster-recovery.md) keep their state in the
fallback region, so losing the primary region's state bucket does not stop a failover deploy:
    PAYMENT_DR_STATE_BUCKET   their S3 bucket, in the fallback region (required once PAYMENT_STATE_BUCKET is set)
    PAYMENT_DR_STATE_REGION   its region (default: the standby's region)
    PAYMENT_DR_STATE_LOCK_TABLE, PAYMENT_DR_STATE_KMS_KEY_ID   as above, in that region
The prefix is shared (``PAYMENT_STATE_KEY_PREFIX``); the name is the standby's (``prod-dr``, ``account-dr``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from payment_infra.config import AccountConfig, EnvironmentConfig
from payment_infra.framework import LocalBackend, S3Backend, TerraformStack


def state_key(name: str, environ: Mapping[str, str] | None = None) -> str:
    """``{prefix}/{name}/terraform.tfstate``: one state object per stack."""
    environ = os.environ if environ is None else environ
    prefix = environ.get("PAYMENT_STATE_KEY_PREFIX", "payment-api").strip().strip("/")
    return f"{prefix}/{name}/terraform.tfstate"


def configure_backend(
    stack: TerraformStack, config: EnvironmentConfig | AccountConfig, environ: Mapping[str, str] | None = None
) -> None:
    environ = os.environ if environ is None else environ
    _backend(stack, f"payment-{config.name}", config.name, config.region, environ, "PAYMENT_STATE")


def configure_standby_backend(
    stack: TerraformStack, name: str, region: str, environ: Mapping[str, str] | None = None
) -> None:
    """A standby stack's state (``name``: ``prod-dr``): in the fallback region's bucket, never the primary's."""
    environ = os.environ if environ is None else environ
    if environ.get("PAYMENT_STATE_BUCKET", "").strip() and not environ.get("PAYMENT_DR_STATE_BUCKET", "").strip():
        from payment_infra.config import ConfigError

        allowed = (
            f"a state bucket in {region} (PAYMENT_DR_STATE_BUCKET): with its state in the primary region's bucket "
            f"(PAYMENT_STATE_BUCKET) the standby payment-{name} could not be deployed once that region is lost; "
            "or PAYMENT_DR_ENABLED=false"
        )
        raise ConfigError(name, [("PAYMENT_DR_STATE_BUCKET", "", allowed)], scope="deployment")
    _backend(stack, f"payment-{name}", name, region, environ, "PAYMENT_DR_STATE")


def _backend(
    stack: TerraformStack, stack_id: str, name: str, region: str, environ: Mapping[str, str], variables: str
) -> None:
    """Local state, or S3 with the ``{variables}_*`` settings (``PAYMENT_STATE`` or ``PAYMENT_DR_STATE``)."""
    bucket = environ.get(f"{variables}_BUCKET", "").strip()
    if not bucket:
        LocalBackend(stack, path=f"terraform.{stack_id}.tfstate")
        return
    lock_table = environ.get(f"{variables}_LOCK_TABLE", "").strip()
    kms_key_id = environ.get(f"{variables}_KMS_KEY_ID", "").strip()
    S3Backend(
        stack,
        bucket=bucket,
        key=state_key(name, environ),
        region=environ.get(f"{variables}_REGION", "").strip() or region,
        encrypt=True,
        dynamodb_table=lock_table or None,
        kms_key_id=kms_key_id or None,
    )
    if not lock_table:
        # Terraform >= 1.10 locks with a lock file next to the state; cdktf 0.21's S3Backend has no field for it.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
