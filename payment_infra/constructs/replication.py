"""The payment data of a deployment with a standby, replicated to ``fallback_region`` (built by the primary stack).

- Transactions and idempotency records: DynamoDB global tables (version 2019.11.21), a ``replica`` block on each
  table in ``fallback_region`` with point-in-time recovery and the data key's replica; a replica needs the table's
  stream with ``NEW_AND_OLD_IMAGES`` (facts.md; the provider's aws_dynamodb_table docs). Replication is
  asynchronous, typically under a second (the RPO); an alarm fires when ``ReplicationLatency`` exceeds
  ``dr.replication_latency_alarm_seconds``.
- The data key's replica (``aws_kms_replica_key``, alias ``alias/payment-data-<env>-dr``): same key material, its
  own policy (IAM of this account, and the fallback region's log delivery for the standby's state machine).
- Receipts: S3 replication of every object of the receipts bucket into a versioned bucket in ``fallback_region``,
  re-encrypted there with the replica key, by a role that may do exactly that. Its access logging and event
  notifications are set by the standby stack (its logs bucket lives there). Batch imports are not replicated:
  after a failover a client re-sends the batch to the standby's import bucket (docs/disaster-recovery.md).
- The clients' API key values, in a Secrets Manager secret with a replica in ``fallback_region``: the standby
  creates its keys with the same values, so a client keeps its key after a failover.

The primary owns all of it (its state), because its tables' replicas need the replica key before the standby
exists; the standby only reads these by name in its own region, so it plans and applies without the primary region.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from constructs import Construct

from payment_infra import policies
from payment_infra.aws import (
    AwsProvider,
    CloudwatchMetricAlarm,
    DynamodbTable,
    DynamodbTableReplica,
    IamRole,
    IamRolePolicy,
    KmsAlias,
    KmsReplicaKey,
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
    SecretsmanagerSecret,
    SecretsmanagerSecretReplica,
    SecretsmanagerSecretVersion,
)
from payment_infra.checkov_skips import (
    API_KEYS_ROTATE_BY_VERSION,
    NO_REPLICATION,
    REPLICA_EVENTS_BY_STANDBY,
    REPLICA_LOGGED_BY_STANDBY,
    skip,
    unskip,
)
from payment_infra.constructs.api_clients import ClientKey
from payment_infra.constructs.kms import KeyRef, data_key_statements, key_policy
from payment_infra.constructs.messaging import TopicRef
from payment_infra.constructs.secure_bucket import SecureBucket
from payment_infra.context import DeploymentContext
from payment_infra.dr_settings import standby_name
from payment_infra.naming import Naming
from payment_infra.regional import place_in

#: What a global table's replica requires of the table's stream.
GLOBAL_TABLE_STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"
# S3 live replication with SSE-KMS (S3 User Guide, "Setting up permissions for live replication" and "Replicating
# objects created with server-side encryption (SSE-KMS)"): the role reads versions of the source, replicates into
# the destination, decrypts with the source key and encrypts with the destination key through S3 only.
SOURCE_BUCKET_ACTIONS = ("s3:GetReplicationConfiguration", "s3:ListBucket")
SOURCE_OBJECT_ACTIONS = ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging")
DESTINATION_OBJECT_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")
REPLICATION_LATENCY_PERIOD_SECONDS = 60
REPLICATION_LATENCY_EVALUATION_PERIODS = 3


def standby_naming(ctx: DeploymentContext) -> Naming:
    """Names in ``fallback_region``: the standby's (``<type>-<env>-dr``), never a primary's."""
    return Naming(standby_name(ctx.config.name), account_id=ctx.account_id)


def replica_key_alias(naming: Naming) -> str:
    """``alias/payment-data-prod-dr``: the data key's replica, as the standby finds it."""
    return f"alias/{naming.name('payment-data')}"


def api_keys_secret_name(naming: Naming) -> str:
    """``payment-api-keys-prod``: the primary's secret and its replica (same name in both regions)."""
    return naming.name("payment-api-keys")


