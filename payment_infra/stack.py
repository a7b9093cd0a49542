"""``PaymentStack``: one Terraform stack per environment — provider, backend, and the payment API."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.backend import configure_backend
from payment_infra.checkov_skips import apply_checkov_skips
from payment_infra.config import EnvironmentConfig
from payment_infra.framework import TerraformStack
from payment_infra.outputs import add_outputs
from payment_infra.payment_api import PaymentApiConstruct


class PaymentStack(TerraformStack):
    """The stack ``payment-{env}``: AWS provider (region, default tags on every taggable resource),
    the state backend, ``PaymentApiConstruct`` and the stack outputs."""

    def __init__(self, scope: Construct, config: EnvironmentConfig, environ: Mapping[str, str] | None = None):
        super().__init__(scope, config.stack_id)
        self.config = config
        AwsProvider(
            self,
            "aws",
            region=config.region,
            default_tags=[AwsProviderDefaultTags(tags=config.tags)],
        )
        configure_backend(self, config, environ)
        self.payment_api = PaymentApiConstruct(self, "payment_api", config)
        add_outputs(self, self.payment_api)
        apply_checkov_skips(self)
