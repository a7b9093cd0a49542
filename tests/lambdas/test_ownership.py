"""The ownership rules, pure: which client a request is, and that a client reads only what it created."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from payments.domain.clients import (
    NO_API_KEY_CLIENT,
    ClientDirectory,
    ClientDirectoryError,
    owned_key,
    require_owned,
)
from payments.domain.cursor import decode_cursor, encode_cursor
from payments.domain.errors import ForbiddenError, NotFoundError, ValidationError
from payments.domain.imports import import_owner, report_key
from payments.domain.money import Money
from payments.domain.ports import Page
from payments.domain.requests import CreateTransactionRequest, ListTransactionsQuery
from payments.domain.services import TransactionService
from payments.domain.transaction import Transaction, new_pending, new_transaction_id

DIRECTORY = ClientDirectory.parse(json.dumps({"checkout": ["key1", "key1-next"], "partner": ["key2"]}))
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _transaction(client_id: str | None, customer_id: str = "cust_1") -> Transaction:
    tx = new_pending(
        transaction_id=new_transaction_id(),
        customer_id=customer_id,
        money=Money.of(100, "USD"),
        description=None,
        created_at=NOW,
        source="api",
        client_id=client_id or "x",
    )
    return tx if client_id else Transaction(**{**tx.__dict__, "client_id": None})


class MemoryRepository:
    """The repository port in memory, storing what the service hands it."""

    def __init__(self) -> None:
        self.items: dict[str, Transaction] = {}

    def put_new(self, transaction: Transaction) -> None:
        self.items[transaction.transaction_id] = transaction

    def get(self, transaction_id: str, *, consistent: bool = False) -> Transaction | None:
        return self.items.get(transaction_id)

    def list(self, query: ListTransactionsQuery) -> Page:
        attribute, value = query.partition
        matching = [
            tx
            for tx in self.items.values()
            if tx.client_id
            and owned_key(tx.client_id, tx.customer_id if attribute == "client_customer" else tx.transaction_date)
            == value
        ]
        return Page(sorted(matching, key=lambda tx: tx.timestamp, reverse=True), None)


# --- who is calling -----------------------------------------------------------------------


def test_every_key_of_a_client_is_that_client():
    assert DIRECTORY.client_for("key1") == DIRECTORY.client_for("key1-next") == "checkout"
    assert DIRECTORY.client_for("key2") == "partner"
    assert DIRECTORY.names == {"checkout", "partner"}


def test_a_key_of_no_client_is_forbidden_and_no_key_is_its_own_scope():
    with pytest.raises(ForbiddenError):
        DIRECTORY.client_for("key3")
    assert DIRECTORY.client_for(None) == DIRECTORY.client_for("") == NO_API_KEY_CLIENT
    assert NO_API_KEY_CLIENT not in DIRECTORY.names


def test_the_client_comes_from_the_request_context_key_id():
    event = {"requestContext": {"identity": {"apiKeyId": "key2", "apiKey": "secret"}}}
    assert DIRECTORY.client_of_event(event) == "partner"
    assert DIRECTORY.client_of_event({"requestContext": None}) == NO_API_KEY_CLIENT


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        "{}",
        '{"Bad Name": ["k"]}',
        '{"a": []}',
        '{"a": "k"}',
        '{"a": [""]}',
        '{"a": ["k"], "b": ["k"]}',
    ],
)
def test_a_malformed_directory_fails_loudly(text: str):
    with pytest.raises(ClientDirectoryError):
        ClientDirectory.parse(text)


# --- what a client may see ---------------------------------------------------------------------


def test_only_the_creating_client_owns_a_transaction():
    tx = _transaction("checkout")
    assert require_owned(tx, "checkout") is tx
    with pytest.raises(NotFoundError) as foreign:
        require_owned(tx, "partner")
    with pytest.raises(NotFoundError) as unknown:
        require_owned(None, "partner")
    assert (foreign.value.code, foreign.value.message, foreign.value.param) == (
        unknown.value.code,
        unknown.value.message,
        unknown.value.param,
    )


def test_a_record_from_before_clients_belongs_to_nobody():
    legacy = _transaction(None)
    for client in ("checkout", NO_API_KEY_CLIENT):
        with pytest.raises(NotFoundError):
            require_owned(legacy, client)


def test_the_service_reads_and_lists_for_the_caller_only():
    repository = MemoryRepository()
    service = TransactionService(repository, lambda: NOW)
    request = CreateTransactionRequest.from_json({"customer_id": "cust_1", "amount": 5, "currency": "USD"})
    mine = service.create(request, client_id="checkout", idempotency_key="k1")
    theirs = service.create(request, client_id="partner", idempotency_key="k1")
    assert mine.transaction_id != theirs.transaction_id  # same Idempotency-Key, two clients: two payments
    assert (mine.client_id, theirs.client_id) == ("checkout", "partner")
    assert service.get(mine.transaction_id, client_id="checkout") == mine
    with pytest.raises(NotFoundError):
        service.get(mine.transaction_id, client_id="partner")
    for params in ({"customer_id": "cust_1"}, {"date": "2026-12-01"}):
        listed = service.list(ListTransactionsQuery.from_params(params, client_id="partner")).items
        assert [tx.transaction_id for tx in listed] == [theirs.transaction_id]


def test_index_keys_join_client_and_value_so_equal_values_never_meet():
    assert owned_key("checkout", "cust_1") != owned_key("partner", "cust_1")
    assert owned_key("checkout", "2026-12-01") == "checkout#2026-12-01"


def test_a_cursor_issued_to_one_client_is_invalid_for_another():
    mine = ListTransactionsQuery.from_params({"customer_id": "cust_1"}, client_id="checkout")
    theirs = ListTransactionsQuery.from_params({"customer_id": "cust_1"}, client_id="partner")
    attribute, value = mine.partition
    keys = (attribute, "timestamp", "transaction_id")
    cursor = encode_cursor(attribute, value, {attribute: value, "timestamp": "t", "transaction_id": "txn_1"})
    assert decode_cursor(cursor, *mine.partition, keys)[attribute] == value
    with pytest.raises(ValidationError):
        decode_cursor(cursor, *theirs.partition, keys)


# --- batch import files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "owner"),
    [
        ("imports/checkout/day.csv", "checkout"),
        ("imports/checkout/2026/12/day.csv", "checkout"),
        ("imports/day.csv", None),
        ("imports//day.csv", None),
        ("imports/Checkout/day.csv", None),
        ("imports/checkout/", None),
        ("reports/checkout/day.csv", None),
    ],
)
def test_an_import_file_belongs_to_the_client_of_its_folder(key: str, owner: str | None):
    assert import_owner(key) == owner


def test_the_report_lands_in_the_clients_own_folder():
    assert report_key("imports/partner/day.csv") == "reports/partner/day.csv.report.json"