class DataReplication(Construct):
    """Exposes ``replica_key`` (KeyRef in ``fallback_region``), ``receipts_replica`` and ``api_keys_secret_name``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: DeploymentContext,
        *,
        provider: AwsProvider,
        data_key: KeyRef,
        storage_key: KeyRef,
        tables: tuple[DynamodbTable, ...],
        receipts: SecureBucket,
        client_keys: list[ClientKey],
        alarm_topic: TopicRef,
    ):
        super().__init__(scope, id_)
        config = ctx.config
        fallback = dataclasses.replace(ctx, region=config.fallback_region, naming=standby_naming(ctx))
        self.replica_key = self._replica_key(fallback, data_key, provider)
        for table in tables:
            table.stream_enabled = True
            table.stream_view_type = GLOBAL_TABLE_STREAM_VIEW_TYPE
            table.put_replica(
                [
                    DynamodbTableReplica(
                        region_name=config.fallback_region,
                        kms_key_arn=self.replica_key.arn,
                        point_in_time_recovery=True,
                        propagate_tags=True,
                        deletion_protection_enabled=not config.destroyable,
                    )
                ]
            )
        self.receipts_replica = self._receipts_replica(ctx, fallback, receipts, storage_key, provider)
        self.api_keys_secret_name = self._api_keys_secret(ctx, data_key, client_keys)
        replication_latency_alarms(
            self,
            ctx,
            {table.node.id: table.name for table in tables},
            receiving_region=config.fallback_region,
            topic=alarm_topic,
        )

    def _replica_key(self, fallback: DeploymentContext, data_key: KeyRef, provider: AwsProvider) -> KeyRef:
        key = KmsReplicaKey(
            self,
            "data_replica_key",
            primary_key_arn=data_key.arn,
            description=f"payment-api {fallback.config.name}: replica of the data key for the standby in "
            f"{fallback.region}",
            deletion_window_in_days=fallback.config.kms_deletion_window_days,
            # Its own policy: the standby's state machine in this region logs through delivery.logs, like the primary's.
            policy=key_policy(fallback, data_key_statements(fallback)),
            provider=provider,
        )
        key_id = key.key_id
        alias = KmsAlias(
            self, "data_replica_alias", name=replica_key_alias(fallback.naming), target_key_id=key_id, provider=provider
        )
        return KeyRef(arn=key.arn, key_id=key_id, alias=alias.name)

    def _receipts_replica(
        self,
        ctx: DeploymentContext,
        fallback: DeploymentContext,
        receipts: SecureBucket,
        storage_key: KeyRef,
        provider: AwsProvider,
    ) -> SecureBucket:
        config = ctx.config
        replica = SecureBucket(
            self,
            "receipts_replica",
            name=fallback.naming.bucket("receipts"),
            key=self.replica_key,
            expiration_days=config.retention.s3_expiration_days,
            force_destroy=config.destroyable,
            log_to=None,  # set by the standby stack, into its logs bucket (constructs/standby_storage.py)
        )
        skip(replica.bucket, REPLICA_LOGGED_BY_STANDBY, REPLICA_EVENTS_BY_STANDBY)
        for bucket in (receipts, replica):  # the replication configuration joins them: checkov's check passes
            unskip(bucket.bucket, NO_REPLICATION)
        place_in(replica, provider)
        self._replicate(ctx, fallback, receipts, replica, storage_key)
        return replica

    def _replicate(
        self,
        ctx: DeploymentContext,
        fallback: DeploymentContext,
        receipts: SecureBucket,
        replica: SecureBucket,
        storage_key: KeyRef,
    ) -> None:
        """Live replication of every object of ``receipts`` into ``replica``, by a role that may do just that."""
        role_name = f"{ctx.naming.name('payment-receipts-replication')}-role"
        role = IamRole(
            self,
            "receipts_replication_role",
            name=role_name,
            description=f"S3 replication of {receipts.name} to {replica.name} only",
            assume_role_policy=policies.assume_role_policy(
                "s3.amazonaws.com", source_account=ctx.account_id, source_arn=receipts.arn
            ),
        )
        statements = replication_statements(ctx, fallback, receipts, replica, storage_key, self.replica_key)
        policy = IamRolePolicy(
            self,
            "receipts_replication_policy",
            name="least-privilege",
            role=role.id,
            policy=policies.document(statements),
        )
        S3BucketReplicationConfigurationA(
            self,
            "receipts_replication",
            bucket=receipts.bucket_id,
            role=role.arn,
            rule=[
                S3BucketReplicationConfigurationRule(
                    id="receipts-to-standby-region",
                    status="Enabled",
                    filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                    # A lifecycle expiry in the primary does not delete the replica's copy; it expires on its own.
                    delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                        status="Disabled"
                    ),
                    # Objects encrypted with SSE-KMS replicate only when asked to (and only then can the destination
                    # re-encrypt them with replica_kms_key_id).
                    source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                        sse_kms_encrypted_objects=S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                            status="Enabled"
                        )
                    ),
                    destination=S3BucketReplicationConfigurationRuleDestination(
                        bucket=replica.arn,
                        storage_class="STANDARD",
                        encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                            replica_kms_key_id=self.replica_key.arn
                        ),
                    ),
                )
            ],
            # S3 refuses replication until both buckets are versioned; the role must hold its policy first.
            depends_on=[receipts.versioning, replica.versioning, policy],
        )

    def _api_keys_secret(self, ctx: DeploymentContext, data_key: KeyRef, client_keys: list[ClientKey]) -> str:
        name = api_keys_secret_name(ctx.naming)
        secret = SecretsmanagerSecret(
            self,
            "api_keys",
            name=name,
            description="API key values of every client, read by the standby in "
            f"{ctx.config.fallback_region} so a client keeps its key after a failover",
            kms_key_id=data_key.arn,
            recovery_window_in_days=0 if ctx.config.destroyable else 30,
            replica=[SecretsmanagerSecretReplica(region=ctx.config.fallback_region, kms_key_id=self.replica_key.arn)],
        )
        skip(secret, API_KEYS_ROTATE_BY_VERSION)
        SecretsmanagerSecretVersion(
            self,
            "api_keys_value",
            secret_id=secret.id,
            secret_string=json.dumps({secret_key(key.client, key.version): key.value for key in client_keys}),
        )
        return name


def secret_key(client: str, version: int) -> str:
    """A key's entry in the API keys secret: ``default/v1``."""
    return f"{client}/v{version}"


