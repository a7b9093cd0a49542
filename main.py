#!/usr/bin/env python3
"""CDKTF app: one ``PaymentStack`` per environment (payment-dev, payment-staging, payment-prod)."""

import sys

from payment_infra.app import build_app
from payment_infra.config import ConfigError

if __name__ == "__main__":
    try:
        app = build_app()
    except ConfigError as error:  # a bad setting is the user's to fix: say which, without a traceback
        sys.exit(f"synth failed: {error}")
    app.synth()
