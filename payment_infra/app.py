"""Builds the CDKTF app with one stack per environment; used by ``main.py`` and the tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cdktf import App

from payment_infra.config import ENVIRONMENT_NAMES, load_config
from payment_infra.stack import PaymentStack


def build_app(
    environments: Iterable[str] = ENVIRONMENT_NAMES,
    outdir: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> App:
    app = App(outdir=outdir) if outdir else App()
    for name in environments:
        PaymentStack(app, load_config(name, environ), environ)
    return app
