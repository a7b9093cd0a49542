"""Pure domain: money, transactions and their state machine, cursors, CSV rows, use cases.

Nothing in this package imports boto3 or Powertools; clocks, id generators and
storage arrive through the ports in :mod:`payments.domain.ports`.
"""
