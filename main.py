#!/usr/bin/env python3
"""CDKTF app: the account baseline ``payment-account`` and one ``PaymentStack`` per environment of the matrix
(``payment_infra.config.ENVIRONMENT_DEFAULTS``; ``payment_infra.stack_ids`` lists them without synthesizing)."""

import sys

try:
    import payment_infra.accelerate as accelerate
except ModuleNotFoundError as missing:  # the accelerator folder was deleted: synth works, slower
    if missing.name != "payment_infra.accelerate":
        raise
    accelerate = None


def main() -> None:
    if accelerate is not None:
        accelerate.enable()  # before the framework starts the jsii kernel
    from payment_infra.app import build_app
    from payment_infra.config import ConfigError

    try:
        app = build_app()
    except ConfigError as error:  # a bad setting is the user's to fix: say which, without a traceback
        sys.exit(f"synth failed: {error}")
    app.synth()


if __name__ == "__main__":
    main()
