"""``StandbyStack`` (``payment-<env>-dr``): the warm standby of one deployment, in its ``fallback_region``.

Its own stack and state (in the fallback region's bucket, ``backend.configure_standby_backend``): losing the primary
region loses neither. The same ``PaymentApiConstruct`` as the primary, built from ``standby_config`` with the
standby's parts (``deployment_parts.STANDBY``): functions, API with the same clients and key values, queue, workflow,
alarms, dashboard and VPC, on the primary's replicas. Its settlement path starts paused (make failover starts it).
Applied after the primary (whose replicas it reads) and after ``payment-account-dr`` (the region's API Gateway
CloudWatch role).
"""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.backend import configure_standby_backend
from payment_infra.checkov_skips import apply_checkov_skips
from payment_infra.config import EnvironmentConfig
from payment_infra.constructs.failover_dns import failover_domain
from payment_infra.constructs.replication import replication_latency_alarms
from payment_infra.deployment_parts import STANDBY
from payment_infra.dr_settings import standby_name
from payment_infra.framework import TerraformStack
from payment_infra.outputs import add_outputs
from payment_infra.payment_api import PaymentApiConstruct
from payment_infra.stack import require_reservations_fit
from payment_infra.standby_config import standby_config, standby_stack_id


class StandbyStack(TerraformStack):
    """The stack ``payment-<env>-dr`` of ``config`` (the primary's settings, ``dr.enabled``)."""

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        environ: Mapping[str, str] | None = None,
        *,
        region_reservations: Mapping[str, int] | None = None,
    ):
        """``region_reservations``: the reserved concurrency of every standby in this region (this one's alone
        when not given); the plan checks that they fit the region's quota (quotas are per region)."""
        super().__init__(scope, standby_stack_id(config))
        self.primary = config
        self.config = standby = standby_config(config)
        name = standby_name(config.name)
        tags = {**standby.tags, "Deployment": name}
        AwsProvider(self, "aws", region=standby.region, default_tags=[AwsProviderDefaultTags(tags=tags)])
        configure_standby_backend(self, name, standby.region, environ)
        reservations = dict(region_reservations or {name: standby.reserved_concurrency_total})
        if standby.reserved_concurrency_total:
            require_reservations_fit(self, reservations, region_note=f" in {standby.region} (standbys)")
        self.payment_api = PaymentApiConstruct(self, "payment_api", standby, parts=STANDBY)
        api = self.payment_api
        # Writes made here (after a failover) replicate back to the primary's region: the same RPO alarm.
        replication_latency_alarms(
            api.monitoring,
            api.context,
            {"transactions": api.database.transactions.name, "idempotency": api.database.idempotency.name},
            receiving_region=standby.fallback_region,
            topic=api.messaging.alarms,
        )
        api.failover_domain = failover_domain(api)  # dr.failover_mode dns: the SECONDARY record
        add_outputs(self, api)
        apply_checkov_skips(self)
