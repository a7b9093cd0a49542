"""Settings from environment variables (``PAYMENT_*``): the documented overrides of the matrix, parsed strictly.

A variable that is set but unreadable is a ``ConfigError`` naming it, never a silent fallback to the default.
The variables are listed in the package docstring (``payment_infra.config``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from payment_infra.config.account import AccountConfig
from payment_infra.config.deployments import deployment_name_problems
from payment_infra.config.dr import for_preview, load_dr
from payment_infra.config.environment import EnvironmentConfig
from payment_infra.config.matrix import ALERTED_ENVIRONMENTS, ENVIRONMENT_DEFAULTS, ENVIRONMENT_NAMES
from payment_infra.config.network import PREVIEW_NETWORK_CIDR
from payment_infra.config.problems import TRUE_WORDS, ConfigError, parse_bool

# The domains RFC 2606 reserves for examples (mail to them goes nowhere).
RESERVED_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
# Variable -> field of EnvironmentConfig, copied as it is (stripped) when set.
_ENVIRONMENT_VARIABLES = (
    ("PAYMENT_AWS_REGION", "region"),
    ("PAYMENT_FALLBACK_REGION", "fallback_region"),
    ("PAYMENT_ALERT_EMAIL", "alert_email"),
    ("PAYMENT_OWNER", "owner"),
    ("PAYMENT_COST_CENTER", "cost_center"),
)
# The same variables for the fields the account baseline has too (region and the tag values).
_ACCOUNT_VARIABLES = tuple(
    (variable, field) for variable, field in _ENVIRONMENT_VARIABLES if field in {f.name for f in fields(AccountConfig)}
)


def _copied(environ: Mapping[str, str], variables: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {attribute: environ[variable].strip() for variable, attribute in variables if environ.get(variable)}


def load_config(environment: str, environ: Mapping[str, str] | None = None) -> EnvironmentConfig:
    """The validated settings of ``environment`` with overrides from ``environ`` (default ``os.environ``).

    A name other than dev, staging, prod is a preview: sized like PAYMENT_DEPLOYMENT_PROFILE (default dev),
    always destroyable, in the account's shared preview network (``PREVIEW_NETWORK_CIDR``).
    """
    environ = os.environ if environ is None else environ
    if environment not in ENVIRONMENT_DEFAULTS:
        return _load_preview(environment, environ)
    overrides = _copied(environ, _ENVIRONMENT_VARIABLES)
    if environ.get("PAYMENT_DESTROYABLE"):
        overrides["destroyable"] = parse_bool("PAYMENT_DESTROYABLE", environ["PAYMENT_DESTROYABLE"])
    if environ.get("PAYMENT_RESERVE_CONCURRENCY"):
        reserve = parse_bool("PAYMENT_RESERVE_CONCURRENCY", environ["PAYMENT_RESERVE_CONCURRENCY"])
        overrides["lambda_"] = replace(ENVIRONMENT_DEFAULTS[environment]["lambda_"], reserve_concurrency=reserve)
    overrides["dr"] = load_dr(ENVIRONMENT_DEFAULTS[environment]["dr"], environ)
    config = EnvironmentConfig(name=environment, **{**ENVIRONMENT_DEFAULTS[environment], **overrides})
    if environ.get("PAYMENT_STATE_BUCKET"):
        _require_a_read_mailbox(config)
    return config


def _require_a_read_mailbox(config: EnvironmentConfig) -> None:
    """In a real account (a state bucket), staging's and prod's alarms must reach a person, not example.com."""
    if config.name not in ALERTED_ENVIRONMENTS:
        return
    domain = config.alert_email.rsplit("@", 1)[-1].lower()
    if domain in RESERVED_EMAIL_DOMAINS:
        allowed = (
            f"a mailbox someone reads: with a state bucket (PAYMENT_STATE_BUCKET, a real account) {config.name}'s "
            "alarms must reach a person; set PAYMENT_ALERT_EMAIL (the repository variable in the workflows)"
        )
        raise ConfigError(config.name, [("alert_email (PAYMENT_ALERT_EMAIL)", config.alert_email, allowed)])


def _load_preview(name: str, environ: Mapping[str, str]) -> EnvironmentConfig:
    problems = deployment_name_problems(name)
    profile = environ.get("PAYMENT_DEPLOYMENT_PROFILE", "").strip() or "dev"
    if profile not in ENVIRONMENT_NAMES:
        problems.append(("PAYMENT_DEPLOYMENT_PROFILE", profile, "one of " + ", ".join(ENVIRONMENT_NAMES)))
    raw_destroyable = environ.get("PAYMENT_DESTROYABLE", "").strip()
    if raw_destroyable and raw_destroyable.lower() not in TRUE_WORDS:
        problems.append(("PAYMENT_DESTROYABLE", raw_destroyable, "true or unset: a preview is always destroyable"))
    if problems:
        raise ConfigError(name, problems, scope="deployment")
    base = load_config(profile, {k: v for k, v in environ.items() if k != "PAYMENT_DESTROYABLE"})
    dr = for_preview(base.dr, environ)
    return replace(base, name=name, profile=profile, vpc_cidr=PREVIEW_NETWORK_CIDR, destroyable=True, dr=dr)


def load_account_config(environ: Mapping[str, str] | None = None) -> AccountConfig:
    """The account baseline's settings, from the same variables as the environments (region, tag values)."""
    environ = os.environ if environ is None else environ
    overrides = _copied(environ, _ACCOUNT_VARIABLES)
    raw_quota = environ.get("PAYMENT_LAMBDA_CONCURRENCY_QUOTA", "").strip()
    if raw_quota:
        if not raw_quota.isdigit():
            raise ConfigError(
                "account", [("PAYMENT_LAMBDA_CONCURRENCY_QUOTA", raw_quota, "a whole number")], scope="account"
            )
        overrides["lambda_concurrency_quota"] = int(raw_quota)
    return AccountConfig(**overrides)
