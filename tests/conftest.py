"""Session-wide fixtures: the app is synthesized once and every infra test reads the parsed JSON.

The synth accelerator is enabled before anything imports the framework (which starts the jsii kernel), as
``main.py`` does; without its folder the suite runs the stock, slower way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

try:
    import payment_infra.accelerate as accelerate
except ModuleNotFoundError as missing:  # the accelerator folder was deleted: the app works, slower
    if missing.name != "payment_infra.accelerate":
        raise
    accelerate = None

ACCELERATION = accelerate.enable() if accelerate is not None else None

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("dev", "staging", "prod")
ACCOUNT_STACK = "payment-account"  # the account baseline, synthesized beside the environments

# Synth must not depend on the developer's shell: no remote backend, default region (the engine is kept).
_SYNTH_ENV = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENT_") or k == "PAYMENT_ENGINE"}


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthesize all stacks once per session into a temporary cdktf.out."""
    from payment_infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdktf.out")
    build_app(outdir=str(outdir), environ=_SYNTH_ENV).synth()
    return outdir


@pytest.fixture(scope="session")
def stacks(synth_dir: Path) -> dict[str, dict]:
    """``{"dev": <parsed cdk.tf.json>, ...}``."""
    return {
        env: json.loads((synth_dir / "stacks" / f"payment-{env}" / "cdk.tf.json").read_text()) for env in ENVIRONMENTS
    }


@pytest.fixture(scope="session")
def account_stack(synth_dir: Path) -> dict:
    """The parsed ``payment-account`` stack (account singletons)."""
    return json.loads((synth_dir / "stacks" / ACCOUNT_STACK / "cdk.tf.json").read_text())


@pytest.fixture(scope="session", params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def stack(stacks: dict[str, dict], env: str) -> dict:
    return stacks[env]


PREVIEWS = ("pr-123", "alice-try-new-ledger")  # two previews synthesized beside one environment


@pytest.fixture(scope="session")
def side_by_side(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """dev and two previews (PAYMENT_DEPLOYMENT names) synthesized in one app: ``{stack id: parsed stack}``."""
    from payment_infra.app import build_app

    outdir = tmp_path_factory.mktemp("side-by-side.out")
    build_app(environments=("dev", *PREVIEWS), outdir=str(outdir), environ=_SYNTH_ENV).synth()
    return {
        stack_id: json.loads((outdir / "stacks" / stack_id / "cdk.tf.json").read_text())
        for stack_id in ("payment-dev", *(f"payment-{name}" for name in PREVIEWS))
    }
