"""Operator tooling for the payment API (run as ``python -m payment_ops <command>``).

Commands:
    redrive   move messages from the settlement FIFO DLQ back to its queue (dry run by default)
"""
