"""Builds the CDKTF app: the account stack, one stack per deployment and, for each deployment with ``dr.enabled``,
its standby ``payment-<env>-dr`` with the standbys' account baseline ``payment-account-dr``; used by ``main.py`` and
tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from payment_infra.account_stack import AccountBaselineStack
from payment_infra.config import check_deployments, deployment_names, load_account_config, load_config
from payment_infra.dr_account_stack import DrAccountBaselineStack, dr_account_config
from payment_infra.dr_settings import standby_name
from payment_infra.framework import App
from payment_infra.stack import PaymentStack
from payment_infra.standby_config import standby_config
from payment_infra.standby_stack import StandbyStack


def build_app(
    environments: Iterable[str] | None = None,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> App:
    """The account stack and one stack per deployment: by default dev, staging, prod and PAYMENT_DEPLOYMENT's."""
    if environments is None:
        environments = deployment_names(environ)
    # Validate every deployment, and what they must respect together, before the App touches the output directory.
    configs = [load_config(name, environ) for name in environments]
    account = load_account_config(environ)
    check_deployments(configs, account)
    app = App(outdir=outdir) if outdir else App()
    environments = [config.name for config in configs if not config.is_preview]
    AccountBaselineStack(app, account, environ, environment_vpcs=len(environments))
    reservations = {config.name: config.reserved_concurrency_total for config in configs}
    for config in configs:
        PaymentStack(app, config, environ, account_reservations=reservations)
    add_standbys(app, configs, account, environ)
    return app


def add_standbys(app: App, configs: list, account, environ: Mapping[str, str] | None) -> None:
    """``payment-account-dr`` and one ``payment-<env>-dr`` per deployment with a standby (none: nothing)."""
    standbys = [config for config in configs if config.dr.enabled]
    if not standbys:
        return
    region = standbys[0].fallback_region  # one for all (check_deployments)
    DrAccountBaselineStack(app, dr_account_config(account, region), environ, standby_vpcs=len(standbys))
    reservations = {standby_name(c.name): standby_config(c).reserved_concurrency_total for c in standbys}
    for config in standbys:
        StandbyStack(app, config, environ, region_reservations=reservations)
