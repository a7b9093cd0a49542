"""Disaster-recovery settings of one deployment (``EnvironmentConfig.dr``): the warm standby in ``fallback_region``.

With ``enabled`` the deployment's stack ``payment-<env>`` replicates its payment data to ``fallback_region`` (global
table replicas, a multi-region data key, replicated receipts) and a second stack ``payment-<env>-dr`` runs a warm
standby there (docs/disaster-recovery.md). ``failover_mode`` says how clients reach the standby once the primary
region is lost: ``dns`` moves a custom domain by a Route 53 health check on the primary's ``/health``; ``manual``
leaves the switch to ``make failover`` (the standby's URL is a stack output).

Environment variables (all optional; the environment's matrix entry otherwise):
    PAYMENT_DR_ENABLED          true/false: the standby stack and the replication (prod: true; a preview: refused)
    PAYMENT_DR_FAILOVER_MODE    manual or dns
    PAYMENT_DR_DOMAIN_NAME      the API's custom domain, e.g. api.payments.example.org (dns)
    PAYMENT_DR_HOSTED_ZONE_ID   the Route 53 public hosted zone holding it (dns)
    PAYMENT_DR_STATE_BUCKET     state bucket of the standby stacks, in fallback_region (payment_infra/backend.py)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from payment_infra.config.network import vpc_cidr_problems
from payment_infra.config.problems import parse_bool

FAILOVER_MODES = ("manual", "dns")
#: The recovery time objective the DNS settings must fit (issue 29): health check detection + DNS TTL + margin.
RTO_TARGET_SECONDS = 300
#: What Route 53 adds after the health check turns unhealthy before resolvers see the change (its documented
#: propagation "within 60 seconds"), and the time an operator-free failover needs beyond detection and TTL.
DNS_PROPAGATION_SECONDS = 60
#: Route 53 health checks run every 30 s (standard) or 10 s (fast, an extra monthly charge).
HEALTH_CHECK_INTERVALS_SECONDS = (10, 30)
HEALTH_CHECK_FAILURE_THRESHOLD_RANGE = (1, 10)  # consecutive failures before unhealthy (Route 53's range)
DNS_TTL_RANGE_SECONDS = (10, 300)
REPLICATION_LATENCY_ALARM_RANGE_SECONDS = (1, 3_600)
#: A standby's deployment name: ``payment-<env>-dr`` is its stack, ``<type>-<env>-dr`` its resources. No preview can
#: take such a name (``prod``, ``staging``, ``dev`` are reserved words of deployment names).
STANDBY_SUFFIX = "-dr"
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")


@dataclass(frozen=True)
class DrSettings:
    """Disaster recovery: whether a warm standby runs in ``fallback_region``, its size and how clients fail over."""

    # A warm standby stack payment-<env>-dr in fallback_region, global-table replicas of the payment data and
    # replicated receipts (PAYMENT_DR_ENABLED)
    enabled: bool = False
    # manual (make failover; the standby's URL is its stack output) or dns (a custom domain that Route 53 moves to
    # the standby when the primary's /health fails; PAYMENT_DR_FAILOVER_MODE)
    failover_mode: str = "manual"
    domain_name: str = ""  # the API's custom domain for failover_mode dns, e.g. api.payments.example.org
    hosted_zone_id: str = ""  # the Route 53 public hosted zone holding domain_name (failover_mode dns)
    # The standby's reserved concurrency of each matrix-sized function (transactions, status); its stage throttle
    # follows (what that serves at api.p99_latency_alarm_ms). Reserved concurrency costs nothing while idle.
    standby_reserved_concurrency: int = 10
    standby_worker_reserved_concurrency: int = 2  # the standby's reservation of each worker function
    # AZs holding an ENI of each interface endpoint in the standby's VPC (0.013 USD per AZ-hour each)
    standby_endpoint_az_count: int = 2
    # The standby VPC's range: private, distinct from every other deployment's (cross-region peering needs it)
    standby_vpc_cidr: str = ""
    # TTL of the failover record (failover_mode dns): resolvers keep the old answer this long after the switch
    dns_ttl_seconds: int = 60
    health_check_interval_seconds: int = 10  # Route 53 health check interval on the primary's /health (10 or 30)
    health_check_failure_threshold: int = 3  # consecutive failed checks before Route 53 fails over
    # Alarm when a global table replica lags the region that wrote (ReplicationLatency, typically under a second)
    replication_latency_alarm_seconds: int = 60

    @property
    def detection_seconds(self) -> int:
        """How long Route 53 takes to call the primary unhealthy: interval x consecutive failures."""
        return self.health_check_interval_seconds * self.health_check_failure_threshold

    @property
    def dns_rto_seconds(self) -> int:
        """The worst time from a lost primary to clients on the standby with failover_mode dns."""
        return self.detection_seconds + DNS_PROPAGATION_SECONDS + self.dns_ttl_seconds

    def problems(self) -> list[tuple[str, Any, str]]:
        """Every rule these settings break on their own, as (field, value, allowed)."""
        problems: list[tuple[str, Any, str]] = []

        def check(ok: bool, name: str, value: Any, allowed: str) -> None:
            if not ok:
                problems.append((f"dr.{name}", value, allowed))

        check(isinstance(self.enabled, bool), "enabled", self.enabled, "true or false")
        check(self.failover_mode in FAILOVER_MODES, "failover_mode", self.failover_mode, " or ".join(FAILOVER_MODES))
        dns = self.failover_mode == "dns"
        check(
            (_DOMAIN.match(self.domain_name) is not None) if dns else self.domain_name == "",
            "domain_name",
            self.domain_name,
            "a lowercase DNS name like api.payments.example.org" if dns else "empty unless failover_mode is dns",
        )
        check(
            (_HOSTED_ZONE_ID.match(self.hosted_zone_id) is not None) if dns else self.hosted_zone_id == "",
            "hosted_zone_id",
            self.hosted_zone_id,
            "a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ" if dns else "empty unless failover_mode is dns",
        )
        for name, low, high in (
            ("standby_reserved_concurrency", 1, 1000),
            ("standby_worker_reserved_concurrency", 1, 1000),
            ("standby_endpoint_az_count", 1, 2),
            ("dns_ttl_seconds", *DNS_TTL_RANGE_SECONDS),
            ("health_check_failure_threshold", *HEALTH_CHECK_FAILURE_THRESHOLD_RANGE),
            ("replication_latency_alarm_seconds", *REPLICATION_LATENCY_ALARM_RANGE_SECONDS),
        ):
            value = getattr(self, name)
            check(_is_int(value) and low <= value <= high, name, value, f"an integer from {low} to {high}")
        interval = self.health_check_interval_seconds
        check(
            interval in HEALTH_CHECK_INTERVALS_SECONDS and _is_int(interval),
            "health_check_interval_seconds",
            interval,
            " or ".join(map(str, HEALTH_CHECK_INTERVALS_SECONDS)) + " (Route 53's intervals)",
        )
        if dns and not problems:
            check(
                self.dns_rto_seconds <= RTO_TARGET_SECONDS,
                "dns_ttl_seconds",
                self.dns_ttl_seconds,
                f"small enough that detection ({interval} s x {self.health_check_failure_threshold}) + Route 53's "
                f"{DNS_PROPAGATION_SECONDS} s + the TTL stay within the RTO of {RTO_TARGET_SECONDS} s "
                f"(now {self.dns_rto_seconds} s)",
            )
        if self.enabled:
            problems.extend(_cidr_problems(self.standby_vpc_cidr))
        return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _cidr_problems(cidr: Any) -> list[tuple[str, Any, str]]:
    return [("dr.standby_vpc_cidr", value, allowed) for _, value, allowed in vpc_cidr_problems(cidr)]


def environment_problems(config: Any) -> list[tuple[str, Any, str]]:
    """``config.dr``'s own problems and what it must respect with the rest of the deployment's settings."""
    dr = config.dr
    if not isinstance(dr, DrSettings):
        return [("dr", dr, "a DrSettings")]
    problems = dr.problems()
    if dr.enabled and config.is_preview:
        problems.append(("dr.enabled", True, "false: a preview has no standby (PAYMENT_DR_ENABLED is refused)"))
    if dr.enabled and not problems:
        standby, primary = ipaddress.ip_network(dr.standby_vpc_cidr), ipaddress.ip_network(config.vpc_cidr)
        if standby.overlaps(primary):
            problems.append(
                ("dr.standby_vpc_cidr", dr.standby_vpc_cidr, f"a range not overlapping vpc_cidr ({config.vpc_cidr})")
            )
    return problems


def deployment_problems(configs: Any, account: Any) -> list[tuple[str, Any, str]]:
    """What the standbys of one account must respect together (``config.check_deployments`` appends these).

    The standbys share one account baseline in the fallback region (``payment-account-dr``: the region's API Gateway
    CloudWatch role), so every standby is in the same fallback region; their ranges overlap no other deployment's.
    """
    problems: list[tuple[str, Any, str]] = []
    standbys = [config for config in configs if config.dr.enabled]
    regions = sorted({config.fallback_region for config in standbys})
    if len(regions) > 1:
        problems.append(
            ("fallback_region of the deployments with dr.enabled", ", ".join(regions), "one region for every standby")
        )
    if standbys:
        from payment_infra.config.standby import standby_config  # imports environment.py, which imports this

        reserved = {config.name: standby_config(config).reserved_concurrency_total for config in standbys}
        if sum(reserved.values()) > account.reservable_concurrency:
            parts = " + ".join(f"{name}-dr {count}" for name, count in reserved.items())
            problems.append((
                "reserved concurrency of the standbys (dr.standby_*reserved_concurrency)",
                f"{sum(reserved.values())} ({parts})",
                f"at most {account.reservable_concurrency} in {regions[0]}: the quota lambda_concurrency_quota "
                f"({account.lambda_concurrency_quota}) minus what Lambda keeps unreserved (quotas are per region)",
            ))  # fmt: skip
    for config in standbys:
        if config.fallback_region == account.region:
            problems.append((f"{config.name}.fallback_region", config.fallback_region, "a region other than the "
                             f"account baseline's ({account.region}): the standby must survive its loss"))  # fmt: skip
        network = ipaddress.ip_network(config.dr.standby_vpc_cidr)
        ranges = [(other.name, other.vpc_cidr) for other in configs if not other.is_preview]
        ranges += [(f"{other.name}'s standby", other.dr.standby_vpc_cidr) for other in standbys if other is not config]
        ranges.append(("the shared preview network", account.preview_network_cidr))
        for other, cidr in ranges:
            if network.overlaps(ipaddress.ip_network(cidr)):
                problems.append((f"{config.name}.dr.standby_vpc_cidr", config.dr.standby_vpc_cidr,
                                 f"a range not overlapping {other} ({cidr})"))  # fmt: skip
    return problems


def load_dr(base: DrSettings, environ: Mapping[str, str]) -> DrSettings:
    """``base`` (the environment's matrix entry) with the PAYMENT_DR_* overrides applied (validated later)."""
    changes: dict[str, Any] = {}
    raw = environ.get("PAYMENT_DR_ENABLED", "").strip()
    if raw:
        changes["enabled"] = parse_bool("PAYMENT_DR_ENABLED", raw)
    for variable, attribute in (
        ("PAYMENT_DR_FAILOVER_MODE", "failover_mode"),
        ("PAYMENT_DR_DOMAIN_NAME", "domain_name"),
        ("PAYMENT_DR_HOSTED_ZONE_ID", "hosted_zone_id"),
    ):
        if environ.get(variable, "").strip():
            changes[attribute] = environ[variable].strip()
    return replace(base, **changes)


def for_preview(profile_dr: DrSettings, environ: Mapping[str, str]) -> DrSettings:
    """A preview copies its profile's sizing, not its standby: disabled unless PAYMENT_DR_ENABLED asks (refused)."""
    requested = parse_bool("PAYMENT_DR_ENABLED", environ["PAYMENT_DR_ENABLED"]) if environ.get(
        "PAYMENT_DR_ENABLED", "").strip() else False  # fmt: skip
    return replace(profile_dr, enabled=requested)


def standby_name(name: str) -> str:
    """``prod`` -> ``prod-dr``: the standby's deployment name (stack ``payment-prod-dr``, state key, resource names)."""
    return f"{name}{STANDBY_SUFFIX}"
