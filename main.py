#!/usr/bin/env python3
"""CDKTF app: the account baseline ``payment-account`` and one ``PaymentStack`` per environment (dev, staging, prod)."""

import sys

from payment_infra.app import build_app
from payment_infra.config import ConfigError

if __name__ == "__main__":
    try:
        app = build_app()
    except ConfigError as error:  # a bad setting is the user's to fix: say which, without a traceback
        sys.exit(f"synth failed: {error}")
    app.synth()
