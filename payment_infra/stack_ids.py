"""The ids of the stacks the app synthesizes, known without synthesizing (no jsii kernel, no CDKTF import).

The Makefile, the cost script, the workflow generator and the tests ask here instead of listing stacks
themselves; a stack ``build_app`` adds (a disaster-recovery standby, say) is added here too, and
``tests/infra/test_stack_base.py`` holds this list equal to what a synth writes.
``python -m payment_infra.stack_ids`` prints them, space-separated, for the Makefile.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from payment_infra.config import AccountConfig, ConfigError, deployment_names


def stack_id(deployment: str) -> str:
    """The stack of one deployment (an environment or a preview): ``payment-<name>``."""
    return f"payment-{deployment}"


def stack_ids(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every stack ``build_app`` synthesizes by default, in deploy order: the account baseline first, then the
    environments in promotion order (``ENVIRONMENT_NAMES``), then the preview PAYMENT_DEPLOYMENT names, if any."""
    return (AccountConfig().stack_id, *(stack_id(name) for name in deployment_names(environ)))


def main() -> int:
    try:
        print(" ".join(stack_ids()))
    except ConfigError as error:  # a bad PAYMENT_DEPLOYMENT: the user's to fix, without a traceback
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
