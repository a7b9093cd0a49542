"""Where Terraform state lives: local by default, S3 with locking when ``PAYMENT_STATE_BUCKET`` is set.

Environment variables:
    PAYMENT_STATE_BUCKET      S3 bucket for state (enables the S3 backend)
    PAYMENT_STATE_REGION      region of that bucket (default: the environment's region)
    PAYMENT_STATE_KEY_PREFIX  key prefix (default ``payment-api``); key is ``{prefix}/{name}/terraform.tfstate``
                              (``name``: the deployment, e.g. ``dev``, or ``account`` for the account baseline)
    PAYMENT_STATE_LOCK_TABLE  DynamoDB lock table; without it, S3 native locking (``use_lockfile``) is used
    PAYMENT_STATE_KMS_KEY_ID  KMS key for state encryption (default: the bucket's default encryption)
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
    bucket = environ.get("PAYMENT_STATE_BUCKET", "").strip()
    if not bucket:
        LocalBackend(stack, path=f"terraform.{config.stack_id}.tfstate")
        return
    lock_table = environ.get("PAYMENT_STATE_LOCK_TABLE", "").strip()
    kms_key_id = environ.get("PAYMENT_STATE_KMS_KEY_ID", "").strip()
    S3Backend(
        stack,
        bucket=bucket,
        key=state_key(config.name, environ),
        region=environ.get("PAYMENT_STATE_REGION", "").strip() or config.region,
        encrypt=True,
        dynamodb_table=lock_table or None,
        kms_key_id=kms_key_id or None,
    )
    if not lock_table:
        # Terraform >= 1.10 locks with a lock file next to the state; cdktf 0.21's S3Backend has no field for it.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
