"""Resources of one stack in another region: a provider alias made by the stack, and constructs placed on it.

Providers are configured in stacks, never in reusable constructs (style.md). The primary stack of a deployment
with ``dr.enabled`` owns a few resources in ``fallback_region`` (the replica key, the receipts' replica bucket):
it makes the ``fallback`` provider alias here and hands it to the constructs, which build as usual and then
``place_in`` that provider every resource and data source they made.
"""

from __future__ import annotations

from constructs import Construct

from payment_infra.aws import AwsProvider, AwsProviderDefaultTags
from payment_infra.config import EnvironmentConfig
from payment_infra.framework import TerraformDataSource, TerraformResource

FALLBACK_ALIAS = "fallback"


def fallback_provider(stack: Construct, config: EnvironmentConfig) -> AwsProvider | None:
    """The ``aws.fallback`` provider (``fallback_region``, the stack's default tags) when ``dr.enabled``, else None."""
    if not config.dr.enabled:
        return None
    return AwsProvider(
        stack,
        "aws_fallback",
        alias=FALLBACK_ALIAS,
        region=config.fallback_region,
        default_tags=[AwsProviderDefaultTags(tags=config.tags)],
    )


def place_in(scope: Construct, provider: AwsProvider) -> None:
    """Every resource and data source under ``scope`` is managed through ``provider`` (its region)."""
    for node in scope.node.find_all():
        if isinstance(node, (TerraformResource, TerraformDataSource)):
            node.provider = provider
