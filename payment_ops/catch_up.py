"""Before a site's settlement path goes on, the other site's settlements must be over and replicated.

Stopping a pipe and a sweep rule stops new work, not the work already under way: messages in the settlement queue
are still consumed and running workflow executions finish. :func:`drain` waits until the stopped site's queue is
empty and no execution of its workflow runs. A settlement is a write to the global tables, and replication is
asynchronous: :func:`replicated` writes a canary item into each replicated table of the stopped site and waits
until the other site reads it (a strongly consistent read), then deletes it. Replication copies each table's
changes in order per item, not across items, so a canary seen is strong evidence, not proof, that the earlier writes
arrived; AWS's ``ReplicationLatency`` metric tells the same from the outside. The canary carries no ``status`` (the
pipe ignores it) and none of the index keys (no list shows it); its key starts with ``dr-canary-``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from payment_ops.sites import Reach, Site

CANARY_PREFIX = "dr-canary-"


def _in_flight(reach: Reach, site: Site) -> tuple[int, int]:
    """``(messages in the settlement queue, running executions)`` of ``site``."""
    sqs = reach.client("sqs", site.region)
    names = [f"ApproximateNumberOfMessages{kind}" for kind in ("", "NotVisible", "Delayed")]
    attributes = sqs.get_queue_attributes(QueueUrl=site.queue_url, AttributeNames=names)["Attributes"]
    messages = sum(int(attributes.get(name, 0)) for name in names)
    running = reach.client("stepfunctions", site.region).list_executions(
        stateMachineArn=site.state_machine_arn, statusFilter="RUNNING", maxResults=100
    )["executions"]
    return messages, len(running)


def drain(
    reach: Reach,
    site: Site,
    *,
    timeout: float,
    poll: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """``None`` once nothing is in flight in ``site``, else what still was when ``timeout`` ran out."""
    deadline = clock() + timeout
    while True:
        messages, running = _in_flight(reach, site)
        if not messages and not running:
            return None
        left = deadline - clock()
        if left <= 0:
            return f"{messages} settlement message(s) queued, {running} execution(s) running after {timeout:g} s"
        sleep(min(poll, left))


def _canary_key(dynamodb: Any, table: str, marker: str) -> dict[str, Any]:
    description = dynamodb.describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    key = {}
    for element in description["KeySchema"]:
        kind = types[element["AttributeName"]]
        key[element["AttributeName"]] = {"S": marker} if kind == "S" else {kind: "0" if kind == "N" else b"0"}
    return key


def replicated(
    reach: Reach,
    source: Site,
    target: Site,
    *,
    timeout: float,
    poll: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """``None`` once a canary written in each of ``source``'s tables is read in ``target``, else what was missing."""
    writer, reader = reach.client("dynamodb", source.region), reach.client("dynamodb", target.region)
    marker = f"{CANARY_PREFIX}{uuid.uuid4().hex}"
    keys = {table: _canary_key(writer, table, marker) for table in source.tables}
    started = clock()
    for table, key in keys.items():
        writer.put_item(TableName=table, Item={**key, "dr_canary_written_at": {"N": str(time.time())}})
    waiting = dict(keys)
    try:
        while waiting:
            for table, key in list(waiting.items()):
                if reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item"):
                    del waiting[table]
            if not waiting:
                break
            if clock() - started >= timeout:
                return (
                    f"a canary written in {source.region} was not read in {target.region} within "
                    f"{timeout:g} s: {', '.join(waiting)}"
                )
            sleep(poll)
    finally:
        for table, key in keys.items():
            writer.delete_item(TableName=table, Key=key)
    return None
