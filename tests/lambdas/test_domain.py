"""Pure domain: money, state machine, cursors, request and CSV parsing (no AWS)."""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from payments.domain.csv_import import MAX_ROWS, ImportFileError, ParsedRow, RejectedRow, parse_rows
from payments.domain.cursor import decode_cursor, encode_cursor
from payments.domain.errors import InvalidTransitionError, ValidationError
from payments.domain.imports import report_key
from payments.domain.money import MAX_AMOUNT_MINOR, Money, parse_amount, parse_currency
from payments.domain.requests import CreateTransactionRequest, ListTransactionsQuery, parse_json_object
from payments.domain.transaction import (
    ALLOWED_TRANSITIONS,
    Status,
    check_transition,
    derived_transaction_id,
    format_timestamp,
    new_pending,
    parse_timestamp,
)

KEY_ATTRS = ("customer_id", "timestamp", "transaction_id")


# --- money --------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False, 1.0, 100.0, "100", None, [1], {"v": 1}, 0, -1, MAX_AMOUNT_MINOR + 1])
def test_not_an_amount(value):
    with pytest.raises(ValidationError) as raised:
        parse_amount(value)
    assert raised.value.param == "amount"


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_MINOR))
def test_every_positive_integer_in_range_is_an_amount(value):
    assert parse_amount(value) == value


@pytest.mark.parametrize(
    ("amount", "code", "text"),
    [
        (1, "JPY", "1 JPY"),
        (1, "USD", "0.01 USD"),
        (100, "USD", "1.00 USD"),
        (1, "KWD", "0.001 KWD"),
        (123456, "BHD", "123.456 BHD"),
        (10000, "CLF", "1.0000 CLF"),
    ],
)
def test_format_is_exact(amount, code, text):
    assert Money.of(amount, code).format() == text


@pytest.mark.parametrize("code", ["usd", "US", "USDD", "XAU", "XXX", "", 840, None])
def test_unknown_currency(code):
    with pytest.raises(ValidationError):
        parse_currency(code)


# --- state machine ------------------------------------------------------------


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_transitions_only_move_forward_once(current, target):
    forward = {
        (Status.PENDING, Status.PROCESSING),
        (Status.PROCESSING, Status.SUCCEEDED),
        (Status.PROCESSING, Status.FAILED),
    }
    if (current, target) in forward:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidTransitionError):
            check_transition(current, target)
    assert all(not ALLOWED_TRANSITIONS[s] for s in Status if s.is_final)


def test_transition_stamps_and_keeps_identity():
    created = datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=UTC)
    tx = new_pending(
        transaction_id=derived_transaction_id("t"),
        customer_id="c",
        money=Money.of(5, "USD"),
        description=None,
        created_at=created,
        source="api",
        client_id="checkout",
    )
    assert tx.timestamp == "2026-03-01T12:00:00.000005Z" and tx.transaction_date == "2026-03-01"
    done = tx.transition(Status.PROCESSING, created).transition(Status.FAILED, created, failure_reason="declined")
    assert done.key == tx.key and done.settled_at == tx.timestamp and done.failure_reason == "declined"
    assert parse_timestamp(format_timestamp(created)) == created


def test_derived_ids_are_stable_and_distinct():
    assert derived_transaction_id("api", "k", "1") == derived_transaction_id("api", "k", "1")
    assert derived_transaction_id("api", "k", "1") != derived_transaction_id("api", "k", "2")


# --- cursor -------------------------------------------------------------------


def test_cursor_round_trip():
    key = {"customer_id": "c1", "timestamp": "2026-01-01T00:00:00.000000Z", "transaction_id": "txn_1"}
    cursor = encode_cursor("customer_id", "c1", key)
    assert "=" not in cursor
    assert decode_cursor(cursor, "customer_id", "c1", KEY_ATTRS) == key
    with pytest.raises(ValidationError):
        decode_cursor(cursor, "customer_id", "c2", KEY_ATTRS)
    with pytest.raises(ValidationError):
        decode_cursor(cursor, "transaction_date", "c1", ("transaction_date", "timestamp", "transaction_id"))


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"v": 2, "p": ["customer_id", "c1"], "k": {}},
        {"v": 1, "p": ["customer_id", "c1"], "k": {"customer_id": 1}},
        {
            "v": 1,
            "p": ["customer_id", "c1"],
            "k": {"customer_id": "c1", "timestamp": "t", "transaction_id": "x", "z": "1"},
        },
        {"v": 1, "p": ["customer_id", "c1"], "k": {"customer_id": "c9", "timestamp": "t", "transaction_id": "x"}},
    ],
)
def test_cursor_payload_is_validated(payload):
    cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(ValidationError):
        decode_cursor(cursor, "customer_id", "c1", KEY_ATTRS)


@given(st.text(max_size=300))
def test_any_garbage_cursor_is_a_validation_error(text):
    with pytest.raises(ValidationError):
        decode_cursor(text, "customer_id", "c1", KEY_ATTRS)


# --- requests -----------------------------------------------------------------


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=10,
    )
)
def test_arbitrary_json_is_either_a_request_or_a_validation_error(value):
    with contextlib.suppress(ValidationError):
        CreateTransactionRequest.from_json(parse_json_object(json.dumps(value)))


def test_fingerprint_is_canonical():
    a = CreateTransactionRequest.from_json(parse_json_object('{"amount": 5, "currency": "USD", "customer_id": "c"}'))
    b = CreateTransactionRequest.from_json(parse_json_object('{"customer_id":"c","currency":"USD","amount":5}'))
    assert a.fingerprint() == b.fingerprint()


def test_deeply_nested_json_is_a_validation_error():
    with pytest.raises(ValidationError):
        parse_json_object("[" * 100_000 + "]" * 100_000)


def test_list_query_partition():
    by_day = ListTransactionsQuery.from_params({"date": "2026-02-28"}, client_id="checkout")
    assert by_day.partition == ("client_date", "checkout#2026-02-28")
    by_customer = ListTransactionsQuery.from_params({"customer_id": "c"}, client_id="partner")
    assert by_customer.partition == ("client_customer", "partner#c") and by_customer.limit == 20
    with pytest.raises(ValidationError):
        ListTransactionsQuery.from_params({"date": "2026-02-30"}, client_id="checkout")


# --- CSV ----------------------------------------------------------------------


def test_csv_rows_and_line_numbers():
    rows = parse_rows('customer_id,currency,amount\nc1,USD,100\n"c2",EUR,"0"\n\nc3,JPY,7\nc4,USD,1,extra\n')
    assert [type(row) for row in rows] == [ParsedRow, RejectedRow, ParsedRow, RejectedRow]
    assert [row.line for row in rows] == [2, 3, 5, 6]
    assert rows[2].request.money == Money.of(7, "JPY")


def test_quoted_newlines_keep_physical_line_numbers():
    rows = parse_rows('customer_id,amount,currency,description\nc1,1,USD,"two\nlines"\nc2,x,USD,\n')
    assert rows[0].line == 3 and isinstance(rows[1], RejectedRow) and rows[1].line == 4


@pytest.mark.parametrize(
    "text", ["", "amount,currency\n", "customer_id,amount,currency,extra\n", "customer_id,amount,amount,currency\n"]
)
def test_bad_headers_reject_the_file(text):
    with pytest.raises(ImportFileError):
        parse_rows(text)


def test_row_limit():
    text = "customer_id,amount,currency\n" + "c,1,USD\n" * (MAX_ROWS + 1)
    with pytest.raises(ImportFileError):
        parse_rows(text)


def test_report_key():
    assert report_key("imports/a/b.csv") == "reports/a/b.csv.report.json"
