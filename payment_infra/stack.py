"""``PaymentStack``: one Terraform stack per environment — provider, backend, and the payment API."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.backend import configure_backend
from payment_infra.checkov_skips import apply_checkov_skips
from payment_infra.config import UNRESERVED_CONCURRENCY_MINIMUM, EnvironmentConfig
from payment_infra.constructs.failover_dns import failover_domain
from payment_infra.constructs.quotas import LAMBDA_CONCURRENCY, require_quota
from payment_infra.framework import TerraformStack
from payment_infra.outputs import add_outputs
from payment_infra.payment_api import PaymentApiConstruct
from payment_infra.regional import fallback_provider


class PaymentStack(TerraformStack):
    """The stack ``payment-{env}``: AWS provider (region, default tags on every taggable resource),
    the state backend, the account's Lambda concurrency quota read at plan time, ``PaymentApiConstruct`` and the
    stack outputs."""

    def __init__(
        self,
        scope: Construct,
        config: EnvironmentConfig,
        environ: Mapping[str, str] | None = None,
        *,
        account_reservations: Mapping[str, int] | None = None,
    ):
        """``account_reservations``: the reserved concurrency of every deployment of the account (this one's alone
        when not given); a stack that reserves any checks at plan time that they all fit the account's quota."""
        super().__init__(scope, config.stack_id)
        self.config = config
        AwsProvider(
            self,
            "aws",
            region=config.region,
            default_tags=[AwsProviderDefaultTags(tags=config.tags)],
        )
        configure_backend(self, config, environ)
        reservations = dict(account_reservations or {config.name: config.reserved_concurrency_total})
        if config.reserved_concurrency_total:
            require_reservations_fit(self, reservations)
        fallback = fallback_provider(self, config)  # None unless dr.enabled: the replicas' region
        self.payment_api = PaymentApiConstruct(self, "payment_api", config, fallback=fallback)
        self.payment_api.failover_domain = failover_domain(self.payment_api)  # dr.failover_mode dns
        add_outputs(self, self.payment_api)
        apply_checkov_skips(self)


def require_reservations_fit(stack: TerraformStack, reservations: Mapping[str, int], region_note: str = "") -> None:
    """Stop the plan unless the region's Lambda concurrency quota holds ``reservations`` (deployment -> count)."""
    total = sum(reservations.values())
    parts = " + ".join(f"{name} {count}" for name, count in reservations.items() if count)
    require_quota(
        stack,
        "lambda_concurrency_quota",
        LAMBDA_CONCURRENCY,
        at_least=total + UNRESERVED_CONCURRENCY_MINIMUM,
        why=f"The deployments of this account reserve {total} concurrent executions{region_note} ({parts}) and "
        f"Lambda keeps {UNRESERVED_CONCURRENCY_MINIMUM} unreserved",
        otherwise="set PAYMENT_RESERVE_CONCURRENCY=false to reserve nothing (e.g. for dev), or lower "
        "lambda_.*reserved_concurrency in payment_infra/config.py",
    )
