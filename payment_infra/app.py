"""Builds the CDKTF app with one stack per environment; used by ``main.py`` and the tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from payment_infra.config import ENVIRONMENT_NAMES, load_config
from payment_infra.framework import App
from payment_infra.stack import PaymentStack


def build_app(
    environments: Iterable[str] = ENVIRONMENT_NAMES,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> App:
    # Validate every environment before the App touches the output directory.
    configs = [load_config(name, environ) for name in environments]
    app = App(outdir=outdir) if outdir else App()
    for config in configs:
        PaymentStack(app, config, environ)
    return app
