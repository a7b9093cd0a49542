"""Which deployments exist (the environments plus an optional preview) and what they must respect together.

A preview's name becomes part of every resource name, so it must neither collide with an environment's
resources nor overflow AWS's name limits; and all deployments of one account share its Lambda concurrency quota,
its address space and the account baseline's region.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from payment_infra.config.dr import deployment_problems
from payment_infra.config.lambda_settings import UNRESERVED_CONCURRENCY_MINIMUM
from payment_infra.config.matrix import ENVIRONMENT_NAMES
from payment_infra.config.network import PREVIEW_NETWORK_NAME
from payment_infra.config.problems import ConfigError, Problem

if TYPE_CHECKING:
    from payment_infra.config.account import AccountConfig
    from payment_infra.config.environment import EnvironmentConfig

# Deployment names no preview may take: the environments and the account baseline (payment-account).
# "previews" names the account's shared preview network (payment-vpc-previews, ...).
RESERVED_DEPLOYMENT_NAMES: tuple[str, ...] = (*ENVIRONMENT_NAMES, "account", PREVIEW_NETWORK_NAME)
# The longest derived names bound it (tests/infra/test_deployments.py measures them on the synthesized stack):
# the bucket payment-receipts-<name>-<12-digit account id> (S3: 63) and the role
# payment-workflow-validate-<name>-role (IAM: 64) both leave exactly 33 characters for the name.
MAX_DEPLOYMENT_NAME_LENGTH = 33
DEPLOYMENT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")


def deployment_name_problems(name: Any, field_name: str = "PAYMENT_DEPLOYMENT") -> list[Problem]:
    """Why ``name`` cannot be a preview's name (empty when it can).

    Every resource name is ``<type>-<deployment>`` (plus a suffix such as ``.fifo``, ``-role`` or the account
    id), and some types extend others (``transaction-queue`` / ``transaction-queue-dlq``, ``payment-workflow`` /
    ``payment-workflow-validate``): a preview ``dlq-dev`` would name its queue ``transaction-queue-dlq-dev.fifo``,
    dev's DLQ. No type or suffix holds an environment's name as a hyphen-separated word (tests/infra/
    test_deployments.py checks it), so a name equal to an environment's can only come from a deployment name with
    that word: refusing those words refuses the whole family.
    """
    allowed = (
        f"1-{MAX_DEPLOYMENT_NAME_LENGTH} characters of lowercase letters, digits and single hyphens, starting with "
        "a letter and not ending with a hyphen, with none of "
        + ", ".join(RESERVED_DEPLOYMENT_NAMES)
        + " as a hyphen-separated word (dlq-dev would name its queue transaction-queue-dlq-dev.fifo, dev's DLQ)"
    )
    ok = (
        isinstance(name, str)
        and bool(DEPLOYMENT_NAME_PATTERN.match(name))
        and not name.endswith("-")
        and "--" not in name
        and len(name) <= MAX_DEPLOYMENT_NAME_LENGTH
        and not set(name.split("-")) & set(RESERVED_DEPLOYMENT_NAMES)
    )
    return [] if ok else [(field_name, name, allowed)]


def deployment_names(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The environments, plus the preview named by PAYMENT_DEPLOYMENT when it is set (validated)."""
    environ = os.environ if environ is None else environ
    name = environ.get("PAYMENT_DEPLOYMENT", "").strip()
    if not name or name in ENVIRONMENT_NAMES:  # PAYMENT_DEPLOYMENT=dev asks for what is already there
        return ENVIRONMENT_NAMES
    problems = deployment_name_problems(name)
    if problems:
        raise ConfigError(name, problems, scope="deployment")
    return (*ENVIRONMENT_NAMES, name)


def check_deployments(configs: Sequence[EnvironmentConfig], account: AccountConfig) -> None:
    """What the deployments of one account must respect together; one ``ConfigError`` lists every problem.

    - their reserved concurrency, summed, leaves ``UNRESERVED_CONCURRENCY_MINIMUM`` of the account quota free
      (Lambda refuses the reservation that would not: the last deploy would fail);
    - the environments' VPC CIDRs and the shared preview network's do not overlap (peering and transit gateways
      need distinct ranges); previews run in that shared network;
    - they are in the account baseline's region (its API Gateway CloudWatch role is per region);
    - their standbys (``dr.enabled``) share one fallback region, fit its quota and overlap no range
      (``dr.deployment_problems``).
    """
    problems = _reservation_problems(configs, account) + _network_and_region_problems(configs, account)
    problems += deployment_problems(configs, account)
    if problems:
        raise ConfigError(account.name, problems, scope="account")


def _reservation_problems(configs: Sequence[EnvironmentConfig], account: AccountConfig) -> list[Problem]:
    reserved = {config.name: config.reserved_concurrency_total for config in configs}
    total = sum(reserved.values())
    if total <= account.reservable_concurrency:
        return []
    parts = " + ".join(f"{name} {count}" for name, count in reserved.items())
    return [
        (
            "reserved concurrency of all deployments (lambda_.*reserved_concurrency)",
            f"{total} ({parts})",
            f"at most {account.reservable_concurrency}: the account quota lambda_concurrency_quota "
            f"({account.lambda_concurrency_quota}, PAYMENT_LAMBDA_CONCURRENCY_QUOTA) minus the "
            f"{UNRESERVED_CONCURRENCY_MINIMUM} Lambda keeps unreserved",
        )
    ]


def _network_and_region_problems(configs: Sequence[EnvironmentConfig], account: AccountConfig) -> list[Problem]:
    """Per deployment, in order: its network (own and distinct, or the shared preview one), then its region."""
    problems: list[Problem] = []
    seen: list[tuple[str, Any]] = [("the shared preview network", ipaddress.ip_network(account.preview_network_cidr))]
    for config in configs:
        if config.is_preview:  # runs in the account's preview network, owns no VPC
            if config.vpc_cidr != account.preview_network_cidr:
                allowed = f"the account's preview network {account.preview_network_cidr}"
                problems.append((f"{config.name}.vpc_cidr", config.vpc_cidr, allowed))
        else:
            network = ipaddress.ip_network(config.vpc_cidr)
            for other, other_network in seen:
                if network.overlaps(other_network):
                    allowed = f"a range not overlapping {other}'s {other_network}"
                    problems.append((f"{config.name}.vpc_cidr", config.vpc_cidr, allowed))
            seen.append((config.name, network))
        if config.region != account.region:
            problems.append(
                (f"{config.name}.region", config.region, f"the account baseline's region ({account.region})")
            )
    return problems