def replication_statements(
    ctx: DeploymentContext,
    fallback: DeploymentContext,
    source: SecureBucket,
    destination: SecureBucket,
    source_key: KeyRef,
    destination_key: KeyRef,
) -> list[policies.Statement]:
    """What S3 replication of ``source`` into ``destination`` needs, and nothing else."""

    def through_s3(region: str, bucket_arn: str) -> dict[str, dict[str, object]]:
        # With S3 Bucket Keys the encryption context is the bucket's ARN, without them the object's.
        return {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
        }

    return [
        policies.allow(list(SOURCE_BUCKET_ACTIONS), [source.arn], sid="ReadReplicationConfiguration"),
        policies.allow(list(SOURCE_OBJECT_ACTIONS), [f"{source.arn}/*"], sid="ReadSourceVersions"),
        policies.allow(list(DESTINATION_OBJECT_ACTIONS), [f"{destination.arn}/*"], sid="ReplicateIntoDestination"),
        policies.allow(
            ["kms:Decrypt"], [source_key.arn], sid="DecryptSource", conditions=through_s3(ctx.region, source.arn)
        ),
        policies.allow(
            ["kms:Encrypt", "kms:GenerateDataKey"],
            [destination_key.arn],
            sid="EncryptReplica",
            conditions=through_s3(fallback.region, destination.arn),
        ),
    ]


def replication_latency_alarms(
    scope: Construct, ctx: DeploymentContext, tables: dict[str, str], *, receiving_region: str, topic: TopicRef
) -> None:
    """Alarm when writes made in ``ctx``'s region reach ``receiving_region`` later than the RPO setting.

    ``tables``: label (``transactions``) -> table name. DynamoDB publishes ``ReplicationLatency`` in the region that
    wrote, per table and receiving region.
    """
    threshold_ms = ctx.config.dr.replication_latency_alarm_seconds * 1000
    for label, table_name in tables.items():
        CloudwatchMetricAlarm(
            scope,
            f"{label}_replication_latency",
            alarm_name=ctx.naming.name(f"payment-{label}-replication-latency"),
            alarm_description=f"Writes to {table_name} reach {receiving_region} more than {threshold_ms} ms late "
            "(RPO: docs/disaster-recovery.md)",
            namespace="AWS/DynamoDB",
            metric_name="ReplicationLatency",
            dimensions={"TableName": table_name, "ReceivingRegion": receiving_region},
            statistic="Maximum",
            period=REPLICATION_LATENCY_PERIOD_SECONDS,
            evaluation_periods=REPLICATION_LATENCY_EVALUATION_PERIODS,
            threshold=threshold_ms,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",  # no writes, no latency
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
        )


def replicate_data(api: Any, fallback: AwsProvider | None) -> DataReplication | None:
    """The replication of ``api`` (a ``PaymentApiConstruct``) when its deployment has a standby, else None."""
    if not api.config.dr.enabled or api.parts.is_standby:
        return None
    if fallback is None:
        raise ValueError(f"{api.config.name} has dr.enabled: its stack must pass the fallback provider (regional.py)")
    return DataReplication(
        api,
        "replication",
        api.context,
        provider=fallback,
        data_key=api.keys.data,
        storage_key=api.keys.storage,
        tables=api.database.tables,
        receipts=api.storage.receipts,
        client_keys=api.client_keys.keys,
        alarm_topic=api.messaging.alarms,
    )
