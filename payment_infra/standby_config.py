"""The warm standby's settings, derived from its deployment's: nothing about the standby is written twice.

The standby of ``prod`` is ``prod`` run in ``fallback_region`` (its ``fallback_region`` is then the primary's region)
with the standby's sizing from ``dr``: reserved concurrency, interface endpoint AZs and its own VPC range. Its stage
throttle follows its reserved concurrency (what that serves at ``api.p99_latency_alarm_ms``, the rule every
deployment follows), and each client's tier is capped at that rate. Clients, keys, alarms, retention and the rest
are the primary's, so a client sees the same API after a failover. Pure data: no AWS, no jsii.
"""

from __future__ import annotations

from dataclasses import replace

from payment_infra.config import ClientSettings, EnvironmentConfig, servable_rate
from payment_infra.dr_settings import standby_name


def standby_config(config: EnvironmentConfig) -> EnvironmentConfig:
    """The validated settings of ``config``'s standby (``config.dr.enabled`` must be true)."""
    dr = config.dr
    if not dr.enabled:
        raise ValueError(f"{config.name} has no standby: dr.enabled is false")
    lam = replace(
        config.lambda_,
        reserved_concurrency=dr.standby_reserved_concurrency,
        worker_reserved_concurrency=dr.standby_worker_reserved_concurrency,
    )
    primary = config.api
    servable = servable_rate(lam.reserved_concurrency, primary.p99_latency_alarm_ms)
    rate = max(1, min(primary.throttle_rate_limit, servable))
    burst = max(1, primary.throttle_burst_limit * rate // primary.throttle_rate_limit)  # the primary's, scaled
    api = replace(primary, throttle_rate_limit=rate, throttle_burst_limit=burst)
    return replace(
        config,
        region=config.fallback_region,
        fallback_region=config.region,
        lambda_=lam,
        api=api,
        clients=tuple(_capped(client, api.throttle_rate_limit, api.throttle_burst_limit) for client in config.clients),
        vpc_cidr=dr.standby_vpc_cidr,
        endpoint_az_count=dr.standby_endpoint_az_count,
        # The standby replicates nothing itself (its data are the primary's replicas); its alarms keep the settings.
        dr=replace(dr, enabled=False),
    )


def _capped(client: ClientSettings, rate: int, burst: int) -> ClientSettings:
    """A client's tier within the standby's stage limits (None keeps following the stage)."""
    return replace(
        client,
        throttle_rate_limit=None if client.throttle_rate_limit is None else min(client.throttle_rate_limit, rate),
        throttle_burst_limit=None if client.throttle_burst_limit is None else min(client.throttle_burst_limit, burst),
    )


def standby_stack_id(config: EnvironmentConfig) -> str:
    """``payment-prod-dr``: the standby's stack (and, with the S3 backend, its state key ``<prefix>/prod-dr/...``)."""
    return f"payment-{standby_name(config.name)}"
