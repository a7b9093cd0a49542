"""One deployment's settings (``EnvironmentConfig``): its own fields, the groups it holds, and the rules across them.

Each group (``lambda_``, ``dynamodb``, ``api``, …) checks its own fields; this class checks its own fields and
the rules that span two groups (the stage rate against the functions' concurrency, a client's tier against the
stage's), and raises one ``ConfigError`` listing every problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from payment_infra.application import functions_module
from payment_infra.config.alarms import AlarmSettings
from payment_infra.config.api import ApiSettings
from payment_infra.config.clients import DEFAULT_CLIENTS, ClientSettings, UsageTier, clients_problems
from payment_infra.config.deployments import deployment_name_problems
from payment_infra.config.dr import DrSettings, environment_problems
from payment_infra.config.dynamodb import DynamoDbSettings
from payment_infra.config.lambda_settings import LambdaSettings, servable_rate
from payment_infra.config.matrix import ENVIRONMENT_NAMES
from payment_infra.config.messaging import MessagingSettings
from payment_infra.config.network import VPC_AZ_COUNT, vpc_cidr_problems
from payment_infra.config.problems import ConfigError, Problem, Problems, int_in, is_int
from payment_infra.config.regions import region_problems
from payment_infra.config.retention import RetentionSettings
from payment_infra.config.tags import standard_tags, tag_problems

# Days a scheduled KMS key deletion waits (KMS allows 7-30): the shortest while the environment is destroyable,
# the longest once it is protected (PAYMENT_DESTROYABLE=false).
KMS_DELETION_WINDOW_DAYS_DESTROYABLE = 7
KMS_DELETION_WINDOW_DAYS_PROTECTED = 30
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything that differs between deployments (dev, staging, prod, previews). Build it with ``load_config``."""

    name: str
    """Deployment name (dev, staging, prod, or a preview's PAYMENT_DEPLOYMENT): suffix of every resource name."""
    lambda_: LambdaSettings
    dynamodb: DynamoDbSettings
    api: ApiSettings
    retention: RetentionSettings
    # One per environment, distinct within the account (peering, transit gateway): changing it replaces the VPC.
    # Previews run in the account's shared preview network (AccountConfig.preview_network_cidr).
    vpc_cidr: str
    # AZs (of the subnets) holding an ENI of each interface endpoint, 0.013 USD per AZ-hour each: 1 keeps dev
    # cheap (losing that AZ cuts every function off the interface-endpoint services); 2 survives an AZ.
    endpoint_az_count: int = VPC_AZ_COUNT
    messaging: MessagingSettings = field(default_factory=MessagingSettings)
    alarms: AlarmSettings = field(default_factory=AlarmSettings)
    destroyable: bool = True
    """`cdktf destroy` works: `force_destroy` on buckets, no deletion protection (PAYMENT_DESTROYABLE)."""
    region: str = "ap-northeast-2"
    """Region of the stack (PAYMENT_AWS_REGION)."""
    fallback_region: str = "ap-northeast-1"
    """Fallback/DR region, validated and kept for the DR work (PAYMENT_FALLBACK_REGION)."""
    alert_email: str = "admin@example.com"
    """Email subscribed to the notification and alarm topics (PAYMENT_ALERT_EMAIL)."""
    project: str = "payment-api"
    """`Project` tag."""
    owner: str = "payments-team"
    """`Owner` tag (PAYMENT_OWNER)."""
    cost_center: str = "payments"
    """`CostCenter` tag (PAYMENT_COST_CENTER)."""
    extra_tags: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """More (key, value) tags on every taggable resource."""
    # Who may call the API: one API key (per version) and usage plan each; each sees only its own transactions.
    clients: tuple[ClientSettings, ...] = DEFAULT_CLIENTS
    profile: str = ""
    """Sizing this deployment copies (dev, staging, prod); empty for an environment (its own name)."""
    dr: DrSettings = field(default_factory=DrSettings)  # disaster recovery: the warm standby (config/dr.py)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigError(self.name, problems)

    def problems(self) -> list[Problem]:
        """Every rule this deployment breaks: its own fields, each group's, then the rules across groups."""
        found = Problems(self._name_problems())
        found += self._own_field_problems()
        found += self.lambda_.problems("lambda_.")
        found += self.dynamodb.problems("dynamodb.")
        found += self.api.problems("api.")
        found += self.messaging.problems("messaging.")
        found += self.alarms.problems("alarms.")
        found += self._throttle_problems()
        ceilings = {
            "throttle_rate_limit": self.api.throttle_rate_limit,
            "throttle_burst_limit": self.api.throttle_burst_limit,
            "quota_per_day": None,
        }
        found += clients_problems(self.clients, ceilings)
        found += self.retention.problems("retention.")
        found += environment_problems(self)
        return list(found)

    def _name_problems(self) -> list[Problem]:
        """An environment keeps its own sizing; a preview names a valid deployment, copies one and is destroyable."""
        found = Problems()
        if self.name in ENVIRONMENT_NAMES:
            found.check(self.profile in ("", self.name), "profile", self.profile, f"empty or {self.name!r}")
            return found
        found += deployment_name_problems(self.name, "name")
        found.check(
            self.profile in ENVIRONMENT_NAMES, "profile", self.profile, "one of " + ", ".join(ENVIRONMENT_NAMES)
        )
        found.check(self.destroyable is True, "destroyable", self.destroyable, "true: a preview is always destroyable")
        return found

    def _own_field_problems(self) -> list[Problem]:
        found = Problems(region_problems("region", self.region))
        found += region_problems("fallback_region", self.fallback_region)
        found.check(
            self.fallback_region != self.region,
            "fallback_region",
            self.fallback_region,
            f"a region other than region ({self.region})",
        )
        found.check(
            isinstance(self.alert_email, str) and bool(_EMAIL.match(self.alert_email)),
            "alert_email",
            self.alert_email,
            "an email address like ops@example.com",
        )
        found.check(isinstance(self.destroyable, bool), "destroyable", self.destroyable, "true or false")
        found += vpc_cidr_problems(self.vpc_cidr)
        found.check(
            int_in(self.endpoint_az_count, (1, VPC_AZ_COUNT)),
            "endpoint_az_count",
            self.endpoint_az_count,
            f"an integer from 1 to {VPC_AZ_COUNT} (the subnets' AZs)",
        )
        found += tag_problems(self.tags)
        return found

    def _throttle_problems(self) -> list[Problem]:
        """The stage's rate must not exceed what each API function's reserved concurrency serves at the latency budget.

        Above it Lambda throttles (429 TooManyRequestsException), which API Gateway returns to clients as a 5xx and
        which trips the 5xx alarm; the stage's throttle answers 429 itself instead. /health has its own method
        throttle (``health_throttle_rate_limit``).
        """
        api, lam = self.api, self.lambda_
        values = (api.throttle_rate_limit, api.p99_latency_alarm_ms, lam.reserved_concurrency)
        if not all(is_int(v) and v > 0 for v in values):
            return []  # reported by the field checks
        servable = servable_rate(lam.reserved_concurrency, api.p99_latency_alarm_ms)
        if api.throttle_rate_limit <= servable:
            return []
        needed = -(-api.throttle_rate_limit * api.p99_latency_alarm_ms // 1000)
        return [
            (
                "api.throttle_rate_limit",
                api.throttle_rate_limit,
                f"at most {servable:,}/s: what lambda_.reserved_concurrency ({lam.reserved_concurrency} per function) "
                f"serves at api.p99_latency_alarm_ms ({api.p99_latency_alarm_ms} ms), rate = concurrency / latency; "
                f"or raise lambda_.reserved_concurrency to {needed}",
            )
        ]

    @property
    def tags(self) -> dict[str, str]:
        """Tags for the provider's ``default_tags``: on every taggable resource of the stack."""
        environment = "preview" if self.is_preview else self.name
        tags = standard_tags(environment, self.name, self.project, self.owner, self.cost_center)
        return {**tags, **dict(self.extra_tags)}

    @property
    def is_preview(self) -> bool:
        """A deployment beside the environments (PAYMENT_DEPLOYMENT): destroyable, reserving no concurrency."""
        return self.name not in ENVIRONMENT_NAMES

    def tier(self, client: ClientSettings) -> UsageTier:
        """The usage plan of ``client``: its own settings, else the environment's (``api``)."""
        return UsageTier(
            throttle_rate_limit=self.api.throttle_rate_limit
            if client.throttle_rate_limit is None
            else client.throttle_rate_limit,
            throttle_burst_limit=self.api.throttle_burst_limit
            if client.throttle_burst_limit is None
            else client.throttle_burst_limit,
            quota_per_day=self.api.quota_per_day if client.quota_per_day is None else client.quota_per_day,
        )

    @property
    def stack_id(self) -> str:
        return f"payment-{self.name}"

    @property
    def kms_deletion_window_days(self) -> int:
        """Days a scheduled KMS key deletion waits: short while destroyable, the KMS maximum once protected."""
        return KMS_DELETION_WINDOW_DAYS_DESTROYABLE if self.destroyable else KMS_DELETION_WINDOW_DAYS_PROTECTED

    def reserved_concurrency_of(self, function_name: str) -> int | None:
        """The reserved concurrency of one function of this deployment; None (unreserved pool) for a preview, or
        when ``lambda_.reserve_concurrency`` is off."""
        if self.is_preview or not self.lambda_.reserve_concurrency:
            return None
        return self.lambda_.reserved_concurrency_of(function_name)

    @property
    def health_throttle_rate_limit(self) -> int:
        """The /health method's rate: what its reserved concurrency serves at the latency budget (at least 1)."""
        return max(1, servable_rate(self.lambda_.health_reserved_concurrency, self.api.p99_latency_alarm_ms))

    @property
    def reserved_concurrency_total(self) -> int:
        """What this deployment reserves of the account's concurrency quota, over every function it deploys."""
        return sum(self.reserved_concurrency_of(spec.name) or 0 for spec in functions_module().FUNCTIONS)


def with_overrides(config: EnvironmentConfig, **changes: Any) -> EnvironmentConfig:
    """A copy of ``config`` with ``changes`` applied and validated again (for tests and tooling)."""
    return replace(config, **changes)
