"""Builds the CDKTF app: the account baseline stack and one stack per environment; used by ``main.py`` and tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from payment_infra.account_stack import AccountBaselineStack
from payment_infra.config import ENVIRONMENT_NAMES, check_deployments, load_account_config, load_config
from payment_infra.framework import App
from payment_infra.stack import PaymentStack


def build_app(
    environments: Iterable[str] = ENVIRONMENT_NAMES,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> App:
    # Validate every deployment, and what they must respect together, before the App touches the output directory.
    configs = [load_config(name, environ) for name in environments]
    account = load_account_config(environ)
    check_deployments(configs, account)
    app = App(outdir=outdir) if outdir else App()
    AccountBaselineStack(app, account, environ)
    for config in configs:
        PaymentStack(app, config, environ)
    return app
