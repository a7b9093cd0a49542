"""Two emulated regions: endpoints that fail and come back, and global tables replicating between them like AWS's
(asynchronous, in order, last writer wins, a replica's own stream records, nothing replicated back)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from payment_local.global_tables import GlobalTable, GlobalTables, global_tables_of
from payment_local.regions import Regions
from payment_local.replication import Replicator
from payment_local.stack import Stack, StackError

PRIMARY, STANDBY = "ap-northeast-2", "ap-northeast-1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def regions() -> Iterator[Regions]:
    regions = Regions([PRIMARY, STANDBY])
    regions.start()
    yield regions
    regions.stop()


def client(regions: Regions, service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=regions.endpoints[region],
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    )


@pytest.fixture
def world(regions: Regions) -> Iterator[tuple[GlobalTables, Replicator, Clock, str]]:
    """A table in PRIMARY with a replica in STANDBY; the replicator is driven by hand on a fake clock."""
    name = f"gt-{uuid.uuid4().hex[:8]}"
    client(regions, "dynamodb", PRIMARY).create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    clock = Clock()
    replicator = Replicator(regions, lag=0.5, clock=clock)
    tables = GlobalTables([GlobalTable(name, PRIMARY, (STANDBY,))], replicator)
    tables.install()
    tables.create_replicas(lambda service, region: client(regions, service, region))
    yield tables, replicator, clock, name
    tables.uninstall()


def get(regions: Regions, region: str, table: str, key: str) -> dict[str, Any] | None:
    return (
        client(regions, "dynamodb", region)
        .get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True)
        .get("Item")
    )


def stream_records(regions: Regions, region: str, table: str) -> list[dict[str, Any]]:
    dynamodb, streams = client(regions, "dynamodb", region), client(regions, "dynamodbstreams", region)
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return records


def put(regions: Regions, region: str, table: str, key: str, value: str) -> None:
    client(regions, "dynamodb", region).put_item(TableName=table, Item={"id": {"S": key}, "v": {"S": value}})


def test_a_failed_region_refuses_connections_and_listens_again_on_the_same_port(regions: Regions) -> None:
    endpoint = regions.endpoints[PRIMARY]
    sqs = client(regions, "sqs", PRIMARY)
    url = sqs.create_queue(QueueName="before")["QueueUrl"]
    regions.fail(PRIMARY)
    assert regions.is_down(PRIMARY) and not regions.is_down(STANDBY)
    with pytest.raises(EndpointConnectionError):
        sqs.get_queue_url(QueueName="before")
    client(regions, "sqs", STANDBY).create_queue(QueueName="elsewhere")  # the other region is unaffected
    regions.restore(PRIMARY)
    assert regions.endpoints[PRIMARY] == endpoint
    assert sqs.get_queue_url(QueueName="before")["QueueUrl"] == url  # same data: the region was only unreachable


def test_a_write_reaches_the_replica_after_the_lag_as_the_replicas_own_stream_record(
    world: Any, regions: Regions
) -> None:
    _, replicator, clock, table = world
    put(regions, PRIMARY, table, "a", "1")
    assert replicator.ship_due() == 0 and get(regions, STANDBY, table, "a") is None  # asynchronous
    clock.now += 0.5
    assert replicator.ship_due() == 1
    assert get(regions, STANDBY, table, "a")["v"] == {"S": "1"}
    (record,) = stream_records(regions, STANDBY, table)
    assert record["eventName"] == "INSERT" and record["awsRegion"] == STANDBY
    assert record["dynamodb"]["NewImage"]["v"] == {"S": "1"}
    clock.now += 1
    assert replicator.ship_due() == 0  # not replicated back
    assert len(stream_records(regions, PRIMARY, table)) == 1
    assert replicator.lags("dynamodb") == [pytest.approx(0.5)]


def test_writes_arrive_in_order_and_a_delete_replicates(world: Any, regions: Regions) -> None:
    _, replicator, clock, table = world
    for value in ("1", "2", "3"):
        put(regions, PRIMARY, table, "a", value)
    client(regions, "dynamodb", PRIMARY).delete_item(TableName=table, Key={"id": {"S": "a"}})
    put(regions, PRIMARY, table, "b", "x")
    clock.now += 1
    assert replicator.ship_due() == 5
    assert get(regions, STANDBY, table, "a") is None and get(regions, STANDBY, table, "b")["v"] == {"S": "x"}
    names = [r["eventName"] for r in stream_records(regions, STANDBY, table)]
    assert names == ["INSERT", "MODIFY", "MODIFY", "REMOVE", "INSERT"]


def test_concurrent_writes_in_two_regions_converge_on_the_last_writer(world: Any, regions: Regions) -> None:
    tables, replicator, clock, table = world
    put(regions, PRIMARY, table, "a", "primary")
    clock.now += 0.1
    put(regions, STANDBY, table, "a", "standby")  # later, before the primary's write arrived
    clock.now += 1
    replicator.ship_due()
    assert get(regions, PRIMARY, table, "a")["v"] == {"S": "standby"}
    assert get(regions, STANDBY, table, "a")["v"] == {"S": "standby"}
    assert tables.superseded == 1
    assert [(w.region, w.new["v"]["S"]) for w in tables.local_writes(table)] == [
        (PRIMARY, "primary"),
        (STANDBY, "standby"),
    ]


def test_changes_wait_in_a_failed_region_and_arrive_when_it_is_back(world: Any, regions: Regions) -> None:
    _, replicator, clock, table = world
    put(regions, PRIMARY, table, "a", "1")
    regions.fail(PRIMARY)
    clock.now += 5
    assert replicator.ship_due() == 0
    (backlog,) = [b for b in replicator.backlog() if b.count]
    assert (backlog.source, backlog.target, backlog.count) == (PRIMARY, STANDBY, 1)
    assert get(regions, STANDBY, table, "a") is None  # lost for the standby while the primary is down
    put(regions, STANDBY, table, "b", "2")
    clock.now += 5
    assert replicator.ship_due() == 0  # nor does the standby's write reach the failed region
    regions.restore(PRIMARY)
    assert replicator.ship_due() == 2
    assert get(regions, STANDBY, table, "a") and get(regions, PRIMARY, table, "b")
    assert replicator.lags("dynamodb") == [pytest.approx(5 + 5), pytest.approx(5)]


def test_replica_blocks_need_the_stream_aws_requires() -> None:
    def stack(view_type: str) -> Stack:
        table = {
            "name": "t",
            "hash_key": "id",
            "attribute": [{"name": "id", "type": "S"}],
            "stream_enabled": True,
            "stream_view_type": view_type,
            "replica": [{"region_name": STANDBY}],
        }
        return Stack(
            env="prod",
            path=None,
            document={"resource": {"aws_dynamodb_table": {"t": table}}},  # type: ignore[arg-type]
            region=PRIMARY,
        )

    assert global_tables_of(stack("NEW_AND_OLD_IMAGES")) == [GlobalTable("t", PRIMARY, (STANDBY,))]
    with pytest.raises(StackError, match="NEW_AND_OLD_IMAGES"):
        global_tables_of(stack("NEW_IMAGE"))


def test_s3_replication_copies_matching_new_objects_with_their_metadata(regions: Regions) -> None:
    from payment_local.s3_replication import S3Replication

    clock = Clock()
    replicator = Replicator(regions, lag=0.5, clock=clock)
    replication = S3Replication(replicator)
    replication.install()
    try:
        source, replica = f"src-{uuid.uuid4().hex[:8]}", f"dst-{uuid.uuid4().hex[:8]}"
        s3_primary, s3_standby = client(regions, "s3", PRIMARY), client(regions, "s3", STANDBY)
        for s3, bucket, region in ((s3_primary, source, PRIMARY), (s3_standby, replica, STANDBY)):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3_primary.put_bucket_replication(
            Bucket=source,
            ReplicationConfiguration={
                "Role": "arn:aws:iam::123456789012:role/replication",
                "Rules": [
                    {
                        "ID": "receipts",
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {"Prefix": "receipts/"},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": {"Bucket": f"arn:aws:s3:::{replica}"},
                    }
                ],
            },
        )
        s3_primary.put_object(Bucket=source, Key="receipts/a.json", Body=b"{}", Metadata={"transaction": "a"})
        s3_primary.put_object(Bucket=source, Key="other/b.json", Body=b"{}")
        assert replicator.ship_due() == 0
        clock.now += 1
        regions.fail(STANDBY)
        assert replicator.ship_due() == 0
        regions.restore(STANDBY)
        assert replicator.ship_due() == 1
        copied = s3_standby.get_object(Bucket=replica, Key="receipts/a.json")
        assert copied["Body"].read() == b"{}" and copied["Metadata"] == {"transaction": "a"}
        assert [o["Key"] for o in s3_standby.list_objects_v2(Bucket=replica)["Contents"]] == ["receipts/a.json"]
        assert replicator.lags("s3") == [pytest.approx(1)]
    finally:
        replication.uninstall()


def test_a_regions_step_functions_calls_reach_its_emulator_through_the_regions_endpoint(regions: Regions) -> None:
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    seen: list[str] = []

    @Request.application
    def emulator_sfn(request: Request) -> Response:
        seen.append(request.headers["X-Amz-Target"])
        return Response('{"executions": []}', content_type="application/x-amz-json-1.0")

    server = make_server("127.0.0.1", 0, emulator_sfn, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        regions.route(PRIMARY, "AWSStepFunctions.", f"http://127.0.0.1:{server.server_address[1]}")
        sfn = client(regions, "stepfunctions", PRIMARY)
        assert (
            sfn.list_executions(stateMachineArn="arn:aws:states:ap-northeast-2:123456789012:stateMachine:m")[
                "executions"
            ]
            == []
        )
        assert seen == ["AWSStepFunctions.ListExecutions"]
        client(regions, "sqs", PRIMARY).create_queue(QueueName="still-moto")  # everything else is moto's
        with pytest.raises(Exception, match="StateMachineDoesNotExist"):  # the other region's is moto's own
            client(regions, "stepfunctions", STANDBY).list_executions(
                stateMachineArn="arn:aws:states:ap-northeast-1:123456789012:stateMachine:m"
            )
    finally:
        server.shutdown()
