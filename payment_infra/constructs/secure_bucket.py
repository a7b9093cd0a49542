"""One S3 bucket with every control a payment system expects, on by default.

Versioning, SSE-KMS with a bucket key, all public access blocked, bucket-owner-enforced ownership, a
TLS-only policy, lifecycle expiry of current and noncurrent versions, and server access logging to the
logs bucket. The only way to weaken it is ``force_destroy`` (from the environment's ``destroyable``).
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import (
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLoggingA,
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from payment_infra.constructs.kms import KeyRef

ABORT_INCOMPLETE_UPLOADS_DAYS = 1


class SecureBucket(Construct):
    """A private, encrypted, versioned bucket. ``log_to`` is the access-log target (None only for the log bucket)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        key: KeyRef,
        expiration_days: int,
        force_destroy: bool,
        log_to: SecureBucket | None,
        extra_policy_statements: Sequence[policies.Statement] = (),
    ):
        super().__init__(scope, id_)
        self.bucket = S3Bucket(self, "bucket", bucket=name, force_destroy=force_destroy)
        bucket_id = self.bucket.id  # read once: every attribute read is a round trip to the jsii kernel
        self.bucket_id: str = bucket_id
        self.name: str = self.bucket.bucket
        self.arn: str = self.bucket.arn
        self.key_arn: str = key.arn  # what callers of the bucket encrypt and decrypt with (SSE-KMS)
        # Replication (constructs/replication.py) waits for it: S3 refuses replication on an unversioned bucket.
        self.versioning = S3BucketVersioningA(
            self,
            "versioning",
            bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=bucket_id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
        )
        self.public_access_block = S3BucketPublicAccessBlock(
            self,
            "public_access_block",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=bucket_id,
            rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket_id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-current-and-noncurrent-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=expiration_days)],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=expiration_days)
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=ABORT_INCOMPLETE_UPLOADS_DAYS
                        )
                    ],
                )
            ],
        )
        self.policy = S3BucketPolicy(
            self,
            "policy",
            bucket=bucket_id,
            policy=policies.document(
                [
                    policies.deny_insecure_transport("s3", [self.arn, f"{self.arn}/*"]),
                    *extra_policy_statements,
                ]
            ),
            # A policy put before the public access block can be rejected as public; order them.
            depends_on=[self.public_access_block],
        )
        if log_to is not None:
            S3BucketLoggingA(
                self,
                "access_logging",
                bucket=bucket_id,
                target_bucket=log_to.bucket_id,
                target_prefix=f"s3-access/{name}/",
            )
