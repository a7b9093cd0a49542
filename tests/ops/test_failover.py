"""``make failover`` / ``make failback`` (payment_ops.failover) on two moto regions that can fail.

Each region holds what the tools touch, named as in the synthesized prod stack: the settlement pipe, the sweep rule,
the settlement queue, the workflow and the two tables, replicated between the regions as global tables (the
emulator's replication, asynchronous). The outputs file names them, as ``make output`` writes it.
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from payment_local.global_tables import GlobalTable, GlobalTables
from payment_local.regions import Regions
from payment_local.replication import Replicator
from payment_ops.__main__ import main
from payment_ops.catch_up import CANARY_PREFIX
from payment_ops.sites import PIPE, QUEUE, STATE_MACHINE, SWEEP_RULE, TABLES, URL, primary_stack, standby_stack

pytestmark = pytest.mark.slow  # two moto regions and the tool's real waits: make test-slow runs it

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV = "prod"
PRIMARY, STANDBY = "ap-northeast-2", "ap-northeast-1"
FAST = ["--drain-timeout", "5", "--replication-timeout", "10", "--primary-timeout", "1"]


@dataclass
class World:
    regions: Regions
    outputs_file: Path
    names: dict[str, str]

    def client(self, service: str, region: str) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.regions.endpoints[region],
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def pipe(self, region: str) -> str:
        return self.client("pipes", region).describe_pipe(Name=self.names["pipe"])["DesiredState"]

    def rule(self, region: str) -> str:
        return self.client("events", region).describe_rule(Name=self.names["rule"])["State"]

    def args(self, command: str, *extra: str, endpoints: dict[str, str] | None = None) -> list[str]:
        endpoints = endpoints or self.regions.endpoints
        return [
            command,
            "--env",
            ENV,
            "--outputs-file",
            str(self.outputs_file),
            *FAST,
            *extra,
            *[f"--endpoint-url={region}={url}" for region, url in endpoints.items()],
        ]


def _names(stack: dict[str, Any]) -> dict[str, Any]:
    resources = stack["resource"]
    (pipe,) = resources["aws_pipes_pipe"].values()
    (rule,) = [r for r in resources["aws_cloudwatch_event_rule"].values() if "schedule_expression" in r]
    (machine,) = resources["aws_sfn_state_machine"].values()
    (queue,) = [q for q in resources["aws_sqs_queue"].values() if q.get("fifo_queue") and "redrive_policy" in q]
    return {
        "pipe": pipe["name"],
        "rule": rule["name"],
        "machine": machine["name"],
        "queue": queue["name"],
        "tables": {t["name"]: t for t in resources["aws_dynamodb_table"].values()},
    }


def _create_site(world: World, region: str, *, running: bool) -> dict[str, str]:
    names = world.names
    for name, spec in names["tables"].items():
        if region == PRIMARY:  # the replicas are created by replication, as global tables are
            world.client("dynamodb", region).create_table(
                TableName=name,
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[
                    {"AttributeName": a["name"], "AttributeType": a["type"]}
                    for a in spec["attribute"]
                    if a["name"] in (spec["hash_key"], spec.get("range_key"))
                ],
                KeySchema=[
                    {"AttributeName": spec["hash_key"], "KeyType": "HASH"},
                    *([{"AttributeName": spec["range_key"], "KeyType": "RANGE"}] if spec.get("range_key") else []),
                ],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )
    queue_url = world.client("sqs", region).create_queue(
        QueueName=names["queue"], Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    machine = world.client("stepfunctions", region).create_state_machine(
        name=names["machine"],
        roleArn="arn:aws:iam::123456789012:role/sfn",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]
    world.client("pipes", region).create_pipe(
        Name=names["pipe"],
        Source=f"arn:aws:dynamodb:{region}:123456789012:table/t/stream/x",
        Target=f"arn:aws:sqs:{region}:123456789012:{names['queue']}",
        RoleArn="arn:aws:iam::123456789012:role/pipe",
        DesiredState="RUNNING" if running else "STOPPED",
    )
    world.client("events", region).put_rule(
        Name=names["rule"], ScheduleExpression="rate(5 minutes)", State="ENABLED" if running else "DISABLED"
    )
    transactions, idempotency = names["tables"]
    return {
        PIPE: names["pipe"],
        SWEEP_RULE: names["rule"],
        URL: f"https://api.{region}.example/{ENV}",
        QUEUE: queue_url,
        STATE_MACHINE: machine,
        TABLES[0]: transactions,
        TABLES[1]: idempotency,
    }


@pytest.fixture
def world(stacks: dict[str, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "local")
    regions = Regions([PRIMARY, STANDBY])
    regions.start()
    requests.post(f"{regions.endpoints[PRIMARY]}/moto-api/reset", timeout=10)  # moto's state lives in the process
    names = _names(stacks[ENV])
    world = World(regions, tmp_path / "outputs.json", names)
    replicator = Replicator(regions, lag=0.1)
    tables = GlobalTables([GlobalTable(name, PRIMARY, (STANDBY,)) for name in names["tables"]], replicator)
    tables.install()
    outputs = {primary_stack(ENV): _create_site(world, PRIMARY, running=True)}
    tables.create_replicas(world.client)
    outputs[standby_stack(ENV)] = _create_site(world, STANDBY, running=False)
    world.outputs_file.write_text(json.dumps(outputs))
    replicator.start()
    yield world
    replicator.stop()
    tables.uninstall()
    regions.stop()


def _run(world: World, capsys: pytest.CaptureFixture[str], *args: str, **kwargs: Any) -> tuple[int, str]:
    code = main(world.args(*args, **kwargs))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _items(world: World, region: str) -> list[dict[str, Any]]:
    return [
        item
        for table in world.names["tables"]
        for item in world.client("dynamodb", region).scan(TableName=table, ConsistentRead=True)["Items"]
    ]


def test_the_dry_run_reads_both_sites_and_changes_nothing(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(world, capsys, "failover")
    assert code == 0, out
    assert "DRY RUN" in out and out.count("planned") == 4, out
    assert "would wait for payment-prod's queue and workflow to drain" in out
    assert (world.pipe(PRIMARY), world.rule(PRIMARY), world.pipe(STANDBY), world.rule(STANDBY)) == (
        "RUNNING",
        "ENABLED",
        "STOPPED",
        "DISABLED",
    )
    assert "serving" not in out


def test_failover_with_both_regions_up_waits_for_the_primary_then_starts_the_standby(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(world, capsys, "failover", "--apply")
    assert code == 0, out
    assert (world.pipe(PRIMARY), world.rule(PRIMARY), world.pipe(STANDBY), world.rule(STANDBY)) == (
        "STOPPED",
        "DISABLED",
        "RUNNING",
        "ENABLED",
    )
    assert f"payment-prod: nothing in flight, replicated to {STANDBY}" in out
    assert f"standby serving: https://api.{STANDBY}.example/prod" in out
    # the canaries are gone in both regions once their deletes replicated
    assert not [i for i in _items(world, PRIMARY) if CANARY_PREFIX in json.dumps(i)]
    code, out = _run(world, capsys, "failover", "--apply")  # a rerun changes nothing
    assert code == 0 and out.count("already") == 4, out


def test_failover_with_the_primary_down_starts_the_standby_and_says_to_rerun(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.regions.fail(PRIMARY)
    code, out = _run(world, capsys, "failover", "--apply")
    assert code == 1, out
    assert "StopPipe" in out and "unreachable (EndpointConnectionError" in out
    assert "DisableRule" in out and "skipped (the region did not answer)" in out
    assert f"{PRIMARY} did not answer: payment-prod's settlement path may still be on" in out
    assert f"standby serving: https://api.{STANDBY}.example/prod" in out
    assert (world.pipe(STANDBY), world.rule(STANDBY)) == ("RUNNING", "ENABLED")
    world.regions.restore(PRIMARY)
    assert world.pipe(PRIMARY) == "RUNNING"  # as the region left it: still on
    code, out = _run(world, capsys, "failover", "--apply")  # the rerun the output asked for
    assert code == 0, out
    assert (world.pipe(PRIMARY), world.rule(PRIMARY)) == ("STOPPED", "DISABLED")


def test_a_primary_that_accepts_connections_but_never_answers_costs_only_its_timeouts(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the kernel; nobody ever reads or answers
    try:
        endpoints = {**world.regions.endpoints, PRIMARY: f"http://127.0.0.1:{silent.getsockname()[1]}"}
        code, out = _run(world, capsys, "failover", "--apply", endpoints=endpoints)
    finally:
        silent.close()
    assert code == 1, out
    assert "unreachable (ReadTimeoutError" in out, out
    assert (world.pipe(STANDBY), world.rule(STANDBY)) == ("RUNNING", "ENABLED")


def test_failback_changes_nothing_while_the_primary_is_down(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.regions.fail(PRIMARY)
    assert _run(world, capsys, "failover", "--apply")[0] == 1
    code, out = _run(world, capsys, "failback", "--apply")
    assert code == 2, out
    assert f"nothing done: the primary ({PRIMARY}) does not answer" in out
    assert (world.pipe(STANDBY), world.rule(STANDBY)) == ("RUNNING", "ENABLED")


def test_failback_drains_the_standby_waits_for_replication_then_starts_the_primary(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(world, capsys, "failover", "--apply")[0] == 0
    code, out = _run(world, capsys, "failback", "--apply")
    assert code == 0, out
    assert (world.pipe(PRIMARY), world.rule(PRIMARY), world.pipe(STANDBY), world.rule(STANDBY)) == (
        "RUNNING",
        "ENABLED",
        "STOPPED",
        "DISABLED",
    )
    assert f"payment-prod-dr: nothing in flight, replicated to {PRIMARY}" in out
    assert f"primary serving: https://api.{PRIMARY}.example/prod" in out


def test_failback_does_not_start_the_primary_while_the_standby_still_settles(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(world, capsys, "failover", "--apply")[0] == 0
    outputs = json.loads(world.outputs_file.read_text())[standby_stack(ENV)]
    sfn = world.client("stepfunctions", STANDBY)
    execution = sfn.start_execution(stateMachineArn=outputs[STATE_MACHINE], name="txn_running")["executionArn"]
    code, out = _run(world, capsys, "failback", "--apply", "--drain-timeout", "0.5")
    assert code == 1, out
    assert "1 execution(s) running" in out and "payment-prod was NOT started" in out
    assert (world.pipe(PRIMARY), world.pipe(STANDBY)) == ("STOPPED", "STOPPED")  # off in both: nothing settles
    sfn.stop_execution(executionArn=execution)
    code, out = _run(world, capsys, "failback", "--apply")
    assert code == 0, out
    assert world.pipe(PRIMARY) == "RUNNING"


def test_force_starts_the_target_without_waiting_for_the_source(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.client("sqs", PRIMARY).send_message(
        QueueUrl=json.loads(world.outputs_file.read_text())[primary_stack(ENV)][QUEUE],
        MessageBody="{}",
        MessageGroupId="c",
    )
    code, out = _run(world, capsys, "failover", "--apply", "--drain-timeout", "0.5")
    assert code == 1 and "payment-prod-dr was NOT started" in out, out
    code, out = _run(world, capsys, "failover", "--apply", "--drain-timeout", "0.5", "--force")
    assert code == 1 and "started payment-prod-dr anyway (--force)" in out, out
    assert world.pipe(STANDBY) == "RUNNING"


def test_a_primary_refusing_to_stop_keeps_the_standby_off(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.client("pipes", PRIMARY).delete_pipe(Name=world.names["pipe"])
    code, out = _run(world, capsys, "failover", "--apply")
    assert code == 1, out
    assert "refused (NotFoundException" in out and "payment-prod-dr was NOT started" in out
    assert world.pipe(STANDBY) == "STOPPED"


def test_missing_outputs(world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = json.loads(world.outputs_file.read_text())
    only_standby = tmp_path / "standby.json"
    only_standby.write_text(json.dumps({standby_stack(ENV): outputs[standby_stack(ENV)]}))
    code = main(
        [
            "failover",
            "--env",
            ENV,
            "--apply",
            "--outputs-file",
            str(only_standby),
            *FAST,
            *[f"--endpoint-url={r}={u}" for r, u in world.regions.endpoints.items()],
        ]
    )
    out = capsys.readouterr().out
    assert code == 1 and "no outputs of the primary: its settlement path was not switched off" in out
    assert world.pipe(STANDBY) == "RUNNING"
    only_primary = tmp_path / "primary.json"
    only_primary.write_text(json.dumps({primary_stack(ENV): outputs[primary_stack(ENV)]}))
    assert main(["failover", "--env", ENV, "--outputs-file", str(only_primary)]) == 2
    assert "no outputs of payment-prod-dr" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({standby_stack(ENV): {**outputs[standby_stack(ENV)], PIPE: ""}}))
    assert main(["failback", "--env", ENV, "--outputs-file", str(broken)]) == 2
    assert f"lacks the output(s) {PIPE}" in capsys.readouterr().err


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_the_make_targets_run_the_tools(world: World) -> None:
    endpoints = " ".join(f"{region}={url}" for region, url in world.regions.endpoints.items())
    common = [f"ENV={ENV}", f"OUTPUTS_FILE={world.outputs_file}", f"ENDPOINTS={endpoints}"]
    dry = _make("failover", *common)
    assert dry.returncode == 0 and "DRY RUN" in dry.stdout, dry.stdout + dry.stderr
    done = _make("failover", *common, "APPLY=1")
    assert done.returncode == 0 and "standby serving" in done.stdout, done.stdout + done.stderr
    back = _make("failback", *common, "APPLY=1")
    assert back.returncode == 0 and "primary serving" in back.stdout, back.stdout + back.stderr
    for target in ("failover", "failback"):
        usage = _make(target)
        assert usage.returncode == 2 and f"usage: make {target} ENV=prod" in usage.stderr


def test_with_dns_failover_the_report_names_the_custom_domain(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = json.loads(world.outputs_file.read_text())
    for stack in outputs.values():
        stack["apigateway_custom_domain_url"] = "https://api.payments.example.org"
    world.outputs_file.write_text(json.dumps(outputs))
    code, out = _run(world, capsys, "failover", "--apply")
    assert code == 0, out
    assert "clients of https://api.payments.example.org follow the failover DNS record" in out
