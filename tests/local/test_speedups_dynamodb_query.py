"""moto's table Query narrowed to one partition answers exactly what moto's full-table Query answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from payment_local.speedups import dynamodb_query


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="ranged",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
        client.create_table(
            TableName="flat",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for partition in range(6):
            client.put_item(TableName="flat", Item={"pk": {"S": f"p{partition}"}, "v": {"N": str(partition)}})
            for sort in (5, 1, 9, 3, 7):
                item = {"pk": {"S": f"p{partition}"}, "sk": {"N": str(sort)}, "v": {"S": f"{partition}-{sort}"}}
                client.put_item(TableName="ranged", Item=item)
        yield client
    dynamodb_query.uninstall()


QUERIES = [
    {"TableName": "ranged", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p3"}}},
    {"TableName": "ranged", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p3"}},
     "ScanIndexForward": False, "Limit": 1, "ConsistentRead": True},
    {"TableName": "ranged", "KeyConditionExpression": "pk = :p AND sk > :s",
     "ExpressionAttributeValues": {":p": {"S": "p1"}, ":s": {"N": "3"}}, "Limit": 2},
    {"TableName": "ranged", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p2"}},
     "ExclusiveStartKey": {"pk": {"S": "p2"}, "sk": {"N": "5"}}},
    {"TableName": "ranged", "KeyConditionExpression": "pk = :p", "FilterExpression": "v = :v",
     "ExpressionAttributeValues": {":p": {"S": "p4"}, ":v": {"S": "4-9"}}},
    {"TableName": "ranged", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "none"}}},
    {"TableName": "flat", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p5"}}},
    {"TableName": "flat", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "none"}}},
]  # fmt: skip


def _answers(client: Any) -> list[dict[str, Any]]:
    answers = []
    for query in QUERIES:
        answer = client.query(**query)
        answer.pop("ResponseMetadata")
        answers.append(answer)
    return answers


def test_answers_are_moto_s_own(dynamodb: Any) -> None:
    dynamodb_query.uninstall()
    expected = _answers(dynamodb)
    dynamodb_query.install()
    assert _answers(dynamodb) == expected
    assert [len(a["Items"]) for a in expected] == [5, 1, 2, 2, 1, 0, 1, 0]  # the queries test something


def test_a_table_query_no_longer_lists_the_whole_table(dynamodb: Any) -> None:
    dynamodb_query.install()
    with mock.patch.object(Table, "all_items", autospec=True, side_effect=AssertionError("listed every item")):
        assert len(dynamodb.query(**QUERIES[0])["Items"]) == 5


def test_a_missing_partition_is_not_added_to_the_table(dynamodb: Any) -> None:
    dynamodb_query.install()
    dynamodb.query(**QUERIES[5])
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["ranged"]
    assert len(table.items) == 6  # Table.items is a defaultdict: a lookup by [] would have added "none"
