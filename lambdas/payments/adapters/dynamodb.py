"""DynamoDB repository for transactions.

Table (created by the infrastructure): partition key ``transaction_id`` (S), sort
key ``timestamp`` (S, creation time), GSIs ``client_customer-index`` and
``client_date-index`` (partition ``<client>#<customer id>`` / ``<client>#<day>``, sort
key ``timestamp``, projection ALL): a list reads one partition that holds only the
caller's transactions, newest first.
Every status change is an ``UpdateItem`` on the full key guarded by the expected
current status, so the state machine holds even with concurrent workers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from payments.adapters.aws import dependency_error, error_code
from payments.domain.clients import owned_key
from payments.domain.cursor import decode_cursor, encode_cursor, invalid_cursor
from payments.domain.errors import AlreadyExistsError, ConcurrentModificationError, DependencyError
from payments.domain.money import Money, parse_currency
from payments.domain.ports import Page
from payments.domain.requests import CLIENT_CUSTOMER_ATTRIBUTE, CLIENT_DATE_ATTRIBUTE, ListTransactionsQuery
from payments.domain.transaction import Status, Transaction
from payments.functions import ORIGIN_REGION_ATTRIBUTE

INDEX_BY_ATTRIBUTE = {
    CLIENT_CUSTOMER_ATTRIBUTE: "client_customer-index",
    CLIENT_DATE_ATTRIBUTE: "client_date-index",
}
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(transaction: Transaction) -> dict[str, Any]:
    plain: dict[str, Any] = {
        "transaction_id": transaction.transaction_id,
        "timestamp": transaction.timestamp,
        "transaction_date": transaction.transaction_date,
        "customer_id": transaction.customer_id,
        "amount": transaction.money.amount,
        "currency": transaction.money.currency.code,
        "status": transaction.status.value,
        "updated_at": transaction.updated_at,
        "source": transaction.source,
        "description": transaction.description,
        "settled_at": transaction.settled_at,
        "failure_reason": transaction.failure_reason,
        "receipt_key": transaction.receipt_key,
        "client_id": transaction.client_id,
    }
    if transaction.client_id is not None:
        plain[CLIENT_CUSTOMER_ATTRIBUTE] = owned_key(transaction.client_id, transaction.customer_id)
        plain[CLIENT_DATE_ATTRIBUTE] = owned_key(transaction.client_id, transaction.transaction_date)
    return {name: _serializer.serialize(value) for name, value in plain.items() if value is not None}


def from_item(item: dict[str, Any]) -> Transaction:
    plain = {name: _deserializer.deserialize(value) for name, value in item.items()}
    amount = plain["amount"]
    if not isinstance(amount, Decimal) or amount != amount.to_integral_value():
        raise DependencyError(f"stored amount of {plain.get('transaction_id')} is not an integer")
    return Transaction(
        transaction_id=plain["transaction_id"],
        timestamp=plain["timestamp"],
        customer_id=plain["customer_id"],
        money=Money(int(amount), parse_currency(plain["currency"])),
        status=Status(plain["status"]),
        updated_at=plain["updated_at"],
        source=plain["source"],
        description=plain.get("description"),
        settled_at=plain.get("settled_at"),
        failure_reason=plain.get("failure_reason"),
        receipt_key=plain.get("receipt_key"),
        client_id=plain.get("client_id"),
    )


def _key(transaction: Transaction) -> dict[str, Any]:
    return {name: {"S": value} for name, value in transaction.key.items()}


class DynamoDBTransactionRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _origin(self) -> dict[str, Any]:
        """The region this client writes to, on a new item (see ``ORIGIN_REGION_ATTRIBUTE``)."""
        region = getattr(getattr(self._client, "meta", None), "region_name", None)
        return {ORIGIN_REGION_ATTRIBUTE: {"S": region}} if isinstance(region, str) and region else {}

    def put_new(self, transaction: Transaction) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**to_item(transaction), **self._origin()},
                ConditionExpression="attribute_not_exists(transaction_id)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise AlreadyExistsError(f"transaction {transaction.transaction_id} already exists") from exc
            raise dependency_error("dynamodb", "PutItem", exc) from exc
        except BotoCoreError as exc:
            raise dependency_error("dynamodb", "PutItem", exc) from exc

    def get(self, transaction_id: str, *, consistent: bool = True) -> Transaction | None:
        # The sort key is the creation time, so a read by id is a one-item Query on the table's own key,
        # which (unlike a GSI query) can be strongly consistent: a GET right after a 201 finds the item.
        try:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="transaction_id = :id",
                ExpressionAttributeValues={":id": {"S": transaction_id}},
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=consistent,
            )
        except (ClientError, BotoCoreError) as exc:
            raise dependency_error("dynamodb", "Query", exc) from exc
        items = response.get("Items", [])
        return from_item(items[0]) if items else None

    def save_transition(self, before: Transaction, after: Transaction) -> Transaction:
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":expected": {"S": before.status.value},
            ":status": {"S": after.status.value},
            ":updated_at": {"S": after.updated_at},
        }
        sets = ["#status = :status", "updated_at = :updated_at"]
        if after.settled_at is not None:
            sets.append("settled_at = :settled_at")
            values[":settled_at"] = {"S": after.settled_at}
        if after.failure_reason is not None:
            sets.append("failure_reason = :failure_reason")
            values[":failure_reason"] = {"S": after.failure_reason}
        return self._update(
            before,
            "SET " + ", ".join(sets),
            "attribute_exists(transaction_id) AND #status = :expected",
            names,
            values,
        )

    def mark_receipt(self, transaction: Transaction, receipt_key: str) -> Transaction:
        return self._update(
            transaction,
            "SET receipt_key = :receipt_key",
            "attribute_exists(transaction_id) AND attribute_not_exists(receipt_key)",
            None,
            {":receipt_key": {"S": receipt_key}},
        )

    def _update(
        self,
        transaction: Transaction,
        update: str,
        condition: str,
        names: dict[str, str] | None,
        values: dict[str, Any],
    ) -> Transaction:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": _key(transaction),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            response = self._client.update_item(**kwargs)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentModificationError(
                    f"transaction {transaction.transaction_id} was changed by another writer"
                ) from exc
            raise dependency_error("dynamodb", "UpdateItem", exc) from exc
        except BotoCoreError as exc:
            raise dependency_error("dynamodb", "UpdateItem", exc) from exc
        return from_item(response["Attributes"])

    def list(self, query: ListTransactionsQuery) -> Page:
        attribute, value = query.partition
        key_attrs = (attribute, "timestamp", "transaction_id")
        start_key = decode_cursor(query.cursor, attribute, value, key_attrs) if query.cursor is not None else None
        items: list[dict[str, Any]] = []
        # Ask for one extra item: it tells whether another page exists, so the last
        # page never hands out a cursor that leads to an empty page.
        while len(items) <= query.limit:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": INDEX_BY_ATTRIBUTE[attribute],
                "KeyConditionExpression": "#p = :p",
                "ExpressionAttributeNames": {"#p": attribute},
                "ExpressionAttributeValues": {":p": {"S": value}},
                "ScanIndexForward": False,
                "Limit": query.limit + 1 - len(items),
            }
            if start_key is not None:
                kwargs["ExclusiveStartKey"] = {name: {"S": text} for name, text in start_key.items()}
            try:
                response = self._client.query(**kwargs)
            except ClientError as exc:
                if error_code(exc) == "ValidationException" and start_key is not None:
                    # A well-formed cursor whose key DynamoDB rejects is still the caller's mistake.
                    raise invalid_cursor() from exc
                raise dependency_error("dynamodb", "Query", exc) from exc
            except BotoCoreError as exc:
                raise dependency_error("dynamodb", "Query", exc) from exc
            items.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            start_key = {name: attr["S"] for name, attr in last.items()}
        transactions = [from_item(item) for item in items[: query.limit]]
        next_cursor = None
        if len(items) > query.limit:
            last_item = transactions[-1]
            next_cursor = encode_cursor(
                attribute,
                value,
                {attribute: value, "timestamp": last_item.timestamp, "transaction_id": last_item.transaction_id},
            )
        return Page(transactions, next_cursor)

    def pending_between(self, client_id: str, day: str, since: str, until: str) -> list[Transaction]:
        """One day partition of the client's date index, the time range in the key condition.

        The status is a filter: DynamoDB reads (and bills) every item of the range, settled ones too; the
        range starts ``lookback`` ago, so one sweep reads at most that much of a client's traffic.
        """
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": INDEX_BY_ATTRIBUTE[CLIENT_DATE_ATTRIBUTE],
            "KeyConditionExpression": "#p = :p AND #ts BETWEEN :since AND :until",
            "FilterExpression": "#status = :pending",
            "ExpressionAttributeNames": {"#p": CLIENT_DATE_ATTRIBUTE, "#ts": "timestamp", "#status": "status"},
            "ExpressionAttributeValues": {
                ":p": {"S": owned_key(client_id, day)},
                ":since": {"S": since},
                ":until": {"S": until},
                ":pending": {"S": Status.PENDING.value},
            },
        }
        found: list[Transaction] = []
        while True:
            try:
                response = self._client.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise dependency_error("dynamodb", "Query", exc) from exc
            found += [from_item(item) for item in response.get("Items", [])]
            if not response.get("LastEvaluatedKey"):
                return found
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
