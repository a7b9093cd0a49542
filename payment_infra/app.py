"""Builds the CDKTF app: the account stack and one stack per deployment; used by ``main.py`` and tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from payment_infra.account_stack import AccountBaselineStack
from payment_infra.config import check_deployments, deployment_names, load_account_config, load_config
from payment_infra.framework import App
from payment_infra.stack import PaymentStack


def build_app(
    environments: Iterable[str] | None = None,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> App:
    """The account stack and one stack per deployment: by default every environment and PAYMENT_DEPLOYMENT's.

    A stack added here is added to ``payment_infra.stack_ids`` too (tests/infra/test_stack_base.py checks it)."""
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
    return app
