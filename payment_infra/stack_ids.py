"""The ids of the stacks the app synthesizes, known without synthesizing (no jsii kernel, no CDKTF import).

The Makefile, the cost script, the workflow generator and the tests ask here instead of listing stacks
themselves; a stack ``build_app`` adds (a disaster-recovery standby, say) is added here too, and
``tests/infra/test_stack_base.py`` holds this list equal to what a synth writes.
``python -m payment_infra.stack_ids`` prints them, space-separated, for the Makefile.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from payment_infra.config import AccountConfig, ConfigError, deployment_names, load_config
from payment_infra.config.dr import standby_name


def stack_id(deployment: str) -> str:
    """The stack of one deployment (an environment or a preview): ``payment-<name>``."""
    return f"payment-{deployment}"


def deployment_stacks(environ: Mapping[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """``{deployment: its stacks, in deploy order}``: the account baseline (and, when any deployment has a standby,
    the fallback region's baseline ``payment-account-dr``), then each environment in promotion order with its
    standby ``payment-<env>-dr`` after it when ``dr.enabled``, then the preview PAYMENT_DEPLOYMENT names, if any.
    A workflow job deploys one entry (the deployment's GitHub environment and role)."""
    names = deployment_names(environ)
    standbys = {name for name in names if load_config(name, environ).dr.enabled}
    account = AccountConfig().name
    found = {account: (stack_id(account), *((stack_id(standby_name(account)),) if standbys else ()))}
    for name in names:
        found[name] = (stack_id(name), *((stack_id(standby_name(name)),) if name in standbys else ()))
    return found


def stack_ids(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every stack ``build_app`` synthesizes by default, in deploy order (``deployment_stacks``, flattened)."""
    return tuple(stack for stacks in deployment_stacks(environ).values() for stack in stacks)


def main() -> int:
    try:
        print(" ".join(stack_ids()))
    except ConfigError as error:  # a bad PAYMENT_DEPLOYMENT: the user's to fix, without a traceback
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
