"""moto's responses with method names and serializer keys remembered are the responses moto builds without."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws

from payment_local.speedups import moto_responses

ITEM = {
    "pk": {"S": "p1"},
    "amount": {"N": "12.50"},
    "blob": {"B": b"\x00\xffbytes"},
    "flags": {"SS": ["a", "b"]},
    "counts": {"NS": ["1", "2"]},
    "gone": {"NULL": True},
    "ok": {"BOOL": False},
    "nested": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}]}}},
}


def _reads(session: boto3.session.Session) -> list[Any]:
    dynamodb, sqs, sns, s3 = (session.client(name) for name in ("dynamodb", "sqs", "sns", "s3"))
    queue = sqs.get_queue_url(QueueName="q")["QueueUrl"]
    answers = [
        dynamodb.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p1"}}),
        dynamodb.get_item(TableName="t", Key={"pk": {"S": "p1"}}),
        dynamodb.scan(TableName="t"),
        dynamodb.describe_table(TableName="t"),
        dynamodb.update_item(TableName="t", Key={"pk": {"S": "p1"}}, UpdateExpression="SET ok = :o",
                             ExpressionAttributeValues={":o": {"BOOL": False}}, ReturnValues="ALL_NEW"),
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"]),
        sqs.list_queues(),
        sns.list_topics(),
        sns.get_topic_attributes(TopicArn=sns.list_topics()["Topics"][0]["TopicArn"]),
        s3.list_objects_v2(Bucket="bucket-b"),
        s3.head_object(Bucket="bucket-b", Key="k"),
    ]  # fmt: skip
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


def test_every_protocol_answers_as_without_the_speed_up() -> None:
    with mock_aws():
        session = boto3.session.Session(region_name="us-east-1")
        dynamodb = session.client("dynamodb")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="t", Item=ITEM)
        session.client("sqs").create_queue(QueueName="q", Attributes={"DelaySeconds": "0"})
        session.client("sns").create_topic(Name="topic")
        session.client("s3").create_bucket(Bucket="bucket-b")
        session.client("s3").put_object(Bucket="bucket-b", Key="k", Body=b"body", Metadata={"m": "v"})
        moto_responses.uninstall()
        expected = _reads(session)
        moto_responses.install()
        try:
            assert _reads(session) == expected
        finally:
            moto_responses.uninstall()
    assert expected[1]["Item"] == ITEM  # every attribute type went through the serializer
