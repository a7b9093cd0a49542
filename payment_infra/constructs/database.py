"""DynamoDB: the transactions table (with its query indexes) and the Powertools idempotency table.

Key design: ``transaction_id`` + ``timestamp`` (ISO-8601 UTC) identify a record; ``client_customer-index``
(``<client>#<customer id>``) and ``client_date-index`` (``<client>#<YYYY-MM-DD>``) serve the list endpoints
newest-first, each query one partition holding only the calling client's transactions. Both tables use the data CMK and
point-in-time recovery. Provisioned tables (staging/prod) get target-tracking autoscaling on the table
and every GSI; dev is on-demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from payment_infra.aws import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
    AppautoscalingTarget,
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTableGlobalSecondaryIndex,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
    DynamodbTableTtl,
)
from payment_infra.config import BillingMode, Capacity, DynamoDbSettings
from payment_infra.constructs.kms import KeyRef
from payment_infra.context import DeploymentContext

PARTITION_KEY = "transaction_id"
SORT_KEY = "timestamp"
CUSTOMER_INDEX = "client_customer-index"
DATE_INDEX = "client_date-index"
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"
# Partition attributes written by lambdas/payments/adapters/dynamodb.py (client joined with customer or day).
_GSIS = ((CUSTOMER_INDEX, "client_customer"), (DATE_INDEX, "client_date"))
# Autoscaling owns the live capacity of the table and of every GSI: Terraform must not reset it on each apply
# (and use up the day's capacity decreases). The table's capacity is two attributes; a GSI's capacity sits inside
# the set-nested `global_secondary_index` block, and `ignore_changes` cannot name one attribute of a set element
# (hashicorp/terraform-provider-aws #671; terraform-aws-modules/dynamodb-table's `autoscaled_gsi_ignore` variant
# ignores the whole block for the same reason). The provider's separate `aws_dynamodb_global_secondary_index`
# resource, which would let a GSI be managed apart from its capacity, is newer than the provider bindings used
# here. Trade-off: Terraform creates the GSIs with the table but no longer updates them; changing or adding an
# index means removing `global_secondary_index` from this list for that one apply (docs/configuration.md,
# "DynamoDB capacity").
AUTOSCALED_TABLE_ATTRIBUTES = ("read_capacity", "write_capacity", "global_secondary_index")
_SCALED = (("read", "ReadCapacityUnits", "DynamoDBReadCapacityUtilization"),
           ("write", "WriteCapacityUnits", "DynamoDBWriteCapacityUtilization"))  # fmt: skip


# The transactions table's stream carries each new record to settlement (constructs/settlement_feed.py): the new
# image is all the pipe reads (its filter and its message come from it).
STREAM_VIEW_TYPE = "NEW_IMAGE"


@dataclass(frozen=True)
class TableRef:
    name: str
    arn: str
    stream_arn: str | None = None


class Database(Construct):
    """Exposes ``transactions`` and ``idempotency`` as ``TableRef``s."""

    def __init__(self, scope: Construct, id_: str, ctx: DeploymentContext, key: KeyRef):
        super().__init__(scope, id_)
        settings = ctx.config.dynamodb
        protected = not ctx.config.destroyable
        provisioned = settings.billing_mode is BillingMode.PROVISIONED
        capacity = (
            dict(read_capacity=settings.read.minimum, write_capacity=settings.write.minimum)
            if provisioned and settings.read and settings.write
            else {}
        )
        common = dict(
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True, kms_key_arn=key.arn),
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=settings.point_in_time_recovery),
            deletion_protection_enabled=protected,
        )
        transactions = DynamodbTable(
            self,
            "transactions",
            name=ctx.naming.name("payment-transactions"),
            billing_mode=settings.billing_mode.value,
            hash_key=PARTITION_KEY,
            range_key=SORT_KEY,
            attribute=[
                DynamodbTableAttribute(name=name, type="S")
                for name in (PARTITION_KEY, SORT_KEY, *(attribute for _, attribute in _GSIS))
            ],
            global_secondary_index=[
                DynamodbTableGlobalSecondaryIndex(
                    name=index, hash_key=attribute, range_key=SORT_KEY, projection_type="ALL", **capacity
                )
                for index, attribute in _GSIS
            ],
            # No TTL: payment records are never deleted by DynamoDB (TTL is for idempotency records only).
            stream_enabled=True,
            stream_view_type=STREAM_VIEW_TYPE,
            lifecycle={"ignore_changes": list(AUTOSCALED_TABLE_ATTRIBUTES)} if provisioned else None,
            **capacity,
            **common,
        )
        idempotency = DynamodbTable(
            self,
            "idempotency",
            name=ctx.naming.name("payment-idempotency"),
            # Idempotency records are short-lived and bursty: on-demand in every environment.
            billing_mode=BillingMode.PAY_PER_REQUEST.value,
            hash_key=IDEMPOTENCY_KEY,
            attribute=[DynamodbTableAttribute(name=IDEMPOTENCY_KEY, type="S")],
            ttl=DynamodbTableTtl(attribute_name=IDEMPOTENCY_TTL_ATTRIBUTE, enabled=True),
            **common,
        )
        self.transactions = TableRef(name=transactions.name, arn=transactions.arn, stream_arn=transactions.stream_arn)
        self.index_names = tuple(index for index, _ in _GSIS)  # of the transactions table
        self.idempotency = TableRef(name=idempotency.name, arn=idempotency.arn)
        self.tables = (transactions, idempotency)  # the resources: a deployment with a standby replicates them
        if provisioned:
            autoscale(self, transactions.name, settings)


def autoscale(
    scope: Construct, table_name: str, settings: DynamoDbSettings, dimensions: tuple[str, ...] = ("read", "write")
) -> None:
    """Target tracking on ``dimensions`` of the table and of each GSI (a standby's replica: its reads only)."""
    resources = [("table", f"table/{table_name}", "table")] + [
        (index, f"table/{table_name}/index/{index}", "index") for index, _ in _GSIS
    ]
    for label, resource_id, kind in resources:
        for dimension, unit, metric in _SCALED:
            if dimension not in dimensions:
                continue
            bounds: Capacity = getattr(settings, dimension)
            slug = f"{label.replace('-', '_')}_{dimension}"
            target = AppautoscalingTarget(
                scope,
                f"{slug}_target",
                service_namespace="dynamodb",
                resource_id=resource_id,
                scalable_dimension=f"dynamodb:{kind}:{unit}",
                min_capacity=bounds.minimum,
                max_capacity=bounds.maximum,
            )
            AppautoscalingPolicy(
                scope,
                f"{slug}_policy",
                name=f"{resource_id.replace('/', '-')}-{dimension}-target-tracking",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension,
                target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                    target_value=settings.target_utilization_percent,
                    predefined_metric_specification=AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type=metric
                    ),
                ),
            )
