"""The settlement path's on/off state in a deployment with a standby: set at creation, then the operator's.

A global table's replica emits stream records for the writes replicated into it. If the standby's pipe ran, every
payment the primary settles would also start settlement in the standby. So the standby's pipe is created
``STOPPED`` and its sweep rule ``DISABLED``; ``make failover`` starts them (and stops the primary's, best effort),
``make failback`` the reverse. Both sides ignore later changes of that one attribute, so no deploy of either stack
undoes an operator's failover. (The workflow's conditional writes still refuse a second settlement of one id.)
"""

from __future__ import annotations

from payment_infra.constructs.settlement_feed import SettlementFeed
from payment_infra.framework import TerraformResourceLifecycle

PIPE_RUNNING, PIPE_STOPPED = "RUNNING", "STOPPED"
RULE_ENABLED, RULE_DISABLED = "ENABLED", "DISABLED"
PIPE_ID, SWEEP_RULE_ID = "pipe", "sweep_schedule"  # SettlementFeed's construct ids of the two switches


def hand_settlement_to_operator(feed: SettlementFeed, *, running: bool) -> None:
    """Create the feed's pipe and sweep rule ``running`` (or stopped); later deploys leave their state alone."""
    pipe = feed.node.find_child(PIPE_ID)
    pipe.desired_state = PIPE_RUNNING if running else PIPE_STOPPED  # type: ignore[attr-defined]
    pipe.lifecycle = TerraformResourceLifecycle(ignore_changes=["desired_state"])  # type: ignore[attr-defined]
    rule = feed.node.find_child(SWEEP_RULE_ID)
    rule.state = RULE_ENABLED if running else RULE_DISABLED  # type: ignore[attr-defined]
    rule.lifecycle = TerraformResourceLifecycle(ignore_changes=["state"])  # type: ignore[attr-defined]
