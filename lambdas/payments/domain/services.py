"""Use cases of the API and the workflow. Pure orchestration over the ports; every side effect goes through one.

The CSV import is in :mod:`payments.domain.imports`, so the HTTP and workflow functions never load it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from payments.domain.clients import require_owned
from payments.domain.errors import AlreadyExistsError, ConflictError, NotFoundError
from payments.domain.ports import (
    Clock,
    Page,
    ReceiptStore,
    SettlementPolicy,
    TransactionRepository,
)
from payments.domain.requests import CreateTransactionRequest, ListTransactionsQuery
from payments.domain.transaction import (
    Status,
    Transaction,
    derived_transaction_id,
    new_pending,
)

logger = logging.getLogger(__name__)


class IdempotencyKeyReusedError(ConflictError):
    """The derived transaction exists but was created from a different request."""

    type = "idempotency_error"
    code = "idempotency_key_reused"


def _same_request(transaction: Transaction, request: CreateTransactionRequest) -> bool:
    return (
        transaction.customer_id == request.customer_id
        and transaction.money == request.money
        and transaction.description == request.description
    )


class TransactionService:
    """Create, read and list transactions."""

    def __init__(self, repository: TransactionRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    def create(self, request: CreateTransactionRequest, *, client_id: str, idempotency_key: str) -> Transaction:
        """Record a ``pending`` transaction: one conditional write, nothing else.

        Settlement follows from the write itself (the table's stream feeds the settlement queue; the
        sweep re-drives a record whose event was lost), so no second call in this request can fail
        and leave a payment behind. The id is derived from the client and its idempotency key: the API
        runs this under the Powertools idempotency lock, and the derived id is a second guard for a
        retry whose first write succeeded (a lost response, an expired lock): the stored transaction
        is returned instead of creating a duplicate.
        """
        transaction_id = derived_transaction_id("api", client_id, idempotency_key)
        existing = self._repository.get(transaction_id, consistent=True)
        if existing is not None:
            return self._same_or_conflict(existing, request)
        transaction = new_pending(
            transaction_id=transaction_id,
            customer_id=request.customer_id,
            money=request.money,
            description=request.description,
            created_at=self._clock(),
            source="api",
            client_id=client_id,
        )
        try:
            self._repository.put_new(transaction)
        except AlreadyExistsError:
            # The write happened before (its response was lost, or a concurrent request with the same key).
            stored = self._repository.get(transaction_id, consistent=True)
            if stored is None:
                raise
            return self._same_or_conflict(stored, request)
        return transaction

    @staticmethod
    def _same_or_conflict(existing: Transaction, request: CreateTransactionRequest) -> Transaction:
        if not _same_request(existing, request):
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was already used for a different request", param="Idempotency-Key"
            )
        logger.info("transaction already recorded", extra={"transaction_id": existing.transaction_id})
        return existing

    def get(self, transaction_id: str, *, client_id: str) -> Transaction:
        """The caller's transaction; another client's is ``NotFoundError``, exactly like an unknown id."""
        return require_owned(self._repository.get(transaction_id), client_id)

    def list(self, query: ListTransactionsQuery) -> Page:
        """Only ``query.client_id``'s transactions: the query reads that client's index partition."""
        return self._repository.list(query)


@dataclass(frozen=True)
class SettlementResult:
    transaction: Transaction
    #: ``settled`` (this call decided the outcome), ``resumed`` (finished the receipt of an
    #: earlier attempt), ``abandoned`` (marked failed after processing failed for good) or
    #: ``skipped`` (nothing left to do).
    action: str


class AcceptAllPolicy:
    """No external processor is integrated yet: every transaction settles.

    This is the seam where a card/bank processor call belongs.
    """

    def decide(self, transaction: Transaction) -> tuple[Status, str | None]:
        return (Status.SUCCEEDED, None)


def build_receipt(transaction: Transaction) -> dict[str, object]:
    return {
        "receipt_version": 1,
        "transaction_id": transaction.transaction_id,
        "customer_id": transaction.customer_id,
        "amount": transaction.money.amount,
        "currency": transaction.money.currency.code,
        "amount_display": transaction.money.format(),
        "status": transaction.status.value,
        "failure_reason": transaction.failure_reason,
        "created_at": transaction.timestamp,
        "settled_at": transaction.settled_at,
    }


def receipt_key(transaction: Transaction) -> str:
    """``receipts/YYYY/MM/DD/<id>.json`` by settlement day (UTC)."""
    day = str(transaction.settled_at or transaction.timestamp)[:10]
    return f"receipts/{day[0:4]}/{day[5:7]}/{day[8:10]}/{transaction.transaction_id}.json"


class SettlementService:
    """Drives ``pending -> processing -> succeeded | failed`` and writes the receipt.

    Run by the workflow's process step, which Step Functions may retry: each step is a
    conditional write and the receipt is recorded on the item, so a settled transaction is
    never settled or receipted twice; a crash between the receipt and its marker repeats only
    the receipt write (same key, same content). The workflow, not this service, announces the
    outcome on the notifications topic.
    """

    def __init__(
        self,
        repository: TransactionRepository,
        receipts: ReceiptStore,
        policy: SettlementPolicy,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._receipts = receipts
        self._policy = policy
        self._clock = clock

    def settle(self, transaction_id: str) -> SettlementResult:
        transaction = self._load(transaction_id)
        action = "resumed" if transaction.status is Status.PROCESSING else "skipped"
        if transaction.status is Status.PENDING:
            transaction = self._repository.save_transition(
                transaction, transaction.transition(Status.PROCESSING, self._clock())
            )
            action = "settled"
        if transaction.status is Status.PROCESSING:
            outcome, reason = self._policy.decide(transaction)
            transaction = self._repository.save_transition(
                transaction, transaction.transition(outcome, self._clock(), failure_reason=reason)
            )
        if transaction.receipt_key is None:
            key = self._receipts.put_receipt(transaction, build_receipt(transaction))
            transaction = self._repository.mark_receipt(transaction, key)
            action = "resumed" if action == "skipped" else action
        return SettlementResult(transaction, action)

    def abandon(self, transaction_id: str, reason: str) -> SettlementResult:
        """Settle as ``failed`` (no receipt: nothing was processed) after processing failed for good.

        Only a transaction that is still ``pending`` or ``processing`` changes; one that already
        reached a final status is returned as it is (``skipped``), never moved backwards.
        """
        transaction = self._load(transaction_id)
        if transaction.status.is_final:
            return SettlementResult(transaction, "skipped")
        if transaction.status is Status.PENDING:
            transaction = self._repository.save_transition(
                transaction, transaction.transition(Status.PROCESSING, self._clock())
            )
        transaction = self._repository.save_transition(
            transaction, transaction.transition(Status.FAILED, self._clock(), failure_reason=reason)
        )
        return SettlementResult(transaction, "abandoned")

    def _load(self, transaction_id: str) -> Transaction:
        transaction = self._repository.get(transaction_id, consistent=True)
        if transaction is None:
            raise NotFoundError("no transaction with this id", param="transaction_id")
        return transaction
