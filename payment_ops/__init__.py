"""Operator tooling for the payment API (run as ``python -m payment_ops <command>``).

Commands:
    redrive   move messages from the settlement FIFO DLQ back to its queue (dry run by default)
    failover  move settlement to the warm standby in the fallback region (dry run by default)
    failback  move it back to the primary once its region answers (dry run by default)
"""
