#!/usr/bin/env python3
"""CDKTF app: one ``PaymentStack`` per environment (payment-dev, payment-staging, payment-prod)."""

from payment_infra.app import build_app

if __name__ == "__main__":
    build_app().synth()
