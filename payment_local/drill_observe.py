"""What each region's workflow did during the failover drill, read from the outside once the drill is over.

Per region: the settlement executions by final status, and the notifications published (read from the emulator's
tap queue on the notifications topic). Each region's pipe carries only the payments created in that region; if one
carried its replica's records (a filter without the origin region), a payment settled elsewhere would start an
execution there: Validate refuses it (FAILED, announced as ``transaction.workflow_failed`` for a payment that
succeeded), or, with a stale replica, settles it again. The drill reports such executions and notices; a second
settlement itself is judged from the tables' writes (:mod:`payment_local.drill_checks`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3


def _client(service: str, region: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106  # nosec B106 - the emulator accepts any
    )


@dataclass
class RegionOutcome:
    region: str
    role: str
    executions: Counter[str] = field(default_factory=Counter)
    succeeded: set[str] = field(default_factory=set)
    notifications: Counter[str] = field(default_factory=Counter)
    failure_notices_for_succeeded: set[str] = field(default_factory=set)


@dataclass
class Outcomes:
    regions: list[RegionOutcome]

    def twice_announced(self) -> set[str]:
        """Transactions whose settlement execution succeeded in more than one region (two success notices)."""
        counts = Counter(txn for region in self.regions for txn in region.succeeded)
        return {txn for txn, count in counts.items() if count > 1}

    def lines(self) -> list[str]:
        lines = []
        for region in self.regions:
            executions = ", ".join(f"{n} {status}" for status, n in sorted(region.executions.items())) or "none"
            notices = ", ".join(f"{n} {event}" for event, n in sorted(region.notifications.items())) or "none"
            lines.append(f"{region.role} ({region.region}): executions {executions}; notifications {notices}")
            if region.failure_notices_for_succeeded:
                lines.append(
                    f"  {len(region.failure_notices_for_succeeded)} transaction.workflow_failed notice(s) "
                    "for payments that succeeded: replays Validate refused (not settlements)"
                )
        twice = self.twice_announced()
        if twice:
            lines.append(f"{len(twice)} payment(s) announced transaction.settled by both regions: {sorted(twice)}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "regions": [
                {
                    "region": r.region,
                    "role": r.role,
                    "executions": dict(r.executions),
                    "notifications": dict(r.notifications),
                    "failure_notices_for_succeeded": sorted(r.failure_notices_for_succeeded),
                }
                for r in self.regions
            ],
            "announced_settled_twice": sorted(self.twice_announced()),
        }


def _tap(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def outcomes_by_region(world: Any, transactions: Mapping[str, Mapping[str, Any]]) -> Outcomes:
    """Read both regions of a :class:`payment_local.two_regions.TwoRegions` (both must be up)."""
    succeeded = {txn for txn, found in transactions.items() if found.get("status") == "succeeded"}
    regions = []
    for site in (world.primary, world.standby):
        outcome = RegionOutcome(site.region, site.role)
        sfn = _client("stepfunctions", site.region, site.info["sfn_endpoint_url"])
        for execution in sfn.list_executions(stateMachineArn=site.info["state_machine_arn"])["executions"]:
            outcome.executions[execution["status"]] += 1
            if execution["status"] == "SUCCEEDED":
                outcome.succeeded.add(execution["name"])
        sqs = _client("sqs", site.region, world.endpoints[site.region])
        for notice in _tap(sqs, site.info["notifications_tap_url"]):
            outcome.notifications[str(notice.get("event"))] += 1
            if notice.get("event") == "transaction.workflow_failed" and notice.get("transaction_id") in succeeded:
                outcome.failure_notices_for_succeeded.add(notice["transaction_id"])
        regions.append(outcome)
    return Outcomes(regions)
