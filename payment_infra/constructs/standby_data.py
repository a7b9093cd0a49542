"""The warm standby's data parts: what the primary replicated into this region, read by name, never copied.

The primary stack (constructs/replication.py) built the table replicas, the data key's replica, the receipts' replica
bucket and the API keys secret's replica in this region. The standby reads them with data sources of this region
only, so it plans and applies while the primary region is down:

- ``StandbyKeys``: the data key is the replica (``alias/payment-data-<env>-dr``); storage, messaging and logs keys
  are the standby's own.
- ``ReplicaTables``: the global tables' replicas (the primary's table names, this region's ARNs and streams); their
  reads autoscale here (write capacity settings of a global table are kept equal across replicas by DynamoDB,
  read capacity is each replica's own: "Throughput capacity planning for DynamoDB global tables").
- ``StandbyStorage``: logs and imports buckets of its own; receipts are the replica bucket, whose access logging and
  EventBridge notification this stack sets.
- ``StandbyClientKeys``: the clients' keys with the primary's values (the replicated secret), so a client's key
  works in both regions; a plan stops if a key the config names is not in the secret yet (deploy the primary first).
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra.aws import (
    ApiGatewayApiKey,
    DataAwsDynamodbTable,
    DataAwsKmsKey,
    DataAwsSecretsmanagerSecretVersion,
    S3BucketLoggingA,
    S3BucketNotification,
)
from payment_infra.config import BillingMode
from payment_infra.constructs.api_clients import ApiClientKeys
from payment_infra.constructs.database import CUSTOMER_INDEX, DATE_INDEX, TableRef, autoscale
from payment_infra.constructs.kms import KeyRef, KmsKeys
from payment_infra.constructs.replication import api_keys_secret_name, replica_key_alias, secret_key
from payment_infra.constructs.storage import Storage
from payment_infra.context import DeploymentContext
from payment_infra.framework import Fn, Op, Precondition, TerraformResourceLifecycle
from payment_infra.naming import Naming

#: API Gateway refuses an API key value shorter than this (CreateApiKey: "at least 20 characters").
MIN_API_KEY_LENGTH = 20


def primary_naming(ctx: DeploymentContext) -> Naming:
    """The primary's names (its tables and secret keep them in every region)."""
    return Naming(ctx.config.name, account_id=ctx.account_id)


class StandbyKeys(KmsKeys):
    """``KmsKeys`` whose ``data`` is the primary's replica key in this region."""

    def _data_key(self, ctx: DeploymentContext) -> KeyRef:
        alias = replica_key_alias(ctx.naming)
        key = DataAwsKmsKey(self, "data_replica", key_id=alias)
        return KeyRef(arn=key.arn, key_id=key.id, alias=alias)


@dataclass(frozen=True)
class BucketRef:
    """A bucket another stack created: what the functions' grants and outputs need."""

    name: str
    arn: str
    bucket_id: str
    key_arn: str  # the key its default encryption uses (the data key's replica, set by S3 replication's source stack)


class StandbyStorage(Storage):
    """``Storage`` whose ``receipts`` is the replica bucket (S3 replication writes into it)."""

    def _receipts(self, ctx: DeploymentContext, common: dict) -> BucketRef:  # type: ignore[override]
        name = ctx.naming.bucket("receipts")  # constructs/replication.py names it with the standby's naming
        key = DataAwsKmsKey(self, "receipts_key", key_id=replica_key_alias(ctx.naming))  # its default encryption
        receipts = BucketRef(name=name, arn=f"arn:{ctx.partition}:s3:::{name}", bucket_id=name, key_arn=key.arn)
        S3BucketLoggingA(
            self, "receipts_access_logging", bucket=name, target_bucket=self.logs.bucket_id,
            target_prefix=f"s3-access/{name}/",
        )  # fmt: skip
        S3BucketNotification(self, "receipts_events", bucket=name, eventbridge=True)
        return receipts


class ReplicaTables(Construct):
    """``Database``'s counterpart: exposes ``transactions``, ``idempotency`` (TableRef) and ``index_names``."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext, key: KeyRef):
        super().__init__(scope, id_)
        naming = primary_naming(ctx)
        refs = {}
        for label in ("transactions", "idempotency"):
            table = DataAwsDynamodbTable(self, label, name=naming.name(f"payment-{label}"))
            refs[label] = TableRef(name=table.name, arn=table.arn, stream_arn=table.stream_arn)
        self.transactions, self.idempotency = refs["transactions"], refs["idempotency"]
        self.index_names = (CUSTOMER_INDEX, DATE_INDEX)
        settings = ctx.config.dynamodb
        if settings.billing_mode is BillingMode.PROVISIONED:
            autoscale(self, naming.name("payment-transactions"), settings, dimensions=("read",))


class StandbyClientKeys(ApiClientKeys):
    """``ApiClientKeys`` whose values are the primary's, from the replicated secret in this region."""

    def key_value(self, ctx: DeploymentContext, client: str, version: int) -> str | None:
        secret = self.node.try_find_child("primary_values")
        if secret is None:
            secret = DataAwsSecretsmanagerSecretVersion(
                self, "primary_values", secret_id=api_keys_secret_name(primary_naming(ctx))
            )
        entry = Fn.lookup(Fn.jsondecode(secret.secret_string), secret_key(client, version))  # type: ignore[attr-defined]
        return Fn.try_([entry, ""])  # a missing entry is "": the key's precondition names it

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext):
        super().__init__(scope, id_, ctx)
        secret_name = api_keys_secret_name(primary_naming(ctx))
        resources = [child for child in self.node.children if isinstance(child, ApiGatewayApiKey)]
        for key, resource in zip(self.keys, resources, strict=True):  # both in config order
            value = self.key_value(ctx, key.client, key.version)
            resource.lifecycle = TerraformResourceLifecycle(
                precondition=[
                    Precondition(
                        condition=Op.gte(Fn.length_of(value), MIN_API_KEY_LENGTH),
                        error_message=f"The secret {secret_name} in {ctx.region} holds no value for "
                        f"{secret_key(key.client, key.version)}: deploy the primary payment-{ctx.config.name} "
                        "first (it stores every key's value there).",
                    )
                ]
            )
