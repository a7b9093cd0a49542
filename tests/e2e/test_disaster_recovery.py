"""prod's primary and standby stacks emulated in their two regions (payment_local.two_regions, in its own process):
what replicates, and that the workflow's guards refuse a second settlement of one transaction in the other region.

The standby is served from its synthesized stack (``payment-prod-dr``): replica tables read by data sources, its
settlement pipe STOPPED and sweep rule DISABLED as created. The stacks come from the session's synth.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from payments.adapters.dynamodb import DynamoDBTransactionRepository
from payments.domain.errors import ConcurrentModificationError
from payments.domain.transaction import Status

from payment_local.process import child_environment

REPO_ROOT = Path(__file__).resolve().parents[2]
API_KEY = f"dr-e2e-{uuid.uuid4().hex}"


class Site:
    def __init__(self, info: dict[str, Any], endpoint: str) -> None:
        self.info, self.endpoint = info, endpoint
        self.http = requests.Session()
        self.http.headers["x-api-key"] = API_KEY

    @property
    def region(self) -> str:
        return self.info["region"]

    def aws(self, service: str) -> Any:
        endpoint = self.info["sfn_endpoint_url"] if service == "stepfunctions" else self.endpoint
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def create(self, customer_id: str, key: str | None = None) -> requests.Response:
        return self.http.post(
            f"{self.info['base_url']}/transactions",
            json={"customer_id": customer_id, "amount": 4200, "currency": "EUR"},
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
            timeout=15,
        )

    def transaction(self, transaction_id: str) -> dict[str, Any] | None:
        response = self.http.get(f"{self.info['base_url']}/transactions/{transaction_id}", timeout=15)
        return response.json() if response.status_code == 200 else None

    def wait_status(self, transaction_id: str, wanted: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.transaction(transaction_id)
            if found and found["status"] == wanted:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{transaction_id} not {wanted} in {self.region} within {timeout} s")

    def switch(self, on: bool) -> None:
        outputs = self.info["outputs"]
        pipes, events = self.aws("pipes"), self.aws("events")
        (pipes.start_pipe if on else pipes.stop_pipe)(Name=outputs["pipes_settlement_pipe_name"])
        (events.enable_rule if on else events.disable_rule)(Name=outputs["events_sweep_rule_name"])
        time.sleep(0.3)  # the emulator reads a switch at most every 0.25 s


class World:
    def __init__(self, ready: dict[str, Any]) -> None:
        self.ready = ready
        self.primary = Site(ready["primary"], ready["endpoints"][ready["primary"]["region"]])
        self.standby = Site(ready["standby"], ready["endpoints"][ready["standby"]["region"]])

    def local_writes(self, table: str) -> list[dict[str, Any]]:
        return requests.get(f"{self.ready['control_url']}/writes", params={"table": table}, timeout=10).json()


@pytest.fixture(scope="module")
def world(synth_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("two-regions")
    ready_file = workdir / "ready.json"
    command = [
        sys.executable,
        "-m",
        "payment_local.two_regions",
        "--stacks-dir",
        str(synth_dir),
        "--workdir",
        str(workdir),
        "--ready-file",
        str(ready_file),
        "--api-key",
        API_KEY,
        "--replication-lag",
        "0.3",
        "--no-throttle",
        "--log-level",
        "WARNING",
        "--sweep-interval",
        "3600",
    ]
    with (workdir / "host.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=child_environment(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 240
            while not ready_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("two regions did not start:\n" + (workdir / "host.log").read_text()[-4000:])
                time.sleep(0.2)
            yield World(json.loads(ready_file.read_text()))
        finally:
            process.terminate()
            process.wait(timeout=60)


def test_the_standby_starts_with_its_settlement_path_off_and_serves_what_the_primary_wrote(world: World) -> None:
    standby = world.standby.info["outputs"]
    assert world.standby.aws("pipes").describe_pipe(Name=standby["pipes_settlement_pipe_name"])["DesiredState"] == (
        "STOPPED"
    )
    assert world.standby.aws("events").describe_rule(Name=standby["events_sweep_rule_name"])["State"] == "DISABLED"
    key = uuid.uuid4().hex
    created = world.primary.create("cust_dr_read", key)
    assert created.status_code == 201, created.text
    transaction_id = created.json()["transaction_id"]
    settled = world.primary.wait_status(transaction_id, "succeeded")
    assert world.standby.wait_status(transaction_id, "succeeded") == settled  # replicated, read by the standby's API
    again = world.standby.create("cust_dr_read", key)  # the same Idempotency-Key, the other region
    assert again.status_code in (200, 201) and again.json()["transaction_id"] == transaction_id
    receipts = world.standby.info["receipts_bucket"]  # the replica of the primary's receipts bucket
    deadline = time.monotonic() + 10
    keys: list[str] = []
    while not keys and time.monotonic() < deadline:
        listed = world.standby.aws("s3").list_objects_v2(Bucket=receipts).get("Contents", [])
        keys = [o["Key"] for o in listed if o["Key"].endswith(f"{transaction_id}.json")]
        time.sleep(0.1)
    assert len(keys) == 1
    # the standby's pipe saw the replicated INSERT on its own stream, and being STOPPED carried nothing
    assert (
        world.standby.aws("stepfunctions").list_executions(stateMachineArn=world.standby.info["state_machine_arn"])[
            "executions"
        ]
        == []
    )


def test_a_settlement_replicated_from_one_region_is_refused_in_the_other(world: World) -> None:
    table = world.primary.info["transactions_table"]
    world.primary.switch(on=False)  # hold it pending long enough for the other region to load it
    try:
        created = world.primary.create("cust_dr_twice")
        assert created.status_code == 201, created.text
        transaction_id = created.json()["transaction_id"]
        world.standby.wait_status(transaction_id, "pending")
        standby_repository = DynamoDBTransactionRepository(world.standby.aws("dynamodb"), table)
        stale = standby_repository.get(transaction_id)  # what a standby worker loaded before the settlement
        assert stale is not None and stale.status is Status.PENDING
    finally:
        world.primary.switch(on=True)
    settled = world.primary.wait_status(transaction_id, "succeeded")
    world.standby.wait_status(transaction_id, "succeeded")
    # 1. the workflow's conditional transition, from the stale view, in the standby's replica: refused
    with pytest.raises(ConcurrentModificationError):
        standby_repository.save_transition(stale, stale.transition(Status.PROCESSING, datetime.now(UTC)))
    # 2. the standby's own workflow for the same transaction: Validate refuses a final transaction
    sfn = world.standby.aws("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=world.standby.info["state_machine_arn"],
        name=transaction_id,
        input=json.dumps({"transaction_id": transaction_id}),
    )["executionArn"]
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the standby's execution did not end"
        time.sleep(0.1)
    assert described["status"] == "FAILED"
    time.sleep(1)  # anything the standby wrote would have replicated back by now
    assert world.primary.transaction(transaction_id) == settled  # unchanged in both regions
    assert world.standby.transaction(transaction_id) == settled
    moves = [
        w
        for w in world.local_writes(table)
        if transaction_id in w["key"]
        and (w["old"] or {}).get("status", {}).get("S") == "pending"
        and (w["new"] or {}).get("status", {}).get("S") == "processing"
    ]
    assert [w["region"] for w in moves] == [world.primary.region]  # settled in one region only


def test_with_both_pipes_on_a_payment_is_settled_only_by_the_region_that_created_it(world: World) -> None:
    """As after a failover whose primary could not be switched off: each pipe skips the replica's records."""
    world.standby.switch(on=True)
    try:
        ids = {}
        for site in (world.primary, world.standby):
            created = site.create(f"cust_dr_both_{site.region}")
            assert created.status_code == 201, created.text
            ids[site.region] = created.json()["transaction_id"]
        for site in (world.primary, world.standby):
            site.wait_status(ids[site.region], "succeeded")
        other = {world.primary.region: world.standby, world.standby.region: world.primary}
        for region, transaction_id in ids.items():
            other[region].wait_status(transaction_id, "succeeded")  # replicated
        time.sleep(1.5)  # a pipe carrying the replica's INSERT would have started an execution by now
        for region, transaction_id in ids.items():
            site = other[region]
            names = [
                e["name"]
                for e in site.aws("stepfunctions").list_executions(stateMachineArn=site.info["state_machine_arn"])[
                    "executions"
                ]
            ]
            assert transaction_id not in names, f"{site.region} started settling {region}'s payment"
        table = world.primary.info["transactions_table"]
        for region, transaction_id in ids.items():
            changed_by = {
                w["region"]
                for w in world.local_writes(table)
                if transaction_id in w["key"] and (w["old"] or {}).get("status") != (w["new"] or {}).get("status")
            }
            assert changed_by == {region}
    finally:
        world.standby.switch(on=False)
